"""Forecast quality of skvol's models against HAR-log: out of sample, several seeds.

Prints, per data set, asset and model (seed-mean, and the worst seed where it matters):
QLIKE of the expected-variance forecast against tomorrow's realized variance, its ratio to
HAR-log's (and, on the simulated market, to the oracle's), a Diebold-Mariano test of the
daily QLIKE against HAR-log's (Newey-West, lag floor(T^(1/3)), Harvey-Leybourne-Newbold
correction, t(T-1); two-sided), and the volatility and return VaR backtests at 95% and
99%: breaches, Kupiec p and Christoffersen conditional-coverage p.

Models: HAR-log (Normal, Student-t), the per-asset ProbabilisticLSTMRegressor plain
(``lstm``) and HAR-anchored (``lstm_har``: ``anchor="har"`` on the asset's log RV, the
first column ``<asset>__rv`` of its feature frame), and CrossAssetLSTMRegressor pooled over
the assets, raw and with the online recalibration of its VaR. Every model is refitted on
the same dates (an expanding window: all rows before the refit date) and forecasts the
rows up to the next refit.

Development split, fixed and ending in 2017 (data from 2018 on is never read):
the S&P 500 (Oxford-Man daily measures, 2000-2017) is tested on 2014-2017, BTC (BitMEX
minute bars, 2016-2017) on 2017, EUR/USD (HistData, 2017 H1) on April-June 2017; refits on
2014-01-01, 2015-01-01, 2016-01-01, 2017-01-01, 2017-04-01 and 2017-07-01. An asset enters
a fit once it has ``MIN_TRAIN`` training targets. The simulated market (regime shift and
spillovers, ``simulate_market`` defaults) is tested on its last 40% of days, refitted
every 20% of them.

    python benchmarks/bench_forecast_quality.py --data ../shared/data --seeds 0 1 2
    python benchmarks/bench_forecast_quality.py --quick        # a smoke run, minutes

This is a benchmark, not a test: it prints what it measures, wins and losses alike.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

import skvol  # noqa: E402
from skvol.data import intraday_panel, read_bars, read_daily_measures, simulate_market  # noqa: E402
from skvol.evaluation import (  # noqa: E402
    christoffersen_conditional_coverage,
    diebold_mariano,
    kupiec_pof,
)
from skvol.models import distribution_params  # noqa: E402

torch.set_num_threads(1)
warnings.filterwarnings("ignore")

TARGET = skvol.NextDayTarget(measure="rv", transform="log", scale=100.0)
NEXT_RETURN = skvol.NextDayTarget(measure="return", transform=None, scale=1.0)
LEVELS = (0.95, 0.99)
MIN_TRAIN = 60
REAL_REFITS = ("2014-01-01", "2015-01-01", "2016-01-01", "2017-01-01", "2017-04-01", "2017-07-01")
REAL_TEST = {
    "SPX": ("2014-01-01", "2017-12-31"),
    "BTC": ("2017-01-01", "2017-12-31"),
    "EURUSD": ("2017-04-01", "2017-06-30"),
}
LAST_DAY = "2017-12-31"


# --- data ------------------------------------------------------------------------------


@dataclass
class Market:
    """A daily-measures frame, its targets and next returns, and where to test."""

    name: str
    frame: pd.DataFrame
    y: pd.DataFrame
    returns: pd.DataFrame
    refits: list[pd.Timestamp]
    test: dict[str, tuple[pd.Timestamp, pd.Timestamp]]
    oracle: dict[str, pd.Series] | None = None


def real_market(data: Path, quick: bool) -> Market:
    btc_bars = read_bars(data / "btcusd_bitmex")
    btc_bars = btc_bars.loc[:LAST_DAY]
    btc = intraday_panel(btc_bars, freq="5min", session="24h", asset="BTC")
    eur = intraday_panel(
        read_bars(data / "eurusd_histdata"), freq="5min", session="fx", asset="EURUSD"
    )
    spx = read_daily_measures(data / "spx_oxfordman" / "spx_realized_library_2000_2017.csv", "SPX")
    frame = skvol.daily_measures(
        btc, eur, spx.loc[:LAST_DAY], measures=("rv", "bv", "rs_neg", "rs_pos", "ret")
    )
    frame = frame.loc[:LAST_DAY]
    if quick:
        frame = frame.loc["2012-01-01":]
    return _market(
        "real",
        frame,
        [pd.Timestamp(d) for d in REAL_REFITS],
        {a: tuple(map(pd.Timestamp, p)) for a, p in REAL_TEST.items()},
    )


def simulated_market(seed: int, n_days: int) -> Market:
    market = simulate_market(n_days=n_days, seed=seed, freq="5min")
    panels = [market.panel(freq="5min")]
    frame = skvol.daily_measures(*panels, measures=("rv", "bv", "rs_neg", "rs_pos", "ret"))
    dates = frame.index
    cut = [dates[int(len(dates) * q)] for q in (0.6, 0.8)]
    out = _market(
        f"simulated (seed {seed})", frame, cut, {a: (cut[0], dates[-1]) for a in market.bars}
    )
    out.oracle = {
        a: pd.Series(
            market.oracle_variance(a, include_jumps=True), index=market.truth[a].index
        ).reindex(frame.index)
        for a in market.bars
    }
    return out


def _market(name, frame, refits, test) -> Market:
    y = TARGET.from_measures(frame)
    y.columns = [c.split("__")[0] for c in y.columns]
    returns = NEXT_RETURN.from_measures(frame)
    returns.columns = [c.split("__")[0] for c in returns.columns]
    return Market(name, frame, y, returns, refits, test)


# --- models ----------------------------------------------------------------------------


def per_asset_features(frame: pd.DataFrame, asset: str) -> pd.DataFrame:
    """One asset's rows (its trading days) and inputs: log RV, BV, RS-, RS+ and the return."""
    cols = [f"{asset}__{m}" for m in ("rv", "bv", "rs_neg", "rs_pos")]
    own = frame[[*cols, f"{asset}__ret"]].dropna(subset=[f"{asset}__rv"])
    logged = np.log(own[cols].clip(lower=1e-12))
    return pd.concat([logged, own[[f"{asset}__ret"]] * 100.0], axis=1)


