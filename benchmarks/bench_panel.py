"""Throughput of skvol.data.intraday_panel (bars to panel) and of simulate_market, one core.

Run from the repository root::

    python benchmarks/bench_panel.py [--repeat 5]

It prints bars per second of CPU time (best of ``--repeat`` runs after one warm-up; CPU
time is what one core spends, robust to other jobs on a shared machine; the wall-clock
time of the same run is shown beside it) for

* the real BitMEX BTC/USD file, 2016-2017 (1,052,640 one-minute bars; read once with
  ``read_bars``, not timed), to a 5-minute panel on the ``"24h"`` session, and the same
  bars on the ``"fx"`` session (time-zone conversion included);
* the default simulated market (1000 business days, BTC, EUR/USD and S&P 500, 1-minute
  bars, each asset on its own session) to a 5-minute panel;

each with its ratio to the goal of 5,000,000 bars/s, and the time the default
``simulate_market`` takes. The process is pinned to one CPU.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from skvol.data import intraday_panel, read_bars, simulate_market

GOAL = 5_000_000
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity on this platform)"


def best_time(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """CPU and wall seconds of the run with the least CPU time, after one warm-up."""
    run()
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        run()
        best = min(best, (time.process_time() - cpu, time.perf_counter() - wall))
    return best


def report(label: str, n_bars: int, cpu: float, wall: float) -> None:
    rate = n_bars / cpu
    print(
        f"{label:<44} {n_bars:>10,} bars  cpu {cpu * 1e3:7.1f} ms  wall {wall * 1e3:7.1f} ms  "
        f"{rate:>12,.0f} bars/s  {rate / GOAL:5.2f}x goal"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case (best kept)")
    args = parser.parse_args()
    # The real file's first bar (2016-01-01 00:00) ends 2015-12-31, a day the panel drops
    # and reports at WARNING level on every run; the figures are what matters here.
    logging.getLogger("skvol.data._panel").setLevel(logging.ERROR)
    print(f"intraday_panel throughput, {one_core()}, best of {args.repeat}; goal {GOAL:,} bars/s")
    if DATA.is_dir():
        btc = read_bars(DATA / "btcusd_bitmex")
        for session in ("24h", "fx"):
            cpu, wall = best_time(
                lambda s=session: intraday_panel(btc, "5min", session=s, asset="BTC"),
                args.repeat,
            )
            report(f"real BTC/USD 2016-2017, 5min, {session!r}", len(btc), cpu, wall)
    else:
        print(f"(real data folder {DATA} absent: real-data case skipped)")

    cpu = time.process_time()
    wall = time.perf_counter()
    market = simulate_market(seed=0)
    sim_cpu, sim_wall = time.process_time() - cpu, time.perf_counter() - wall
    n_sim = sum(len(b) for b in market.bars.values())
    report(
        "simulated 3 assets x 1000 days, 5min, own sessions",
        n_sim,
        *best_time(lambda: market.panel("5min"), args.repeat),
    )
    print(
        f"simulate_market() default (1000 days, 3 assets, 1min): {n_sim:,} bars, "
        f"cpu {sim_cpu:.2f} s, wall {sim_wall:.2f} s ({n_sim / sim_cpu:,.0f} bars/s)"
    )


if __name__ == "__main__":
    main()
