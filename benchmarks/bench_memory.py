"""Peak memory of daily feature extraction per asset-year, file by file versus all at once.

Each measurement runs in a fresh Python process. After the imports, the process's
resident-set high-water mark is reset (``/proc/self/clear_refs``, Linux); the figure is
the peak resident memory reached during the work minus the resident memory before it,
so it counts numpy, pandas and pyarrow buffers alike. Cases:

* ``one file``: ``read_bars`` + ``intraday_panel`` + realized variance, bipower
  variation and jump counts for one file (what one worker of
  ``daily_features_from_files`` holds at a time);
* ``files one at a time``: ``daily_features_from_files`` over all of an asset's files
  with ``n_jobs=1``;
* ``all at once``: ``read_bars`` on the whole folder, one panel, one transform.

Run from the repository root (needs ``../shared/data``)::

    python benchmarks/bench_memory.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

WORKER = r"""
import json, sys, time
from pathlib import Path

import numpy as np
from sklearn.pipeline import make_union

from skvol.data import intraday_panel, read_bars
from skvol.features import BipowerVariation, JumpCounter, RealizedVariance
from skvol.parallel import daily_features_from_files


def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
    raise RuntimeError(field)


case, asset, session, paths = json.loads(sys.argv[1])
paths = [Path(p) for p in paths]
transformer = make_union(RealizedVariance(), BipowerVariation(), JumpCounter())
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = status("VmRSS:")
start = time.perf_counter()
if case == "files one at a time":
    daily = daily_features_from_files({asset: paths}, transformer, session=session, n_jobs=1)
    n_bars = None
else:
    bars = read_bars(paths[0])
    n_bars = len(bars)
    daily = transformer.fit_transform(intraday_panel(bars, session=session, asset=asset))
seconds = time.perf_counter() - start
peak = status("VmHWM:")
print(json.dumps({"peak_mb": (peak - before) / 2**20, "days": len(daily), "bars": n_bars,
                  "seconds": seconds}))
"""


def measure(case: str, asset: str, session: str, paths: list[Path]) -> dict:
    arg = json.dumps([case, asset, session, [str(p) for p in paths]])
    out = subprocess.run([sys.executable, "-c", WORKER, arg], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{case} on {paths} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if not DATA.is_dir():
        sys.exit(f"needs the real data in {DATA}")
    btc = sorted((DATA / "btcusd_bitmex").glob("xbtusd_1min_*.csv.gz"))
    eur = sorted((DATA / "eurusd_histdata").glob("DAT_ASCII_EURUSD_M1_*.csv"))
    rows = {
        "BTC 2016 (one file)": measure("one file", "BTC", "24h", btc[:1]),
        "BTC 2017 (one file)": measure("one file", "BTC", "24h", btc[1:2]),
        "EUR/USD Jan 2017 (one file)": measure("one file", "EURUSD", "fx", eur[:1]),
        "EUR/USD Jan-Jun 2017 (folder at once)": measure(
            "one file", "EURUSD", "fx", [eur[0].parent]
        ),
        "BTC 2016-2017, files one at a time": measure("files one at a time", "BTC", "24h", btc),
        "BTC 2016-2017, folder at once": measure("one file", "BTC", "24h", [btc[0].parent]),
    }
    print(f"{'case':40s} {'bars':>10s} {'days':>5s} {'peak MB':>8s} {'MB/1M bars':>10s} {'s':>6s}")
    for name, r in rows.items():
        bars = f"{r['bars']:10,d}" if r["bars"] else f"{'':>10s}"
        per_million = f"{r['peak_mb'] / (r['bars'] / 1e6):10.1f}" if r["bars"] else f"{'':>10s}"
        print(
            f"{name:40s} {bars} {r['days']:5d} {r['peak_mb']:8.1f} {per_million} "
            f"{r['seconds']:6.2f}"
        )
    year = rows["BTC 2017 (one file)"]
    one_by_one = rows["BTC 2016-2017, files one at a time"]
    at_once = rows["BTC 2016-2017, folder at once"]
    print(
        f"\nper asset-year of 1-minute bars (BTC 2017, {year['bars']:,} bars): {year['peak_mb']:.0f} MB"
    )
    print(
        f"BTC two years: files one at a time {one_by_one['peak_mb']:.0f} MB, folder at once "
        f"{at_once['peak_mb']:.0f} MB (ratio {at_once['peak_mb'] / one_by_one['peak_mb']:.2f})"
    )
    marginal = at_once["peak_mb"] - year["peak_mb"]
    print(
        f"at once, each further asset-year adds about {marginal:.0f} MB; file by file the peak "
        f"stays at one file's ({one_by_one['peak_mb']:.0f} MB per worker, n_jobs workers)"
    )


if __name__ == "__main__":
    main()
