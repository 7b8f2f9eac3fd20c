"""The figure functions draw from plain frames and write decodable PNGs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from skvol.study._figures import (
    coverage_curve,
    plot_calibration,
    plot_forecasts,
    plot_realized_volatility,
    plot_rolling_correlation,
    plot_var_breaches,
)

DATES = pd.date_range("2017-01-02", periods=60, freq="D")


def _decoded(path):
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 400
    assert image.std() > 0.01  # not a blank canvas
    return image


def test_coverage_curve_against_a_reference_loop():
    rng = np.random.default_rng(0)
    pit = rng.uniform(size=500)
    levels = np.array([0.1, 0.5, 0.9, 0.99])
    expected = [np.mean([(1 - a) / 2 <= u <= (1 + a) / 2 for u in pit]) for a in levels]
    np.testing.assert_allclose(coverage_curve(pit, levels), expected)
    # uniform PIT values cover at the nominal rate
    np.testing.assert_allclose(coverage_curve(rng.uniform(size=200_000), levels), levels, atol=0.01)
    # NaN PIT values are ignored, not counted as misses
    np.testing.assert_allclose(coverage_curve(np.r_[pit, np.nan], levels), expected)


def test_every_figure_writes_a_png(tmp_path):
    rng = np.random.default_rng(1)
    daily = pd.DataFrame({"rv": rng.gamma(2, 1e-4, 60), "jumps": rng.poisson(0.3, 60)}, index=DATES)
    _decoded(plot_realized_volatility({"BTC": daily, "SPX": daily}, tmp_path / "rv.png"))
    corr = pd.Series(np.tanh(rng.normal(size=60)), index=DATES)
    _decoded(plot_rolling_correlation({"BTC/SPX": corr}, tmp_path / "corr.png"))
    y = rng.normal(size=60)
    fc = pd.DataFrame({"y_true": y, "mean": 0.0, "lower": -1.96, "upper": 1.96}, index=DATES)
    _decoded(plot_forecasts({"BTC": fc}, tmp_path / "fc.png"))
    bt = pd.DataFrame({"y_true": y, "var": 1.64, "breach": y > 1.64}, index=DATES)
    _decoded(plot_var_breaches({"BTC 95%": bt}, tmp_path / "var.png"))
    _decoded(plot_calibration({"BTC": rng.uniform(size=60)}, tmp_path / "cal.png"))


def test_missing_column_is_named(tmp_path):
    frame = pd.DataFrame({"rv": [1.0]}, index=DATES[:1])
    with pytest.raises(ValueError, match=r"'BTC'.*\['jumps'\]"):
        plot_realized_volatility({"BTC": frame}, tmp_path / "rv.png")


def test_daily_measures_asset_has_no_jump_markers(tmp_path):
    frame = pd.DataFrame({"rv": np.full(60, 1e-4), "jumps": np.nan}, index=DATES)
    _decoded(plot_realized_volatility({"SPX": frame}, tmp_path / "rv.png"))
