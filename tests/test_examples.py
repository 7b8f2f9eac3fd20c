"""Every script in ``examples/`` runs to completion on small data.

Each runs as a subprocess (as a user would run it) in a temporary working directory, with
``SKVOL_EXAMPLE_QUICK=1``: an example shrinks its data, epochs and folds when that variable
is set. An example that reads ``../shared/data`` is skipped when that folder is absent.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
TIMEOUT_S = 300
# "../shared/data" or Path(...) / "shared" / "data"
_READS_SHARED = re.compile(r"""shared["']?\s*/\s*["']?data""")


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path, tmp_path: Path):
    if _READS_SHARED.search(script.read_text(encoding="utf-8")) and not SHARED_DATA.is_dir():
        pytest.skip(f"{script.name} reads {SHARED_DATA}, which is absent")
    env = dict(
        os.environ,
        SKVOL_EXAMPLE_QUICK="1",
        OMP_WAIT_POLICY="PASSIVE",
        MPLBACKEND="Agg",
        OMP_NUM_THREADS="1",
    )
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert proc.returncode == 0, (
        f"{script.name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    assert "Traceback" not in proc.stderr
