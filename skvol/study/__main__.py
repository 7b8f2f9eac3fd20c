"""``python -m skvol.study`` runs the ``skvol`` command line."""

import sys

try:
    from skvol.study._cli import main
except KeyboardInterrupt:  # Ctrl-C while Python is still importing: one line, no traceback
    sys.stderr.write("skvol: interrupted\n")
    raise SystemExit(130) from None

raise SystemExit(main())
