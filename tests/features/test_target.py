"""next_day_target: tomorrow's measure on today's row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from skvol.features import next_day_target


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
    # tomorrow is an all-NaN day (undefined) then a constant-price day (log of 0)
    assert np.isnan(bv.iloc[1]) and np.isnan(bv.iloc[2])
    rv = next_day_target(panel, "BTC", transform=None)
    assert rv.iloc[2] == 0.0


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
