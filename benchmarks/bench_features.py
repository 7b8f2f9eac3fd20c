"""Speed of every skvol.features transformer against a numpy floor, one core.

Run from the repository root::

    python benchmarks/bench_features.py [--repeat 5] [--skip-large] [--jumps]

Two panels of one-minute returns (standard normal x 0.001, 1% of bins missing, column
names ``"<asset>__<HHMM>"``, a daily ``DatetimeIndex``):

* ``small``: 1 asset x 2,500 days x 390 returns (ten years of S&P 500 sessions);
* ``large``: 3 assets x 3,000 days x 1,440 returns (eight years of 24-hour trading).

For each transformer it prints the CPU time of ``fit_transform`` and of ``transform``
alone on the DataFrame (best of ``--repeat`` runs after one warm-up; input validation
included; they differ where ``fit`` learns something, as JumpCounter's intraday pattern)
beside the floor
``np.nansum(x * x, axis=1)`` timed on the same data as one float64 ndarray in the same
run, and the ratio. The correlations need two assets, so they run on the large panel
only. Then every row-local transformer together (one ``FeatureUnion``) on the small
panel. The process is pinned to one CPU.

With ``--jumps`` it also measures the size and power of :class:`JumpCounter` on
``simulate_market`` (S&P 500 and BTC, 1-minute bars): the share of returns flagged on
jump-free days, and the share of simulated jumps flagged in their bin, by jump size in
units of the local (spot) standard deviation. These are the rates in docs/features.md.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.pipeline import make_union

from skvol.features import (
    BipowerVariation,
    BNSJumpTest,
    DailyReturn,
    HARFeatures,
    JumpCounter,
    MedRV,
    MinRV,
    RealizedCorrelation,
    RealizedKernel,
    RealizedQuarticity,
    RealizedSemivariance,
    RealizedVariance,
    RollingCorrelation,
    TripowerQuarticity,
    TruncatedVariance,
)

ROW_LOCAL = [
    RealizedVariance,
    BipowerVariation,
    RealizedSemivariance,
    MedRV,
    MinRV,
    RealizedQuarticity,
    TripowerQuarticity,
    TruncatedVariance,
    RealizedKernel,
    BNSJumpTest,
    JumpCounter,
    DailyReturn,
]


def one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity on this platform)"


def best_cpu(run: Callable[[], object], repeat: int) -> float:
    """CPU seconds of the fastest of ``repeat`` runs, after one warm-up."""
    run()
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def make_panel(assets: list[str], n_days: int, n_bins: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2000-01-03", periods=n_days, freq="D", name="date")
    labels = [f"{(m // 60):02d}{(m % 60):02d}" for m in range(1, n_bins + 1)]
    blocks = []
    for asset in assets:
        x = rng.standard_normal((n_days, n_bins)) * 0.001
        x[rng.random(x.shape) < 0.01] = np.nan
        blocks.append(pd.DataFrame(x, index=dates, columns=[f"{asset}__{b}" for b in labels]))
    return pd.concat(blocks, axis=1)


def bench_panel(name: str, panel: pd.DataFrame, transformers: list, repeat: int) -> None:
    values = panel.to_numpy()
    floor = best_cpu(lambda: np.nansum(values * values, axis=1), repeat)
    print(f"\n{name}: {panel.shape[0]:,} days x {panel.shape[1]:,} columns")
    print(f"  {'':<26} {'fit_transform':>14} {'transform':>18}")
    print(f"  {'numpy floor':<26} {floor * 1e3:8.1f} ms  1.0x")
    for est in transformers:
        both = best_cpu(lambda est=est: est.fit_transform(panel), repeat)
        est.fit(panel)
        only = best_cpu(lambda est=est: est.transform(panel), repeat)
        print(
            f"  {type(est).__name__:<26} {both * 1e3:8.1f} ms {both / floor:4.1f}x "
            f"{only * 1e3:8.1f} ms {only / floor:4.1f}x floor"
        )


def bench_union(panel: pd.DataFrame, repeat: int) -> None:
    union = make_union(*(cls() for cls in ROW_LOCAL))
    values = panel.to_numpy()
    floor = best_cpu(lambda: np.nansum(values * values, axis=1), repeat)
    cpu = best_cpu(lambda: union.fit_transform(panel), repeat)
    print(
        f"\nall {len(ROW_LOCAL)} row-local transformers in one FeatureUnion on the small panel: "
        f"{cpu * 1e3:.1f} ms ({cpu / floor:.1f}x floor)"
    )
    rv = RealizedVariance().set_output(transform="pandas").fit_transform(panel)
    cpu = best_cpu(lambda: HARFeatures().fit_transform(rv), repeat)
    print(f"HARFeatures on the {rv.shape[0]:,} daily RVs: {cpu * 1e3:.1f} ms")


def jump_rates(seed: int = 11) -> None:
    from skvol.data import get_session, simulate_market
    from skvol.features._jumps import daily_scale

    market = simulate_market(
        n_days=2000, assets=("SPX", "BTC"), freq="1min", regime_shift=None, seed=seed
    )
    panel = market.panel(freq="1min", how="outer")
    print("\nJumpCounter on simulate_market (2,000 business days, 1-minute bins, seed 11)")
    for asset, session in (("SPX", "us_equity"), ("BTC", "24h")):
        block = panel.filter(like=f"{asset}__").dropna(how="all")
        truth = market.truth[asset].reindex(block.index)
        r = block.to_numpy()
        free = (truth["n_jumps"] == 0).to_numpy()
        jumps = market.jumps[asset]
        sd = np.sqrt(market.spot_variance[asset].reindex(jumps.index).to_numpy())
        labels = f"{asset}__" + jumps.index.tz_convert(get_session(session).tz).strftime("%H%M")
        labels = labels.str.replace(f"{asset}__0000", f"{asset}__2400")
        rows = block.index.get_indexer(pd.DatetimeIndex(jumps["date"]))
        cols = block.columns.get_indexer(labels)
        ok = (rows >= 0) & (cols >= 0)
        ratio = np.abs(jumps["size"].to_numpy()[ok]) / sd[ok]
        for threshold in (3.0, 4.0, 5.0):
            for periodicity in (True, False):
                est = JumpCounter(threshold=threshold, periodicity=periodicity).fit(block)
                f = est.asset_state_[0]
                flags = np.abs(r) > threshold * daily_scale(r)[:, None] * f[None, :]
                size = flags[free].sum() / np.count_nonzero(~np.isnan(r[free]))
                hit = flags[rows[ok], cols[ok]]
                power = [
                    f"{hit[(ratio >= lo) & (ratio < hi)].mean():.2f} (n={((ratio >= lo) & (ratio < hi)).sum()})"
                    for lo, hi in ((3, 5), (5, 8), (8, 15), (15, np.inf))
                ]
                print(
                    f"  {asset} threshold {threshold} periodicity {periodicity!s:5}: "
                    f"size {size:.2e} per return ({free.sum()} jump-free days); "
                    f"power by |jump|/sd in [3,5) [5,8) [8,15) [15,inf): {', '.join(power)}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--skip-large", action="store_true", help="skip the 3 x 3,000 x 1,440 panel"
    )
    parser.add_argument("--jumps", action="store_true", help="also measure JumpCounter rates")
    args = parser.parse_args()
    print(f"skvol.features benchmark, {one_core()}, best CPU time of {args.repeat} runs")
    small = make_panel(["SPX"], 2500, 390)
    bench_panel("small", small, [cls() for cls in ROW_LOCAL], args.repeat)
    bench_union(small, args.repeat)
    if not args.skip_large:
        large = make_panel(["BTC", "EURUSD", "SPX"], 3000, 1440, seed=1)
        transformers = [cls() for cls in ROW_LOCAL] + [RealizedCorrelation(), RollingCorrelation()]
        bench_panel("large", large, transformers, max(1, args.repeat // 2))
    if args.jumps:
        jump_rates()


if __name__ == "__main__":
    main()
