"""How the step of QuantileTracker trades speed of recalibration against noise.

Run from the repository root::

    python benchmarks/bench_recalibration.py [--days 1000] [--runs 200] [--seed 1]

Each run simulates ``--days`` outcomes ``y_t ~ N(0, sd_t^2)`` and a Normal model that
forecasts ``N(0, (f sd_t)^2)``; its volatility VaR is recalibrated by
:class:`skvol.evaluation.QuantileTracker` with ``unit = f sd_t / phi(z)`` (``d VaR / d
level``, what :func:`skvol.evaluation.walk_forward_predict` passes). Scenarios:
``calibrated`` (f = 1), ``too narrow`` (f = 0.6), ``too wide`` (f = 1.5), and ``shift``
(f = 1 with ``sd`` doubling half-way, which the model never notices). It prints, per
scenario, level and step, the mean breach rate of the recalibrated VaR, the share of
runs that Kupiec's test (5%) calls calibrated, and the pinball loss as a ratio to that of
the true quantile. The breach counts of a recalibrated VaR are pinned near their target
(their spread across runs is far below binomial), so read the pinball ratio for quality.
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import stats

from skvol.evaluation import QuantileTracker, kupiec_pof, pinball_loss

SCENARIOS = {"calibrated": 1.0, "too narrow": 0.6, "too wide": 1.5, "shift": 1.0}


def run(days: int, runs: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    print(
        f"{'scenario':<11} {'level':>5} {'step':>6} {'breaches':>9} {'Kupiec ok':>9} {'pinball':>8}"
    )
    for name, factor in SCENARIOS.items():
        for level in (0.95, 0.99):
            z = stats.norm.ppf(level)
            for step in (0.005, 0.01, 0.02):
                rates, passed, ratio = [], [], []
                for _ in range(runs):
                    sd = np.ones(days)
                    if name == "shift":
                        sd[days // 2 :] = 2.0
                    y = sd * rng.standard_normal(days)
                    model_sd = np.full(days, factor)
                    raw = z * model_sd
                    res = QuantileTracker(step=step).recalibrate(
                        raw, y, level, unit=model_sd / stats.norm.pdf(z)
                    )
                    rates.append(res.breach_rate)
                    passed.append(kupiec_pof(res.breaches, level).pvalue >= 0.05)
                    ratio.append(pinball_loss(y, res.var, level) / pinball_loss(y, z * sd, level))
                print(
                    f"{name:<11} {level:>5} {step:>6} {np.mean(rates):>9.4f} "
                    f"{np.mean(passed):>9.2f} {np.mean(ratio):>8.3f}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    run(args.days, args.runs, args.seed)


if __name__ == "__main__":
    main()
