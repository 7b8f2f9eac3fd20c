"""Volatility VaR through a regime shift: the setup of the cross-asset acceptance test.

Reruns ``tests/models/test_cross_asset.py::test_anchored_var_stays_calibrated_through_a_regime_shift``
(600 business days, 30-minute bars, ``RegimeShift()``, two walk-forward folds of a quarter
of the rows each, ``CrossAssetLSTMRegressor(lookback=5, hidden_size=4, batch_size=128,
max_epochs=4, random_state=0)``) on several simulation seeds and prints, per seed, the 95%
volatility-VaR breaches and Kupiec p, split by asset, fold and regime; the mean and
standard deviation of the standardised residual ``(y - loc) / scale`` (a biased mean or a
too-narrow scale); ``best_epochs_``; and QLIKE of the expected variance against the
realized variance (squared percent). Optionally the plain per-asset
ProbabilisticLSTMRegressor of the test.

    python benchmarks/bench_regime_var.py --seeds 0 1 2
    python benchmarks/bench_regime_var.py --seeds 0 1 2 --param distribution=student_t

This is a benchmark, not a test: it prints what it measures.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.model_selection import TimeSeriesSplit  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "models"))
from _cross_data import simulated_measures  # noqa: E402

from skvol import CrossAssetLSTMRegressor, ProbabilisticLSTMRegressor, kupiec_pof  # noqa: E402
from skvol.data import RegimeShift  # noqa: E402

torch.set_num_threads(1)
ASSETS = ("BTC", "EURUSD", "SPX")
FAST = dict(lookback=5, hidden_size=4, batch_size=128)
LEVEL = 0.95


def expected_variance(dist) -> np.ndarray:
    """E[exp(Y)] of the predictive distribution (midpoint quadrature up to q = 0.999)."""
    u = (np.arange(256) + 0.5) / 256 * 0.999
    return np.mean([np.exp(dist.ppf(q)) for q in u], axis=0) / 0.999


def regime_of_target(X, market) -> np.ndarray:
    """(n_rows, n_assets): the target's day (the asset's next trading day) is in the shift."""
    out = np.zeros((len(X), len(ASSETS)), dtype=bool)
    for j, asset in enumerate(ASSETS):
        own = X[f"{asset}__rv"].dropna().index
        regime = market.truth[asset]["regime"].reindex(own).fillna(False).astype(bool)
        nxt = regime.shift(-1, fill_value=False)
        out[X.index.get_indexer(own), j] = nxt.to_numpy()
    return out


def run(seed: int, params: dict, plain: bool):
    X, Y, market = simulated_measures(
        n_days=600, seed=seed, regime_shift=RegimeShift(), freq="30min"
    )
    y = Y.to_numpy()
    shape = Y.shape
    loc, scale, var, h = (np.full(shape, np.nan) for _ in range(4))
    fold = np.full(shape, -1)
    var_lstm = np.full(shape, np.nan)
    best = []
    for k, (train, test) in enumerate(TimeSeriesSplit(n_splits=2, test_size=len(X) // 4).split(X)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = CrossAssetLSTMRegressor(
                **{**FAST, "max_epochs": 4, "random_state": 0, **params}
            )
            model.fit(X.iloc[train], Y.iloc[train])
            dist = model.predict_dist(X.iloc[test])
            m_loc, m_scale, _ = model._member_params(X.iloc[test])
        best.append(model.best_epochs_.tolist())
        var[test] = dist.ppf(LEVEL)
        loc[test], scale[test] = m_loc.mean(axis=0), m_scale.mean(axis=0)
        h[test] = expected_variance(dist)
        fold[test] = k
        if plain:
            for j, asset in enumerate(ASSETS):
                own = X[f"{asset}__rv"].notna().to_numpy()
                feature = np.log(X[[f"{asset}__rv"]] * 1e4)
                fit_rows = np.intersect1d(train, np.flatnonzero(own & np.isfinite(y[:, j])))
                test_rows = np.intersect1d(test, np.flatnonzero(own))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    lstm = ProbabilisticLSTMRegressor(**FAST, max_epochs=4, random_state=0)
                    lstm.fit(feature.iloc[fit_rows], y[fit_rows, j])
                    var_lstm[test_rows, j] = lstm.predict_dist(feature.iloc[test_rows]).ppf(LEVEL)
    scored = np.isfinite(y) & np.isfinite(var)
    breach = y > var
    regime = regime_of_target(X, market)
    z = (y - loc) / scale
    qlike = np.exp(y) / h - (y - np.log(h)) - 1
    row = {"seed": seed, "best": best}
    test = kupiec_pof(breach[scored], LEVEL)
    row["all"] = (int(breach[scored].sum()), int(scored.sum()), test.pvalue)
    row["qlike"] = float(np.mean(qlike[scored]))
    if plain:
        lt = kupiec_pof((y > var_lstm)[scored], LEVEL)
        row["plain"] = (int((y > var_lstm)[scored].sum()), lt.pvalue)
    cells = {}
    for j, asset in enumerate(ASSETS):
        for k in (0, 1):
            for reg in (False, True):
                sel = scored & (fold == k)
                sel[:, [i for i in range(3) if i != j]] = False
                sel &= regime == reg
                if sel.sum():
                    cells[(asset, k, reg)] = (
                        int(breach[sel].sum()),
                        int(sel.sum()),
                        float(np.mean(z[sel])),
                        float(np.std(z[sel])),
                        float(np.mean(qlike[sel])),
                    )
    row["cells"] = cells
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--param", action="append", default=[], help="name=value")
    parser.add_argument("--plain", action="store_true", help="also the per-asset LSTM")
    parser.add_argument("--detail", action="store_true", help="per asset, fold, regime")
    args = parser.parse_args()
    params = {}
    for item in args.param:
        name, value = item.split("=", 1)
        try:
            params[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[name] = value
    print("params:", params or "(defaults)")
    total_b = total_n = 0
    for seed in args.seeds:
        row = run(seed, params, args.plain)
        b, n, p = row["all"]
        total_b += b
        total_n += n
        plain = f"  plain LSTM {row['plain'][0]}/{n} p {row['plain'][1]:.3g}" if args.plain else ""
        print(
            f"seed {seed}: breaches {b}/{n} ({b / n:.1%}) Kupiec p {p:.3g}  "
            f"QLIKE {row['qlike']:.4f}  best_epochs {row['best']}{plain}"
        )
        if args.detail:
            print("  asset   fold regime  breaches        z mean  z sd   QLIKE")
            for (asset, k, reg), (cb, cn, zm, zs, ql) in row["cells"].items():
                print(
                    f"  {asset:7s} {k}    {'shift' if reg else 'calm ':6s} {cb:4d}/{cn:<4d} "
                    f"({cb / cn:5.1%})  {zm:+.3f}  {zs:.3f}  {ql:.4f}"
                )
    print(f"pooled: {total_b}/{total_n} ({total_b / total_n:.2%})")


if __name__ == "__main__":
    main()
