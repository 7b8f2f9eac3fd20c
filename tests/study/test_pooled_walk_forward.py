"""The study's pooled walk-forward: each asset's own folds, and nothing after the fold start.

A recording stand-in for the pooled estimator (row-local forecasts from the training
targets' mean and the day's own log RV) makes the plumbing checkable without torch:
which rows each fit saw, which days each asset is forecast on, and that perturbing every
asset's data after a date leaves every forecast made up to that date unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from skvol.study._config import StudyConfig, walk_forward_cv
from skvol.study._inputs import AssetInput
from skvol.study._pipelines import ModelSpec
from skvol.study._pooled import fold_plan, pooled_walk_forward
from skvol.study._run import AssetStudy, _build_panel

FITS: list[pd.Timestamp] = []
FITTED_ASSETS: list[list[str]] = []


class RecordingPooled:
    """fit records the last training date; predict_dist is row-local (no look-ahead)."""

    def fit(self, X, Y):
        FITS.append(X.index.max())
        self.columns_ = [c.split("__")[0] for c in Y.columns]
        FITTED_ASSETS.append(self.columns_)
        assert sorted({c.split("__")[0] for c in X.columns}) == sorted(self.columns_)
        self.level_ = Y.mean().to_numpy()
        return self

    def predict_dist(self, X):
        rv = np.column_stack([np.log(X[f"{a}__rv"].to_numpy()) for a in self.columns_])
        return stats.norm(self.level_ + 0.1 * rv, 0.5 + 0.0 * rv)


def _daily(name: str, dates: pd.DatetimeIndex, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rv = np.exp(rng.normal(-9, 0.5, dates.size))
    return pd.DataFrame(
        {f"{name}__rv": rv, f"{name}__ret": np.sqrt(rv) * rng.standard_normal(dates.size)},
        index=dates.rename("date"),
    )


def _assets(daily: dict[str, pd.DataFrame], config) -> dict[str, AssetStudy]:
    assets = {}
    for name, frame in daily.items():
        a = AssetStudy(input=AssetInput(name=name, kind="daily", source="test", daily=frame))
        _build_panel(a, config)
        assets[name] = a
    return assets


SPEC = ModelSpec("pooled", "pooled", "log", True, "LSTM", lambda *_: RecordingPooled(), True)
CONFIG = StudyConfig(quick=True)
DAILY = {
    "BTC": _daily("BTC", pd.date_range("2016-01-01", periods=420), 0),  # every day
    "SPX": _daily("SPX", pd.bdate_range("2016-01-04", periods=300), 1),  # weekdays
}


def test_each_asset_is_forecast_on_its_own_folds_by_fits_that_end_before_them():
    FITS.clear()
    assets = _assets(DAILY, CONFIG)
    frames = pooled_walk_forward(SPEC, CONFIG, assets, levels=(0.95,))
    plan = fold_plan(assets, "log", CONFIG)
    assert len(FITS) == len(plan)
    for start, last_seen in zip(plan, FITS, strict=True):
        assert last_seen < start
    for name, a in assets.items():
        y = a.targets["log"].dropna()
        tests = [y.index[t] for _, t in walk_forward_cv(len(y), CONFIG, name).split(y)]
        expected = tests[0].append(tests[1:])
        assert frames[name].index.equals(expected)
        np.testing.assert_array_equal(frames[name]["y_true"], y.loc[expected])
        assert (
            frames[name]["breach_95"] == (frames[name]["y_true"] > frames[name]["var_95"])
        ).all()


@pytest.mark.parametrize("t0", ["2016-12-15", "2017-01-21"])  # inside both test spans
def test_perturbing_any_asset_after_a_date_never_changes_a_forecast_made_by_then(t0):
    base = pooled_walk_forward(SPEC, CONFIG, _assets(DAILY, CONFIG), levels=(0.95,))
    t0 = pd.Timestamp(t0)
    shocked = {}
    for name, frame in DAILY.items():
        frame = frame.copy()
        later = frame.index > t0
        frame.loc[later, f"{name}__rv"] *= 7.0
        frame.loc[later, f"{name}__ret"] *= -3.0
        shocked[name] = frame
    moved = pooled_walk_forward(SPEC, CONFIG, _assets(shocked, CONFIG), levels=(0.95,))
    for name in DAILY:
        early = base[name].index <= t0
        assert early.any() and (~early).any()
        for col in ("mean", "scale", "var_95"):
            np.testing.assert_array_equal(
                base[name].loc[early, col], moved[name].loc[early, col], err_msg=f"{name} {col}"
            )
        assert not np.allclose(base[name].loc[~early, "mean"], moved[name].loc[~early, "mean"])


def test_an_asset_enters_the_fits_once_it_has_60_training_targets():
    """BTC starts after the S&P 500's first test fold: the first fits are the S&P 500 alone."""
    late = {"BTC": _daily("BTC", pd.date_range("2016-09-01", periods=180), 2), "SPX": DAILY["SPX"]}
    FITS.clear()
    FITTED_ASSETS.clear()
    assets = _assets(late, CONFIG)
    frames = pooled_walk_forward(SPEC, CONFIG, assets, levels=(0.95,))
    btc = assets["BTC"].targets["log"]
    for last_seen, names in zip(FITS, FITTED_ASSETS, strict=True):
        enough = btc.loc[:last_seen].notna().sum() >= 60
        assert names == (["BTC", "SPX"] if enough else ["SPX"])
    assert ["SPX"] in FITTED_ASSETS and ["BTC", "SPX"] in FITTED_ASSETS
    assert np.isfinite(frames["BTC"]["mean"]).all() and np.isfinite(frames["SPX"]["mean"]).all()