def make_model(name: str, seed: int, quick: bool):
    epochs = 8 if quick else 50
    common = dict(max_epochs=epochs, random_state=seed)
    if name == "har_normal":
        return skvol.HARRegressor(log=True, distribution="normal")
    if name == "har_t":
        return skvol.HARRegressor(log=True, distribution="student_t")
    if name == "lstm":  # the plain network
        return skvol.ProbabilisticLSTMRegressor(anchor=None, **common)
    if name == "lstm_har":
        # the anchor column is the frame's one "<asset>__rv" column, already logged
        return skvol.ProbabilisticLSTMRegressor(anchor="har", **common)
    if name.startswith("cross"):
        return skvol.CrossAssetLSTMRegressor(**common)
    raise ValueError(name)


def _column(dist, j: int):
    """Column ``j`` of a 2-D predictive distribution (scipy frozen or mixture)."""
    if hasattr(dist, "components"):
        return type(dist)([_column(c, j) for c in dist.components])
    params = distribution_params(dist)
    return dist.dist(**{k: np.broadcast_to(v, dist.mean().shape)[:, j] for k, v in params.items()})


def forecast(market: Market, model_name: str, seed: int, quick: bool) -> dict[str, tuple]:
    """Out-of-sample (index, dist) per asset over all refits."""
    out: dict[str, list] = {a: [] for a in market.test}
    edges = [*market.refits, market.frame.index[-1] + pd.Timedelta(days=1)]
    for start, stop in zip(edges[:-1], edges[1:], strict=True):
        train = market.frame.index < start
        test = (market.frame.index >= start) & (market.frame.index < stop)
        y_train = market.y.loc[train]
        assets = [
            a
            for a in market.test
            if y_train[a].notna().sum() >= MIN_TRAIN
            and market.test[a][0] <= stop
            and market.test[a][1] >= start
        ]
        if not assets:
            continue
        if model_name.startswith("cross"):
            cols = [c for c in market.frame.columns if c.split("__")[0] in assets]
            X = market.frame[cols]
            Y = market.y[assets].add_suffix("__log_rv_next")
            model = make_model(model_name, seed, quick).fit(X.loc[train], Y.loc[train])
            dist = model.predict_dist(X.loc[test])
            for j, a in enumerate(assets):
                keep = market.y.loc[test, a].notna().to_numpy() & ~np.isnan(dist.mean()[:, j])
                out[a].append((market.frame.index[test][keep], _subset(_column(dist, j), keep)))
            continue
        for a in assets:
            X = per_asset_features(market.frame, a)
            y = market.y.loc[X.index, a]
            tr = (X.index < start) & y.notna().to_numpy()
            te = (X.index >= start) & (X.index < stop) & y.notna().to_numpy()
            if not te.any():
                continue
            cols = [f"{a}__rv"] if model_name.startswith("har") else list(X.columns)
            Xa = X[cols] if not model_name.startswith("har") else market.frame.loc[X.index, cols]
            model = make_model(model_name, seed, quick).fit(Xa.loc[tr], y.loc[tr])
            first = np.flatnonzero(te)[0]
            block = Xa.iloc[first : np.flatnonzero(te)[-1] + 1]
            dist = model.predict_dist(block)
            keep = te[first : first + len(block)]
            out[a].append((block.index[keep], _subset(dist, keep)))
    return {a: _concat(parts) for a, parts in out.items() if parts}


