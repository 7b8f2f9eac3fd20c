"""How much subsampling the 5-minute RV stabilises HAR forecasts on real BTC (2016-2017).

Run from the repository root::

    python benchmarks/bench_subsample.py [--data ../shared/data/btcusd_bitmex]

It reads the BitMEX BTC/USD one-minute bars of 2016-2017 (bars after 2017-12-31 are
filtered out at read), builds the one-minute ``"24h"`` panel with ``intraday_panel``, and computes six
daily realized variances:

* ``offset j`` (j = 0..4): the RV of the 5-minute grid that starts ``j`` minutes after
  midnight, summed here directly with numpy from the one-minute returns: the
  ``B_j = floor((1440 - j) / 5)`` full 5-minute blocks starting at minute ``j`` (287 for
  j >= 1; the partial blocks at the two ends of the day left out), rescaled by
  ``1440 / (5 B_j)``, the convention of the subsampled measure;
* ``subsampled``: ``RealizedVariance(subsample=5)`` on the one-minute panel, checked to
  equal the mean of the five offsets.

For each it fits ``HARRegressor(log=True)`` (HAR-log, windows 1, 5, 22) of tomorrow's
``log RV`` on today's RV with one split: fitted once on the 2016 days whose target is also
in 2016, then predicting every 2017 day (the HAR averages run over the full history, which
only looks backwards; the last day has no target). The variance forecast is the
log-normal mean ``exp(mu + s^2 / 2)`` (``skvol.evaluation.predicted_variance``). It prints
the out-of-sample QLIKE of every model against every realized measure of the next day,
the spread across offsets on their own targets and on the common (subsampled) target,
a Diebold-Mariano t-statistic (Newey-West, lag ``floor(T^(1/3))``, normal reference) of
the daily QLIKE of the subsampled model minus that of each offset model (and minus their
mean) on the common target, and how far the offsets' forecasts fall from each other.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from skvol.data import intraday_panel, read_bars
from skvol.evaluation import predicted_variance, qlike_loss
from skvol.features import RealizedVariance
from skvol.models import HARRegressor

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "btcusd_bitmex"
WIDTH = 5
LAST_DAY = pd.Timestamp("2017-12-31")


def offset_rv(r: np.ndarray, offset: int, width: int = WIDTH) -> np.ndarray:
    """RV of the ``width``-bin grid starting at bin ``offset``, rescaled to the day."""
    n_days, n_bins = r.shape
    n_blocks = (n_bins - offset) // width
    blocks = r[:, offset : offset + n_blocks * width].reshape(n_days, n_blocks, width)
    returns = np.nansum(blocks, axis=2)
    return np.sum(returns * returns, axis=1) * n_bins / (width * n_blocks)


def har_forecast(rv: pd.Series) -> pd.Series:
    """HAR-log variance forecast for the next day, fitted on 2016, on the 2017 rows."""
    y = np.log(rv).shift(-1)
    X = rv.to_frame()
    train = rv.index[rv.index.year == 2016][:-1]  # the last 2016 row's target is in 2017
    har = HARRegressor(log=True).fit(X.loc[train], y.loc[train])
    variance = predicted_variance(har.predict_dist(X), transform="log")
    return pd.Series(variance, index=rv.index)[rv.index.year == 2017].iloc[:-1]


def qlike(target: pd.Series, forecast: pd.Series) -> np.ndarray:
    """Daily QLIKE ``s2 / h - log(s2 / h) - 1`` (Patton 2011)."""
    ratio = target.to_numpy() / forecast.to_numpy()
    return ratio - np.log(ratio) - 1.0


def newey_west_t(d: np.ndarray) -> float:
    """Mean of ``d`` over its Newey-West (Bartlett, lag floor(T^(1/3))) standard error."""
    n = d.size
    lags = int(np.floor(n ** (1.0 / 3.0)))
    e = d - d.mean()
    variance = e @ e / n
    for lag in range(1, lags + 1):
        variance += 2.0 * (1.0 - lag / (lags + 1.0)) * (e[lag:] @ e[:-lag]) / n
    return float(d.mean() / np.sqrt(variance / n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    start = time.process_time()

    bars = read_bars(args.data)
    bars = bars.loc[: (LAST_DAY + pd.Timedelta(days=1)).tz_localize("UTC")]  # 00:00 closes it
    panel = intraday_panel(bars, freq="1min", session="24h", asset="BTC")
    panel = panel.loc[:LAST_DAY]
    r = panel.to_numpy()

    measures = {f"offset {j}": pd.Series(offset_rv(r, j), index=panel.index) for j in range(5)}
    sub = RealizedVariance(subsample=WIDTH).fit_transform(panel)[:, 0]
    np.testing.assert_allclose(sub, np.mean([m.to_numpy() for m in measures.values()], axis=0))
    measures["subsampled"] = pd.Series(sub, index=panel.index)
    rv_1min = pd.Series(RealizedVariance().fit_transform(panel)[:, 0], index=panel.index)
    if any((m <= 0).any() or m.isna().any() for m in measures.values()):
        raise ValueError("a day without a positive RV: HAR-log needs log RV")

    forecasts = {name: har_forecast(rv) for name, rv in measures.items()}
    days = forecasts["subsampled"].index
    targets = {name: rv.shift(-1).loc[days] for name, rv in measures.items()}
    table = pd.DataFrame(
        {
            f"vs {target}": {
                name: qlike_loss(targets[target], forecast) for name, forecast in forecasts.items()
            }
            for target in targets
        }
    )
    table["own target"] = [table.loc[name, f"vs {name}"] for name in table.index]

    print(
        f"BTC/USD BitMEX, {len(panel)} days ({panel.index[0].date()} .. "
        f"{panel.index[-1].date()}), one-minute panel of {r.shape[1]} bins"
    )
    print(
        f"HAR-log fitted on 2016, QLIKE on {len(days)} days of 2017 "
        f"(median RV: 1-min {rv_1min.median():.2e}, 5-min subsampled {np.median(sub):.2e})"
    )
    print()
    print("QLIKE of each model's forecast (rows) against each next-day RV (columns):")
    print(table.round(4).to_string())
    print()
    offsets = table.index[:5]
    for column, what in (("own target", "own targets"), ("vs subsampled", "common target")):
        values = table.loc[offsets, column]
        mid = 0.5 * (values.max() + values.min())
        print(
            f"offsets on {what:>13}: {values.min():.4f} .. {values.max():.4f} "
            f"(+-{100 * (values.max() - values.min()) / (2 * mid):.1f}% around the midpoint, "
            f"mean {values.mean():.4f}); subsampled {table.loc['subsampled', column]:.4f}"
        )
    common = targets["subsampled"]
    loss_sub = qlike(common, forecasts["subsampled"])
    losses = {name: qlike(common, forecasts[name]) for name in offsets}
    diffs = {name: loss_sub - loss for name, loss in losses.items()}
    diffs["mean of offsets"] = loss_sub - np.mean(list(losses.values()), axis=0)
    print(
        "Diebold-Mariano t (Newey-West), QLIKE of subsampled minus ..., common target:\n  "
        + ", ".join(f"{name} {newey_west_t(d):+.2f}" for name, d in diffs.items())
    )
    log_f = np.log(np.column_stack([forecasts[name].to_numpy() for name in offsets]))
    log_t = np.log(np.column_stack([targets[name].to_numpy() for name in offsets]))
    print(
        "mean over 2017 days of the std across the five offsets: "
        f"log forecast {log_f.std(axis=1).mean():.3f}, log next-day RV "
        f"{log_t.std(axis=1).mean():.3f}"
    )
    print(f"CPU time after imports {time.process_time() - start:.1f} s")


if __name__ == "__main__":
    main()
