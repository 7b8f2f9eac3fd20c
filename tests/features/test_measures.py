"""The daily-measures frame: DailyMeasures and daily_measures against the single transformers."""

from __future__ import annotations

import pandas as pd
import pytest

from skvol import NextDayTarget
from skvol.data import read_daily_measures, simulate_market
from skvol.features import (
    BipowerVariation,
    DailyMeasures,
    DailyReturn,
    JumpCounter,
    RealizedQuarticity,
    RealizedSemivariance,
    RealizedVariance,
    TripowerQuarticity,
    daily_measures,
)

SPX_FILE = "spx_oxfordman/spx_realized_library_2000_2017.csv"


@pytest.fixture(scope="module")
def panels():
    return {
        a: simulate_market(n_days=40, assets=(a,), seed=3).panel(freq="5min")
        for a in ("BTC", "SPX")
    }


def test_each_column_is_its_transformer(panels):
    panel = panels["SPX"]
    out = DailyMeasures().set_output(transform="pandas").fit_transform(panel)
    assert list(out.columns) == [
        f"SPX__{m}" for m in ("rv", "bv", "rs_neg", "rs_pos", "ret", "jumps", "rq", "tq")
    ]
    singles = [
        RealizedVariance(),
        BipowerVariation(),
        RealizedSemivariance(),
        DailyReturn(),
        JumpCounter(threshold=4.0),
        RealizedQuarticity(),
        TripowerQuarticity(),
    ]
    expected = pd.concat(
        [t.set_output(transform="pandas").fit_transform(panel) for t in singles], axis=1
    ).rename(columns={"SPX__n_jumps": "SPX__jumps"})
    pd.testing.assert_frame_equal(out, expected[out.columns])


def test_panel_and_file_sources_join_on_the_union_of_dates(panels, shared_data):
    spx = read_daily_measures(shared_data / SPX_FILE, "SPX").loc["2017-01":"2017-03"]
    btc = panels["BTC"]
    frame = daily_measures(btc, spx)
    assert frame.index.equals(btc.index.union(spx.index))
    assert frame.index.is_monotonic_increasing and frame.index.name == "date"
    assert {"BTC__jumps", "SPX__rv", "SPX__rs_pos"} <= set(frame.columns)
    assert "SPX__jumps" not in frame  # a daily file has no intraday jumps
    # SPX is NaN exactly on the dates its file lacks; its values are the file's
    only_btc = frame.index.difference(spx.index)
    assert frame.loc[only_btc, "SPX__rv"].isna().all()
    pd.testing.assert_series_equal(frame.loc[spx.index, "SPX__rv"], spx["SPX__rv"])
    # the target object reads the joined frame, each asset on its own next trading day
    y = NextDayTarget().from_measures(frame)
    assert list(y.columns) == ["BTC__log_rv_next", "SPX__log_rv_next"]
    with pytest.raises(ValueError, match="appears in sources 0 and 1"):
        daily_measures(spx, spx)


def test_no_row_sees_a_later_row(panels):
    """Without fit_until no intraday pattern is learned: row t depends on row t only."""
    panel = panels["SPX"]
    t = 25
    base = daily_measures(panel)
    changed = panel.copy()
    changed.iloc[t + 1 :] *= 3.0
    pd.testing.assert_frame_equal(daily_measures(changed).iloc[: t + 1], base.iloc[: t + 1])
    # with fit_until the pattern comes from the rows up to that date only
    cut = panel.index[t]
    a = daily_measures(panel, fit_until=cut)
    b = daily_measures(changed, fit_until=cut)
    pd.testing.assert_frame_equal(a.iloc[: t + 1], b.iloc[: t + 1])


def test_bad_input_is_named(panels):
    with pytest.raises(ValueError, match="measures must be distinct names"):
        daily_measures(panels["SPX"], measures=("rv", "vol"))
    with pytest.raises(TypeError, match="source 0 must have a DatetimeIndex"):
        daily_measures(panels["SPX"].reset_index(drop=True))
    with pytest.raises(ValueError, match="sorted and unique"):
        daily_measures(panels["SPX"].iloc[::-1])
    with pytest.raises(ValueError, match="no row dated up to"):
        daily_measures(panels["SPX"], fit_until="1990-01-01")
    with pytest.raises(ValueError, match="jump_threshold"):
        DailyMeasures(jump_threshold=-1.0).fit(panels["SPX"])