def _subset(dist, keep: np.ndarray):
    if hasattr(dist, "components"):
        return type(dist)([_subset(c, keep) for c in dist.components])
    params = distribution_params(dist)
    n = keep.size
    return dist.dist(**{k: np.broadcast_to(v, (n,))[keep] for k, v in params.items()})


def _concat(parts):
    index = parts[0][0].append([p[0] for p in parts[1:]])
    dists = [p[1] for p in parts]
    if hasattr(dists[0], "components"):
        comps = [
            _concat([(parts[i][0], d.components[k]) for i, d in enumerate(dists)])[1]
            for k in range(len(dists[0].components))
        ]
        return index, type(dists[0])(comps)
    params = [distribution_params(d) for d in dists]
    n = [len(p[0]) for p in parts]
    merged = {
        k: np.concatenate([np.broadcast_to(p[k], (m,)) for p, m in zip(params, n, strict=True)])
        for k in params[0]
    }
    return index, dists[0].dist(**merged)


# --- scoring ---------------------------------------------------------------------------


def qlike(v_true: np.ndarray, v_hat: np.ndarray) -> np.ndarray:
    ratio = v_true / v_hat
    return ratio - np.log(ratio) - 1.0


@dataclass
class Score:
    qlike: float
    losses: pd.Series
    vol: dict[float, tuple[int, float, float]]
    ret: dict[float, tuple[int, float, float]]
    n: int


def score(market: Market, asset: str, index: pd.DatetimeIndex, dist, recalibrate=None) -> Score:
    y_true = market.y.loc[index, asset].to_numpy()
    v_true = TARGET.to_variance(y_true)
    v_hat = TARGET.expected_variance(dist)
    losses = pd.Series(qlike(v_true, v_hat), index=index)
    r = market.returns.loc[index, asset].to_numpy()
    vol, ret = {}, {}
    for level in LEVELS:
        v_var = np.asarray(dist.ppf(level), dtype=float)
        r_var = TARGET.return_var(dist, level)
        if recalibrate is not None:
            v_var, r_var = recalibrate(v_var, y_true, r_var, r, level, dist)
        for store, breaches in ((vol, y_true > v_var), (ret, r < r_var)):
            store[level] = (
                int(breaches.sum()),
                kupiec_pof(breaches, level).pvalue,
                christoffersen_conditional_coverage(breaches, level).pvalue,
            )
    return Score(float(losses.mean()), losses, vol, ret, len(index))


def _dm_pvalue(model: Score, base: Score) -> float:
    """Two-sided DM p-value of the daily QLIKE against HAR-log's; 1 when they are identical
    (a model that kept the untrained HAR start has a zero loss differential)."""
    a = model.losses.to_numpy()
    b = base.losses.loc[model.losses.index].to_numpy()
    if np.allclose(a, b, rtol=1e-12, atol=0.0):
        return 1.0
    return diebold_mariano(a, b).pvalue


