"""Parse throughput of skvol.data.read_bars on the real data, on one core.

Run from the repository root::

    python benchmarks/bench_readers.py [--repeat 5]

It prints rows per second of CPU time (best of ``--repeat`` runs, after one warm-up; CPU
time is what one core spends, robust to other jobs on a shared machine; the wall-clock
time of the same run is shown beside it) for

* histdata: the six EUR/USD HistData files (``../shared/data/eurusd_histdata``);
* generic CSV: the two BitMEX years, once as stored (gzip, so decompression counts) and
  once from plain decompressed copies in a temporary folder (parsing alone);

and each figure's ratio to the goal of 1,000,000 rows/s. The process is pinned to one
CPU and pyarrow is limited to one thread.
"""

from __future__ import annotations

import argparse
import gzip
import os
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from skvol.data import read_bars

GOAL = 1_000_000
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def one_core() -> str:
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity on this platform)"


def best_rate(path: Path, repeat: int) -> tuple[int, float, float]:
    """Rows read, and the CPU and wall seconds of the run with the least CPU time."""
    read_bars(path)  # warm-up: imports, page cache
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        bars = read_bars(path)
        best = min(best, (time.process_time() - cpu, time.perf_counter() - wall))
    return len(bars), *best


def report(label: str, rows: int, cpu: float, wall: float) -> None:
    rate = rows / cpu
    print(
        f"{label:<37} {rows:>10,} rows  cpu {cpu * 1e3:7.1f} ms  wall {wall * 1e3:7.1f} ms  "
        f"{rate:>11,.0f} rows/s  {rate / GOAL:5.2f}x goal"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case (best kept)")
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"the real data folder {DATA} is absent")
    print(f"read_bars throughput, {one_core()}, best of {args.repeat}; goal {GOAL:,} rows/s")
    report("histdata (EUR/USD, 6 files)", *best_rate(DATA / "eurusd_histdata", args.repeat))
    report("generic csv, gzip (BitMEX, 2 files)", *best_rate(DATA / "btcusd_bitmex", args.repeat))
    with tempfile.TemporaryDirectory() as tmp:
        for file in sorted((DATA / "btcusd_bitmex").glob("*.gz")):
            (Path(tmp) / file.stem).write_bytes(gzip.decompress(file.read_bytes()))
        report("generic csv, plain (BitMEX, 2 files)", *best_rate(Path(tmp), args.repeat))


if __name__ == "__main__":
    main()
