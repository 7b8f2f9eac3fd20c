"""next_day_target: tomorrow's measure on today's row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from skvol.features import NextDayTarget, next_day_target


def make_panel():
    dates = pd.date_range("2017-01-02", periods=4, freq="B", name="date")
    return pd.DataFrame(
        {
            "BTC__0001": [0.01, 0.02, np.nan, 0.0],
            "BTC__0002": [-0.01, 0.01, np.nan, 0.0],
            "BTC__0003": [0.02, 0.01, np.nan, 0.0],
            "SPX__0001": [0.001, -0.002, 0.003, 0.004],
            "SPX__0002": [0.0, 0.001, 0.001, -0.001],
            "SPX__0003": [0.002, 0.0, 0.001, 0.002],
        },
        index=dates,
    )


def test_default_is_tomorrows_log1p_rv():
    panel = make_panel()
    y = next_day_target(panel, "SPX")
    assert y.name == "SPX__log1p_rv_next"
    assert y.index.equals(panel.index)
    rv = [1e-6 + 4e-6, 4e-6 + 1e-6, 9e-6 + 1e-6 + 1e-6, 16e-6 + 1e-6 + 4e-6]
    np.testing.assert_allclose(y.iloc[:3], np.log1p(rv[1:]), rtol=1e-12)
    assert np.isnan(y.iloc[-1])


def test_measures_transforms_and_scale():
    panel = make_panel()
    r = next_day_target(panel, "SPX", measure="return", transform=None, scale=100)
    assert r.name == "SPX__return_next"
    np.testing.assert_allclose(r.iloc[:3], [-0.1, 0.5, 0.5], rtol=1e-12)
    bv = next_day_target(panel, "BTC", measure="bv", transform="log", scale=100)
    assert bv.name == "BTC__log_bv_next"
    assert bv.iloc[0] == pytest.approx(np.log(np.pi / 2 * (2 * 1 + 1 * 1)))
    # BTC did not trade on day 2 (an all-NaN row): day 1's tomorrow is its next trading
    # day, day 3, a constant-price day (log of 0 is undefined); day 2 itself has no target
    assert np.isnan(bv.iloc[1]) and np.isnan(bv.iloc[2])
    rv = next_day_target(panel, "BTC", transform=None)
    assert rv.iloc[1] == 0.0 and np.isnan(rv.iloc[2])


def test_single_asset_needs_no_name_and_errors_are_clear():
    panel = make_panel()
    spx = panel.filter(like="SPX__")
    assert next_day_target(spx).name == "SPX__log1p_rv_next"
    unnamed = spx.rename(columns=lambda c: c.split("__")[1])
    assert next_day_target(unnamed).name == "log1p_rv_next"
    with pytest.raises(ValueError, match=r"assets \['BTC', 'SPX'\]; name one"):
        next_day_target(panel)
    with pytest.raises(ValueError, match="'ETH' not in the panel"):
        next_day_target(panel, "ETH")
    with pytest.raises(ValueError, match="measure must be one of"):
        next_day_target(panel, "SPX", measure="medrv")
    with pytest.raises(ValueError, match="transform must be None for measure='return'"):
        next_day_target(panel, "SPX", measure="return")
    with pytest.raises(ValueError, match="scale must be a positive"):
        next_day_target(panel, "SPX", scale=0)
    with pytest.raises(TypeError, match="DataFrame"):
        next_day_target(panel.to_numpy())
    with pytest.raises(ValueError, match="must be sorted"):
        next_day_target(panel.iloc[::-1], "SPX")
    text = panel.astype(object)
    text.iloc[2, 3] = "n/a"
    with pytest.raises(
        ValueError, match=r"next_day_target: 'n/a' at row 2, column 'SPX__0001' is not a number"
    ):
        next_day_target(text, "SPX")
    bad = panel.copy()
    bad.iloc[1, 4] = np.inf
    with pytest.raises(ValueError, match="column 'SPX__0002'"):
        next_day_target(bad, "SPX")


def _calendars():
    """BTC trades every day, SPX on weekdays: a daily-measures frame on the union of dates."""
    days = pd.date_range("2017-01-05", periods=6, freq="D", name="date")  # Thu .. Tue
    btc = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]) * 1e-4
    spx = np.array([1.0, 2.0, np.nan, np.nan, 5.0, 6.0]) * 1e-5
    return pd.DataFrame(
        {"BTC__rv": btc, "SPX__rv": spx, "SPX__ret": [0.01, -0.02, np.nan, np.nan, 0.03, 0.0]},
        index=days,
    )


def test_from_measures_uses_each_assets_next_trading_day():
    frame = _calendars()
    target = NextDayTarget(measure="rv", transform="log", scale=100.0)
    y = target.from_measures(frame)
    assert list(y.columns) == ["BTC__log_rv_next", "SPX__log_rv_next"]
    np.testing.assert_allclose(
        y["BTC__log_rv_next"].iloc[:5], np.log(1e4 * frame["BTC__rv"].iloc[1:])
    )
    spx = y["SPX__log_rv_next"]
    # Friday's SPX target is Monday's RV (the weekend rows have none); Thursday's is Friday's
    assert spx.iloc[0] == pytest.approx(np.log(2e-5 * 1e4))
    assert spx.iloc[1] == pytest.approx(np.log(5e-5 * 1e4))
    assert spx.iloc[2:4].isna().all() and np.isnan(spx.iloc[-1])
    one = target.from_measures(frame, "SPX")
    assert isinstance(one, pd.Series) and one.equals(spx)
    ret = NextDayTarget("return", None, scale=1.0).from_measures(frame, "SPX")
    assert ret.name == "SPX__return_next" and ret.iloc[1] == pytest.approx(0.03)
    with pytest.raises(ValueError, match="'ETH' not in the frame"):
        target.from_measures(frame, "ETH")


def test_panel_and_measures_give_the_same_target():
    panel = make_panel()
    target = NextDayTarget(transform="log1p", scale=100.0)
    frame = pd.DataFrame({"SPX__rv": (panel.filter(like="SPX__") ** 2).sum(axis=1)})
    pd.testing.assert_series_equal(
        target.from_panel(panel, "SPX"), target.from_measures(frame, "SPX")
    )
    both = target.from_panel(panel)
    assert list(both.columns) == ["BTC__log1p_rv_next", "SPX__log1p_rv_next"]


@pytest.mark.parametrize("transform", ["log", "log1p", None])
def test_apply_and_to_variance_are_inverse(transform):
    target = NextDayTarget(transform=transform, scale=100.0)
    v = np.array([1e-6, 1e-4, 2.5e-3])
    np.testing.assert_allclose(target.to_variance(target.apply(v)), v, rtol=1e-12)
    # quantiles map through the monotone inverse
    from scipy import stats

    dist = stats.norm(target.apply(v), 0.3)
    np.testing.assert_allclose(
        target.variance_quantile(dist, 0.9), target.to_variance(dist.ppf(0.9)), rtol=1e-12
    )
    assert np.all(np.diff(target.to_variance(np.linspace(-3, 3, 50))) >= 0)


def test_target_is_frozen_and_named():
    target = NextDayTarget()
    assert (target.measure, target.transform, target.scale) == ("rv", "log", 100.0)
    with pytest.raises(AttributeError):
        target.scale = 1.0
    assert NextDayTarget("bv", "log1p").name("SPX") == "SPX__log1p_bv_next"
    with pytest.raises(ValueError, match="variance target"):
        NextDayTarget("return", None).to_variance([0.0])
