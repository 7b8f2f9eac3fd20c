"""daily_features_from_files: file by file equals all at once, to the last bit.

The reference is the straightforward route: every file of an asset read as one
(``read_bars`` on the folder), one ``intraday_panel``, one transform. The files are cut
where sessions continue across them (EUR/USD monthly files cut at midnight EST while the
FX day rolls at 17:00 New York; simulated files cut mid-session, one of them shorter than
a session), so the rebuilt edge sessions are exercised.
"""

from __future__ import annotations

import logging

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_union

from skvol.data import intraday_panel, read_bars, simulate_market
from skvol.features import BipowerVariation, DailyReturn, JumpCounter, RealizedVariance
from skvol.parallel import daily_features_from_files


def features():
    return make_union(RealizedVariance(), BipowerVariation(), DailyReturn()).set_output(
        transform="pandas"
    )


def all_at_once(folders: dict, session, how="inner", freq="5min", min_coverage=0.8):
    bars = {asset: read_bars(folder) for asset, folder in folders.items()}
    sessions = session if isinstance(session, dict) else dict.fromkeys(folders, session)
    panel = intraday_panel(bars, freq=freq, session=sessions, how=how, min_coverage=min_coverage)
    return features().fit_transform(panel), panel


def write_csv_files(bars: pd.DataFrame, folder, cuts: list[str]) -> list:
    """Split bars at the given UTC times into generic CSV files (timestamps = bar ends)."""
    folder.mkdir()
    edges = [bars.index[0] - pd.Timedelta(1, "ns"), *pd.to_datetime(cuts, utc=True), bars.index[-1]]
    paths = []
    for k, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        part = bars.loc[(bars.index > lo) & (bars.index <= hi)]
        frame = part.copy()
        frame.index = frame.index.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        path = folder / f"part{k:02d}.csv"
        frame.to_csv(path, index_label="timestamp", float_format="%.17g")
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    market = simulate_market(n_days=40, assets=("BTC", "SPX"), freq="5min", seed=4)
    root = tmp_path_factory.mktemp("bars")
    cuts = {
        # mid-session cuts, and a 20-minute file inside one session
        "BTC": ["2010-01-11 13:37", "2010-01-19 06:00", "2010-01-19 06:20", "2010-02-01 00:00"],
        # New York trading hours are 14:30-21:00 UTC in winter: cut inside them
        "SPX": ["2010-01-13 16:02", "2010-01-27 20:55"],
    }
    files = {
        asset: write_csv_files(market.bars[asset], root / asset, cuts[asset]) for asset in cuts
    }
    return files, {asset: root / asset for asset in cuts}, market.sessions


@pytest.mark.parametrize("how", ["inner", "outer"])
def test_simulated_files_give_the_features_of_all_bars_at_once(simulated, how):
    files, folders, sessions = simulated
    # the files in scrambled order; a thread pool runs them two at a time
    scrambled = {asset: list(reversed(paths)) for asset, paths in files.items()}
    with joblib.parallel_backend("threading"):
        result = daily_features_from_files(
            scrambled, features(), session=sessions, how=how, n_jobs=2
        )
    expected, _ = all_at_once(folders, sessions, how=how)
    # the union names its columns per transformer; compare by the asset's feature name
    assert sorted(result.columns) == sorted(expected.columns)
    pd.testing.assert_frame_equal(result[expected.columns], expected, check_exact=True)
    assert result.attrs["files"]["BTC"] == [str(p) for p in files["BTC"]]


def test_a_tiny_file_inside_one_session_and_mid_session_cuts_are_rebuilt(simulated):
    files, folders, sessions = simulated
    result = daily_features_from_files({"BTC": files["BTC"]}, features(), session="24h")
    expected, _ = all_at_once({"BTC": folders["BTC"]}, "24h")
    pd.testing.assert_frame_equal(result[expected.columns], expected, check_exact=True)
    # the day cut three times (06:00 and 06:20 on 2010-01-19) is there, whole
    assert pd.Timestamp("2010-01-19") in result.index


