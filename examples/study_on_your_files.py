"""Run the whole study on your own minute-bar files.

The study reads a folder with one file or sub-folder per asset, named after the asset
(``BTC.csv.gz``, ``SPX/``, ...), in any format ``skvol.data.read_bars`` reads (HistData,
Oanda, Bitstamp, or a generic CSV with a timestamp column and prices), or a daily
realized-measure file (Oxford-Man layout). To have something to run on, this script first
writes such a folder from the simulated market: BTC minute bars as a generic gzip CSV,
and the S&P 500 as a file of daily realized measures. Then it runs the study on the folder,
exactly as

    skvol study --data my_data --assets BTC SPX --quick --out my_results

would, and prints where the report is.

    python examples/study_on_your_files.py [--full]
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pandas as pd
from sklearn.pipeline import FeatureUnion

from skvol.data import simulate_market
from skvol.features import (
    BipowerVariation,
    DailyReturn,
    RealizedSemivariance,
    RealizedVariance,
)
from skvol.study import StudyConfig, run_study

logging.basicConfig(level=logging.INFO, format="%(message)s")  # the stages' summaries
FULL = "--full" in sys.argv[1:]
folder = Path("my_data")
folder.mkdir(exist_ok=True)

market = simulate_market(n_days=700 if FULL else 260, assets=("BTC", "SPX"), freq="5min", seed=5)

# BTC: minute bars in a generic CSV (ISO 8601 UTC stamps marking each bar's end)
btc = market.bars["BTC"][["open", "high", "low", "close"]]
btc.to_csv(folder / "BTC.csv.gz", index_label="timestamp", date_format="%Y-%m-%dT%H:%M:%SZ")

# SPX: daily realized measures, as in the Oxford-Man Realized Library, computed with
# skvol's own transformers from the 5-minute panel
panel = market.panel(freq="5min").filter(like="SPX__")
daily = (
    FeatureUnion(
        [
            ("rv", RealizedVariance()),
            ("bv", BipowerVariation()),
            ("rs", RealizedSemivariance()),
            ("ret", DailyReturn()),
        ],
        verbose_feature_names_out=False,
    )
    .set_output(transform="pandas")
    .fit_transform(panel)
)
measures = pd.DataFrame(
    {
        "symbol": ".SPX",
        "open_to_close": daily["SPX__ret"],
        "rv5": daily["SPX__rv"],
        "bv": daily["SPX__bv"],
        "rsv": daily["SPX__rs_neg"],
    }
).set_axis(pd.Index(panel.index.strftime("%Y-%m-%d"), name="date"))
measures.to_csv(folder / "SPX.csv")

result = run_study(
    StudyConfig(data=str(folder), assets=("BTC", "SPX"), quick=not FULL, out=Path("my_results"))
)
print(f"report: {result.report_md.resolve()}")
for asset in ("BTC", "SPX"):
    rows = [a for a in result.metrics.accuracy if a.asset == asset]  # typed PointAccuracy rows
    best = min(rows, key=lambda a: a.qlike)
    print(f"{asset}: lowest QLIKE {best.qlike:.3f} ({best.model})")
