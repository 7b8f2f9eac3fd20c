"""Measurement: the HAR lineage and the GARCH family on the S&P 500, out of sample.

Reads the Oxford-Man realized library of ``../shared/data/spx_oxfordman`` (dates up to
2017-12-31 only), fits each model once on 2000-2011 and scores its forecasts of tomorrow's
5-minute realized variance over 2012-2017 by QLIKE, ``mean(RV / h - log(RV / h) - 1)``
(Patton, 2011). HAR models read the daily measures (``rv5``, ``bv``, the downside
semivariance ``rsv`` and ``rv5 - rsv``); HAR-log forecasts are ``exp(mean + scale^2 / 2)``
(the log-normal mean). EWMA and GARCH read the open-to-close return, whose variance is what
``rv5`` measures. HAR-CJ and HARQ need tripower and realized quarticities, which the library
does not have. Forecast quality is measured here, never asserted in tests.

Run: ``python benchmarks/forecast_spx_baselines.py [--data FOLDER]``
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from skvol.models import EWMARegressor, GARCHRegressor, HARRegressor

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "spx_oxfordman"
LAST_DATE = pd.Timestamp("2017-12-31")
TEST_START = pd.Timestamp("2012-01-01")


def _qlike(forecast: np.ndarray, rv: np.ndarray) -> float:
    ratio = rv / forecast
    return float(np.mean(ratio - np.log(ratio) - 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the spx_oxfordman folder")
    folder = parser.parse_args().data
    raw = pd.read_csv(folder / "spx_realized_library_2000_2017.csv", parse_dates=["date"])
    raw = raw[raw["date"] <= LAST_DATE].set_index("date")
    frame = pd.DataFrame(
        {
            "SPX__rv": raw["rv5"],
            "SPX__bv": raw["bv"],
            "SPX__rs_neg": raw["rsv"],
            "SPX__rs_pos": raw["rv5"] - raw["rsv"],
            "SPX__ret": raw["open_to_close"],
        }
    ).dropna()
    positive = (frame["SPX__rs_pos"] > 0) & (frame["SPX__rs_neg"] > 0)
    print(f"{(~positive).sum()} days with a zero semivariance left out (log SHAR needs > 0)")
    frame = frame[positive]
    X, y = frame.iloc[:-1], frame["SPX__rv"].to_numpy()[1:]
    split = int(np.searchsorted(X.index, TEST_START))
    measures = ["SPX__rv", "SPX__bv", "SPX__rs_neg", "SPX__rs_pos"]
    print(
        f"fit {X.index[0].date()}..{X.index[split - 1].date()} ({split} days), "
        f"test {X.index[split].date()}..{X.index[-1].date()} ({len(X) - split} days)"
    )
    print(f"{'model':<52} QLIKE")
    for kind in ("har", "harj", "shar"):
        cols = ["SPX__rv"] if kind == "har" else measures
        train, test = X[cols].iloc[:split], X[cols].iloc[split:]
        levels = HARRegressor(kind=kind).fit(train, y[:split]).predict(test)
        positive = levels > 0
        print(
            f"{f'HARRegressor(kind={kind!r}) levels':<52} "
            f"{_qlike(levels[positive], y[split:][positive]):.4f}"
            f" ({(~positive).sum()} non-positive forecasts left out)"
        )
        logged = HARRegressor(kind=kind, log=True).fit(train, np.log(y[:split]))
        mean = np.exp(logged.predict(test) + logged.scale_**2 / 2)
        print(f"{f'HARRegressor(kind={kind!r}, log=True)':<52} {_qlike(mean, y[split:]):.4f}")
    for model in (
        EWMARegressor(),
        GARCHRegressor(),
        GARCHRegressor(kind="gjr", distribution="student_t"),
        GARCHRegressor(kind="egarch", distribution="student_t"),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # arch's convergence notes
            model.fit(X.iloc[:split], y[:split])
        print(f"{model!r:<52} {_qlike(model.predict_variance(X.iloc[split:]), y[split:]):.4f}")


if __name__ == "__main__":
    main()