def report(market: Market, results: dict[str, list[dict[str, Score]]]) -> None:
    print(f"\n=== {market.name} ===")
    for asset in market.test:
        base = results.get("har_normal", [{}])[0].get(asset)
        if base is None:
            continue
        oracle = None
        if market.oracle is not None:
            idx = base.losses.index
            oracle = float(
                qlike(
                    TARGET.to_variance(market.y.loc[idx, asset].to_numpy()),
                    market.oracle[asset].loc[idx].to_numpy(),
                ).mean()
            )
        print(f"\n{asset}: {base.n} test days" + (f", oracle QLIKE {oracle:.4f}" if oracle else ""))
        head = (
            f"{'model':<14}{'QLIKE':>8}{'/HAR':>7}"
            + ("{:>8}".format("/oracle") if oracle else "")
            + f"{'DM p (worst)':>14}  "
            + "  ".join(f"{k}{int(100 * lv)}: br/Kp/CCp" for k in ("vol", "ret") for lv in LEVELS)
        )
        print(head)
        for name, seeds in results.items():
            scores = [s[asset] for s in seeds if asset in s]
            if not scores:
                continue
            q = np.mean([s.qlike for s in scores])
            dms = [_dm_pvalue(s, base) if name != "har_normal" else np.nan for s in scores]
            cells = []
            for kind in ("vol", "ret"):
                for lv in LEVELS:
                    br = [getattr(s, kind)[lv] for s in scores]
                    cells.append(
                        f"{np.mean([b[0] for b in br]):5.1f}/{min(b[1] for b in br):.2f}/"
                        f"{min(b[2] for b in br):.2f}"
                    )
            line = f"{name:<14}{q:8.4f}{q / base.qlike:7.3f}"
            if oracle:
                line += f"{q / oracle:8.3f}"
            line += (
                f"{np.nanmax(dms) if name != 'har_normal' else float('nan'):14.3f}  "
                + "  ".join(cells)
            )
            print(line)
            if len(scores) > 1:
                spread = max(s.vol[0.95][0] for s in scores) - min(s.vol[0.95][0] for s in scores)
                print(
                    f"{'':<14}seeds: QLIKE {[round(s.qlike, 4) for s in scores]}, "
                    f"95% vol-breach spread {spread}"
                )


def run(market: Market, models: list[str], seeds: list[int], quick: bool, recal) -> None:
    results: dict[str, list[dict[str, Score]]] = {}
    cache: dict[tuple[str, int], dict[str, tuple]] = {}  # cross_recal reuses cross's fits
    for name in models:
        t0 = time.perf_counter()
        deterministic = name.startswith("har")
        per_seed = []
        for seed in seeds[:1] if deterministic else seeds:
            base = "cross" if name.startswith("cross") else name
            if (base, seed) not in cache:
                cache[(base, seed)] = forecast(market, base, seed, quick)
            fc = cache[(base, seed)]
            per_seed.append(
                {
                    a: score(market, a, idx, d, recal if name.endswith("_recal") else None)
                    for a, (idx, d) in fc.items()
                }
            )
        results[name] = per_seed
        print(f"[{market.name}] {name}: {time.perf_counter() - t0:.0f} s", flush=True)
    report(market, results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--sim-seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--sim-days", type=int, default=1000)
    parser.add_argument("--only", choices=("real", "simulated"), default=None)
    parser.add_argument(
        "--models",
        nargs="+",
        default=["har_normal", "har_t", "lstm", "lstm_har", "cross", "cross_recal"],
    )
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    recal = make_recalibrator()
    print(
        f"skvol {skvol.__version__}, torch {torch.__version__}, {os.cpu_count()} CPUs, "
        f"seeds {args.seeds}, models {args.models}",
        flush=True,
    )
    if args.only != "real":
        for s in args.sim_seeds:
            run(
                simulated_market(s, 400 if args.quick else args.sim_days),
                args.models,
                args.seeds,
                args.quick,
                recal,
            )
    if args.only != "simulated":
        run(real_market(args.data, args.quick), args.models, args.seeds, args.quick, recal)


def make_recalibrator():
    """Online recalibration of the VaR from past breaches only (QuantileTracker).

    The adjustment's unit is how much the model's own VaR moves per unit of level that day
    (as ``walk_forward_predict(recalibrate=...)`` sets it), so the step reads as a shift of
    the level.
    """
    tracker = skvol.evaluation.QuantileTracker()
    h = 0.002

    def recalibrate(v_var, y_true, r_var, r, level, dist):
        v_unit = (np.asarray(dist.ppf(level + h)) - np.asarray(dist.ppf(level - h))) / (2 * h)
        up, down = TARGET.return_var(dist, level + h), TARGET.return_var(dist, level - h)
        r_unit = (np.log(-up) - np.log(-down)) / (2 * h)
        vol = tracker.recalibrate(v_var, y_true, level, kind="volatility", unit=v_unit).var
        ret = tracker.recalibrate(r_var, r, level, kind="return", unit=r_unit).var
        return vol, ret

    return recalibrate


if __name__ == "__main__":
    main()
