"""sktime's ``evaluate`` on the adapter agrees with skvol's own walk-forward and scores.

The same folds are built on both sides: sktime's forecaster sees ``y[:c + 1]`` and
forecasts ``y[c + 1]``; skvol's regressor is trained on the rows ``0 .. c - 1`` of the
design table (row ``t`` = ``y[t]``, target ``y[t + 1]``) and predicts row ``c``. The
design table loses the last day (it has no target), so skvol's splitter starts one row
earlier (``initial_window - 1``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sktime.forecasting.model_evaluation import evaluate
from sktime.performance_metrics.forecasting.probabilistic import (
    CRPS,
    EmpiricalCoverage,
    PinballLoss,
)
from sktime.split import ExpandingWindowSplitter

from skvol.evaluation import crps, pinball_loss, walk_forward_predict
from skvol.models import HARRegressor
from skvol.sktime import VolatilityForecaster

INITIAL = 150
STEP = 7


@pytest.fixture(scope="module")
def log_rv() -> pd.Series:
    """A log realized variance with HAR-like persistence: AR(1) of a 5-day mean, noise."""
    rng = np.random.default_rng(7)
    n = 260
    values = np.full(n, -9.0)
    for t in range(5, n):
        values[t] = -9.0 + 0.8 * (values[t - 5 : t].mean() + 9.0) + 0.4 * rng.standard_normal()
    return pd.Series(values, index=pd.bdate_range("2012-01-02", periods=n), name="log_rv")


@pytest.fixture(scope="module")
def both_sides(log_rv):
    har = HARRegressor(windows=(1, 5, 22), log=False)
    cv = ExpandingWindowSplitter(fh=[1], initial_window=INITIAL, step_length=STEP)
    scores = evaluate(
        VolatilityForecaster(har),
        cv,
        log_rv,
        scoring=[PinballLoss(alpha=[0.95]), EmpiricalCoverage(coverage=0.9), CRPS()],
        return_data=True,
    )
    design = log_rv.iloc[:-1].to_frame()
    target = pd.Series(log_rv.to_numpy()[1:], index=design.index, name="target")
    skvol_cv = ExpandingWindowSplitter(fh=[1], initial_window=INITIAL - 1, step_length=STEP)
    forecasts = walk_forward_predict(har, design, target, cv=skvol_cv, levels=(0.95,))
    return scores, forecasts


def test_same_folds_and_same_forecasts(both_sides, log_rv):
    scores, forecasts = both_sides
    n_folds = len(range(INITIAL - 1, len(log_rv) - 1, STEP))
    assert len(scores) == len(forecasts) == n_folds
    sktime_mean = np.concatenate([fold.mean().to_numpy()[:, 0] for fold in scores["y_pred_proba"]])
    np.testing.assert_allclose(sktime_mean, forecasts["mean"].to_numpy(), rtol=0, atol=1e-10)
    sktime_q95 = np.concatenate([fold.to_numpy()[:, 0] for fold in scores["y_pred_quantiles"]])
    np.testing.assert_allclose(sktime_q95, forecasts["var_95"].to_numpy(), rtol=0, atol=1e-10)
    # sktime stamps the forecast with the forecast day, skvol with the day it is made
    sktime_days = pd.DatetimeIndex([fold.index[0] for fold in scores["y_test"]])
    expected_days = log_rv.index[log_rv.index.get_indexer(forecasts.index) + 1]
    assert sktime_days.equals(expected_days)
    np.testing.assert_array_equal(
        np.concatenate([fold.to_numpy() for fold in scores["y_test"]]), forecasts["y_true"]
    )


def test_pinball_loss_agrees(both_sides):
    scores, forecasts = both_sides
    ours = pinball_loss(forecasts["y_true"], forecasts["var_95"], alpha=0.95)
    # one forecast per fold, so the mean over folds is the mean over forecasts
    np.testing.assert_allclose(scores["test_PinballLoss"].mean(), ours, rtol=1e-9)


def test_crps_agrees(both_sides):
    scores, forecasts = both_sides
    dist = stats.norm(forecasts["mean"].to_numpy(), forecasts["scale"].to_numpy())
    ours = crps(forecasts["y_true"].to_numpy(), dist)
    np.testing.assert_allclose(scores["test_CRPS"].mean(), ours, rtol=1e-9)


def test_empirical_coverage_agrees(both_sides):
    scores, forecasts = both_sides
    lower = stats.norm.ppf(0.05, forecasts["mean"], forecasts["scale"])
    upper = forecasts["var_95"].to_numpy()
    y = forecasts["y_true"].to_numpy()
    ours = np.mean((y >= lower) & (y <= upper))
    np.testing.assert_allclose(scores["test_EmpiricalCoverage"].mean(), ours, rtol=1e-12)
    # and the forecasts are sensible: most realised values fall in the 90% interval
    assert 0.7 <= ours <= 1.0
