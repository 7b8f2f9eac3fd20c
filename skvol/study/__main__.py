"""``python -m skvol.study`` runs the ``skvol`` command line."""

from skvol.study._cli import main

raise SystemExit(main())
