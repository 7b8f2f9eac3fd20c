"""The quick study on real files: HistData EUR/USD bars and the Oxford-Man S&P 500 measures.

Exercises the file paths of the study (``--assets NAME=PATH``), a daily-measures asset
next to an intraday one, and checks the numbers against the files themselves.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from skvol.data import read_realized_library
from skvol.study._cli import main

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def real_run(shared_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("real") / "results"
    spx = shared_data / "spx_oxfordman" / "spx_realized_library_2000_2017.csv"
    argv = [
        "study",
        "--quick",
        "--no-progress",
        "--out",
        str(out),
        "--assets",
        f"EURUSD={shared_data / 'eurusd_histdata'}",
        f"SPX={spx}",
    ]
    assert main(argv) == 0
    return out, spx


def test_daily_measures_asset_uses_the_file(real_run):
    out, spx = real_run
    metrics = json.loads((out / "metrics.json").read_text())
    assert (
        metrics["data"]["SPX"]["kind"] == "daily"
        and metrics["data"]["EURUSD"]["kind"] == "intraday"
    )
    assert metrics["data"]["SPX"]["days"] == 300  # --quick keeps the last 300 days
    assert metrics["data"]["SPX"]["last_day"] == "2017-12-29"
    measures = read_realized_library(spx).iloc[-300:]
    daily = pd.read_csv(out / "tables" / "daily_SPX.csv", index_col=0, parse_dates=True)
    np.testing.assert_allclose(daily["rv"], measures["rv5"], rtol=1e-12)
    np.testing.assert_allclose(daily["ret"], measures["open_to_close"], rtol=1e-12)
    assert daily["jumps"].isna().all()  # no intraday data, no jump counts
    # the study's target for a daily asset is tomorrow's log(1 + 100^2 RV)
    fc = pd.read_csv(
        out / "tables" / "forecasts_SPX_prob_lstm_normal.csv", index_col=0, parse_dates=True
    )
    tomorrow = np.log1p(1e4 * measures["rv5"]).shift(-1)
    np.testing.assert_allclose(fc["y_true"], tomorrow.loc[fc.index], rtol=1e-12)


def test_intraday_asset_from_histdata(real_run):
    out, _ = real_run
    metrics = json.loads((out / "metrics.json").read_text())
    eur = metrics["data"]["EURUSD"]
    assert eur["session"] == "fx" and eur["first_day"].startswith("2017-01")
    assert eur["last_day"] <= "2017-06-30"
    assert 120 <= eur["days"] <= 130
    assert "EURUSD/SPX" in metrics["correlation"]
    assert (out / "figures" / "rolling_correlation.png").is_file()