def test_low_coverage_days_are_dropped_and_reported(simulated, caplog):
    files, folders, _ = simulated
    # 5-minute bars binned at 1 minute observe a fifth of the bins: every day is below 0.5
    with caplog.at_level(logging.WARNING, logger="skvol.parallel"):
        result = daily_features_from_files(
            {"SPX": files["SPX"]}, features(), session="us_equity", freq="1min", min_coverage=0.5
        )
    panel = intraday_panel(
        read_bars(folders["SPX"]), freq="1min", session="us_equity", asset="SPX", min_coverage=0.5
    )
    assert len(result) == 0
    assert result.attrs["dropped_days"]["SPX"].equals(panel.attrs["dropped_days"]["SPX"])
    assert "dropped" in caplog.text


@pytest.mark.realdata
def test_eurusd_monthly_files_on_the_fx_session_equal_one_read(shared_data):
    folder = shared_data / "eurusd_histdata"
    files = sorted(folder.glob("DAT_ASCII_EURUSD_M1_2017*.csv"))
    assert len(files) == 6
    result = daily_features_from_files({"EURUSD": files}, features(), session="fx")
    expected, panel = all_at_once({"EURUSD": folder}, "fx")
    pd.testing.assert_frame_equal(result[expected.columns], expected, check_exact=True)
    assert result.attrs["dropped_days"]["EURUSD"].equals(panel.attrs["dropped_days"]["EURUSD"])
    # each month's file ends at 23:59 EST, inside the FX day that rolls at 17:00 New York:
    # without rebuilding, the days at the five cuts would be split in two
    cut_days = pd.DatetimeIndex(
        ["2017-02-01", "2017-03-01", "2017-04-03", "2017-05-01", "2017-06-01"]
    )
    assert cut_days.isin(result.index).all()


@pytest.mark.realdata
def test_btc_yearly_files_with_a_fitted_jump_counter(shared_data):
    files = sorted((shared_data / "btcusd_bitmex").glob("xbtusd_1min_201*.csv.gz"))
    # JumpCounter learns the time-of-day periodicity in fit: fit it on 2016 only, then
    # apply it as fitted to both years, file by file
    panel_2016 = intraday_panel(read_bars(files[0]), asset="BTC")
    transformer = make_union(RealizedVariance(), JumpCounter()).set_output(transform="pandas")
    transformer.fit(panel_2016)
    result = daily_features_from_files({"BTC": files}, transformer, n_jobs=1)
    bars = read_bars(shared_data / "btcusd_bitmex")
    expected = transformer.transform(intraday_panel(bars, asset="BTC"))
    pd.testing.assert_frame_equal(result, expected, check_exact=True)
    assert result["jumpcounter__BTC__n_jumps"].sum() > 0
    # the 2017 file's first bar (00:00 UTC) closes 2016-12-31's last bin and is the
    # opening price of 2017-01-01: both days straddle the cut and are rebuilt
    assert np.isfinite(result.loc[["2016-12-31", "2017-01-01"]].to_numpy()).all()


def test_bad_inputs_are_refused_with_the_asset_and_file_named(simulated, tmp_path):
    files, _, _ = simulated
    btc = files["BTC"]
    with pytest.raises(FileNotFoundError, match="'BTC'.*nowhere.csv"):
        daily_features_from_files({"BTC": [btc[0], tmp_path / "nowhere.csv"]}, features())
    with pytest.raises(ValueError, match="'SPX' has no file"):
        daily_features_from_files({"SPX": []}, features())
    with pytest.raises(TypeError, match="non-empty dict"):
        daily_features_from_files([btc[0]], features())
    with pytest.raises(TypeError, match="fit_transform"):
        daily_features_from_files({"BTC": btc}, "rv")
    with pytest.raises(ValueError, match="no session for asset"):
        daily_features_from_files(files, features(), session={"BTC": "24h"})
    with pytest.raises(ValueError, match="'inner' or 'outer'"):
        daily_features_from_files({"BTC": btc}, features(), how="left")
    with pytest.raises(ValueError, match="without '__'"):
        daily_features_from_files({"BTC__X": btc}, features())
    # the same file twice overlaps itself in time
    with pytest.raises(ValueError, match="overlap in time"):
        daily_features_from_files({"BTC": [btc[0], btc[0]]}, features())
    # a percentage is not a share: it would drop every day
    with pytest.raises(ValueError, match=r"min_coverage=80 must be in \[0, 1\]"):
        daily_features_from_files({"BTC": btc}, features(), min_coverage=80)
