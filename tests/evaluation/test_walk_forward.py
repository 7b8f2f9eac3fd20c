"""walk_forward_predict: reference loop, sktime splitters, refits, no look-ahead, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _evaluation_toys import GaussianLinear, PeekingGaussian, PointOnly, TrailingMeanGaussian
from joblib import parallel_config
from scipy import stats
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import KFold, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import validate_data
from sktime.split import ExpandingWindowSplitter, SlidingWindowSplitter

from skvol import NextDayTarget
from skvol.evaluation import QuantileTracker, return_var, walk_forward_predict
from skvol.models import HARRegressor


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 300
    days = pd.bdate_range("2014-01-01", periods=n, name="date")
    x = np.cumsum(rng.normal(size=n)) * 0.1
    X = pd.DataFrame({"x": x, "z": rng.normal(size=n)}, index=days)
    y = pd.Series(0.5 * x + 0.2 * rng.normal(size=n), index=days, name="target")
    return X, y


def test_matches_reference_loop_over_folds(data):
    X, y = data
    cv = TimeSeriesSplit(4, test_size=40)
    out = walk_forward_predict(TrailingMeanGaussian(), X, y, cv=cv, levels=(0.95, 0.99))
    assert out.columns.tolist() == [
        "fold",
        "y_true",
        "mean",
        "scale",
        "var_95",
        "breach_95",
        "var_99",
        "breach_99",
    ]
    rows = []
    for k, (train, test) in enumerate(cv.split(X)):
        model = TrailingMeanGaussian().fit(X.iloc[train], y.iloc[train])
        dist = model.predict_dist(X.iloc[test])
        for i, pos in enumerate(test):
            v95, v99 = dist.ppf(0.95)[i], dist.ppf(0.99)[i]
            yi = y.iloc[pos]
            rows.append([k, yi, dist.mean()[i], dist.std()[i], v95, yi > v95, v99, yi > v99])
    expected = pd.DataFrame(rows, columns=out.columns, index=X.index[140:])
    pd.testing.assert_frame_equal(out, expected, check_dtype=False, check_freq=False)


def test_carried_history_reaches_the_model(data):
    """Test folds see the rows before them: forecasts equal a full-history prediction."""
    X, y = data
    cv = TimeSeriesSplit(3, test_size=50)
    out = walk_forward_predict(TrailingMeanGaussian(window=10), X, y, cv=cv)
    for k, (train, test) in enumerate(cv.split(X)):
        model = TrailingMeanGaussian(window=10).fit(X.iloc[train], y.iloc[train])
        full = model.predict(X.iloc[: test[-1] + 1])[test]
        np.testing.assert_allclose(out.loc[out["fold"] == k, "mean"], full, rtol=1e-12)


@pytest.mark.parametrize(
    "cv",
    [
        TimeSeriesSplit(3, test_size=50, gap=5),
        ExpandingWindowSplitter(fh=[3, 4, 6], initial_window=150, step_length=40),
    ],
    ids=["gap", "fh-skips-steps"],
)
def test_rows_between_train_and_test_reach_the_model(data, cv):
    """Test rows that do not follow training directly still see every earlier row.

    Reference: the fold's model predicting the whole series up to its last test row.
    """
    X, y = data
    model = TrailingMeanGaussian(window=10)
    out = walk_forward_predict(model, X, y, cv=cv)
    folds = list(cv.split(X.index) if hasattr(cv, "fh") else cv.split(X))
    assert all(test.min() > train.max() + 1 for train, test in folds)
    for k, (train, test) in enumerate(folds):
        fitted = TrailingMeanGaussian(window=10).fit(X.iloc[train], y.iloc[train])
        full = fitted.predict(X.iloc[: test[-1] + 1])[test]
        part = out[out["fold"] == k]
        assert part.index.equals(X.index[test])
        np.testing.assert_allclose(part["mean"], full, rtol=1e-12)
        np.testing.assert_allclose(part["var_95"], stats.norm.ppf(0.95, full, fitted.sigma_))


def test_student_t_adds_df_and_point_models_give_mean_only(data):
    X, y = data
    out = walk_forward_predict(GaussianLinear(df=4.0), X, y, cv=3, levels=0.9)
    assert {"df", "scale", "var_90", "breach_90"} <= set(out.columns)
    assert (out["df"] == 4.0).all()
    np.testing.assert_allclose(
        out["var_90"], stats.t.ppf(0.9, 4.0, out["mean"], out["scale"]), rtol=1e-12
    )
    point = walk_forward_predict(PointOnly(), X, y, cv=3)
    assert point.columns.tolist() == ["fold", "y_true", "mean"]


@pytest.mark.parametrize(
    "splitter",
    [
        ExpandingWindowSplitter(fh=np.arange(1, 21), initial_window=100, step_length=20),
        SlidingWindowSplitter(fh=np.arange(1, 31), window_length=120, step_length=30),
    ],
    ids=["expanding", "sliding"],
)
def test_sktime_splitters(data, splitter):
    X, y = data
    out = walk_forward_predict(GaussianLinear(), X, y, cv=splitter)
    folds = list(splitter.split(X.index))
    assert out["fold"].nunique() == len(folds) > 1
    for k, (train, test) in enumerate(folds):
        part = out[out["fold"] == k]
        assert part.index.equals(X.index[test])
        model = GaussianLinear().fit(X.iloc[train], y.iloc[train])
        np.testing.assert_allclose(part["mean"], model.predict(X.iloc[test]), rtol=1e-12)
    if isinstance(splitter, SlidingWindowSplitter):
        assert len(folds[1][0]) == 120  # the sliding window really drops old rows


def test_return_kind_columns(data):
    X, y = data
    log_rv = -9.0 + y
    returns = pd.Series(np.random.default_rng(2).normal(size=len(y)) * 0.01, index=y.index)
    out = walk_forward_predict(
        GaussianLinear(),
        X,
        log_rv,
        cv=3,
        kind="return",
        returns=returns,
        target=NextDayTarget(scale=1.0),
    )
    assert "return" in out.columns
    dist = stats.norm(out["mean"].to_numpy(), out["scale"].to_numpy())
    np.testing.assert_allclose(
        out["var_95"], return_var(dist, 0.95, NextDayTarget(scale=1.0)), rtol=1e-10
    )
    np.testing.assert_array_equal(out["breach_95"], out["return"] < out["var_95"])
    np.testing.assert_array_equal(out["return"], returns[out.index])


def test_parallel_folds_equal_serial(data):
    """n_jobs goes to joblib; threads here keep the test fast (processes: test_end_to_end)."""
    X, y = data
    serial = walk_forward_predict(TrailingMeanGaussian(), X, y, cv=4)
    with parallel_config(backend="threading"):
        parallel = walk_forward_predict(TrailingMeanGaussian(), X, y, cv=4, n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel)


def _forecasts_up_to(estimator, X, y, t, seed):
    """Forecasts for rows <= t before and after perturbing every row after t."""
    cv = TimeSeriesSplit(5, test_size=30)
    base = walk_forward_predict(estimator, X, y, cv=cv)
    rng = np.random.default_rng(seed)
    X2, y2 = X.copy(), y.copy()
    X2.iloc[t + 1 :] += rng.normal(scale=5.0, size=X2.iloc[t + 1 :].shape)
    y2.iloc[t + 1 :] += rng.normal(scale=5.0, size=len(y2) - t - 1)
    moved = walk_forward_predict(estimator, X2, y2, cv=cv)
    cut = X.index[t]
    return base.loc[:cut], moved.loc[:cut]


@pytest.mark.parametrize("t", [165, 200, 229, 250])
def test_no_look_ahead(data, t):
    X, y = data
    before, after = _forecasts_up_to(TrailingMeanGaussian(window=7), X, y, t, seed=t)
    assert len(before) > 0
    pd.testing.assert_frame_equal(before, after)


def test_the_look_ahead_check_catches_a_peeking_model(data):
    X, y = data
    before, after = _forecasts_up_to(PeekingGaussian(), X, y, 200, seed=1)
    assert not np.allclose(before["mean"], after["mean"])


def test_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="fold 0 trains on row"):
        walk_forward_predict(GaussianLinear(), X, y, cv=KFold(3))
    with pytest.raises(ValueError, match="X has 299 rows but y has 300"):
        walk_forward_predict(GaussianLinear(), X.iloc[1:], y)
    # same length, shifted by a day: rows would meet the wrong targets
    with pytest.raises(ValueError, match="X and y have different dates"):
        walk_forward_predict(GaussianLinear(), X.iloc[1:], y.iloc[:-1])
    with pytest.raises(ValueError, match="not finite at position 299"):
        walk_forward_predict(GaussianLinear(), X, y.shift(-1))
    with pytest.raises(TypeError, match="cv must be"):
        walk_forward_predict(GaussianLinear(), X, y, cv="time")
    with pytest.raises(ValueError, match="kind='return' needs returns="):
        walk_forward_predict(GaussianLinear(), X, y, kind="return")
    with pytest.raises(ValueError, match="levels"):
        walk_forward_predict(GaussianLinear(), X, y, levels=(0.95, 95))


def test_ndarray_inputs_are_indexed_by_position(data):
    X, y = data
    out = walk_forward_predict(GaussianLinear(), X.to_numpy(), y.to_numpy(), cv=3)
    assert out.index.name == "position"
    assert out.index[0] == 75 and out.index[-1] == 299


# --- refit_every and warm_start -----------------------------------------------------------


def _manual_refits(model_factory, X, y, starts, stops, train_ends):
    """Reference: fit on rows < train_end, predict rows start..stop-1 with carried history."""
    parts = []
    for start, stop, end in zip(starts, stops, train_ends, strict=True):
        fitted = model_factory().fit(X.iloc[:end], y.iloc[:end])
        full = fitted.predict(X.iloc[:stop])  # the whole history up to the last row
        parts.append(pd.Series(full[start:stop], index=X.index[start:stop]))
    return pd.concat(parts)


def test_refit_every_equals_the_manual_loop(data):
    """Refits every 15 test days inside folds of 40: fits at test days 0, 15, 30, 45, ..."""
    X, y = data
    cv = TimeSeriesSplit(3, test_size=40)  # test rows 180..299
    out = walk_forward_predict(TrailingMeanGaussian(window=10), X, y, cv=cv, refit_every=15)
    starts = np.arange(180, 300, 15)
    rows = []
    for start in starts:
        stop = min(start + 15, 300)
        model = TrailingMeanGaussian(window=10).fit(X.iloc[:start], y.iloc[:start])
        dist = model.predict_dist(X.iloc[start:stop])  # carried history, no refit between
        rows.append(pd.DataFrame({"mean": dist.mean(), "var_95": dist.ppf(0.95)}))
    expected = pd.concat(rows, ignore_index=True)
    np.testing.assert_allclose(out["mean"], expected["mean"], rtol=1e-12)
    np.testing.assert_allclose(out["var_95"], expected["var_95"], rtol=1e-12)
    np.testing.assert_array_equal(out["fold"], np.repeat([0, 1, 2], 40))
    # the default refits once per fold, and differs
    per_fold = walk_forward_predict(TrailingMeanGaussian(window=10), X, y, cv=cv)
    assert not np.allclose(per_fold["mean"], out["mean"])


def test_refit_every_can_refit_less_often_than_the_folds(data):
    """Daily folds (sktime fh=1, step 1) refitted every 25 days: 4 fits for 100 folds."""
    X, y = data
    cv = ExpandingWindowSplitter(fh=1, initial_window=200, step_length=1)
    out = walk_forward_predict(TrailingMeanGaussian(window=10), X, y, cv=cv, refit_every=25)
    assert out["fold"].nunique() == 100 and out.index.equals(X.index[200:])
    expected = _manual_refits(
        lambda: TrailingMeanGaussian(window=10),
        X,
        y,
        starts=[200, 225, 250, 275],
        stops=[225, 250, 275, 300],
        train_ends=[200, 225, 250, 275],
    )
    np.testing.assert_allclose(out["mean"], expected, rtol=1e-12)


def test_refit_every_with_a_gap_trains_up_to_the_gap(data):
    """With gap=5, a refit on test row p trains on rows < p - 5 and predicts from there."""
    X, y = data
    cv = TimeSeriesSplit(2, test_size=60, gap=5)  # test rows 180..239, 240..299
    out = walk_forward_predict(TrailingMeanGaussian(window=10), X, y, cv=cv, refit_every=30)
    starts = [180, 210, 240, 270]
    expected = _manual_refits(
        lambda: TrailingMeanGaussian(window=10),
        X,
        y,
        starts=starts,
        stops=[s + 30 for s in starts],
        train_ends=[s - 5 for s in starts],
    )
    np.testing.assert_allclose(out["mean"], expected, rtol=1e-12)
    assert out.index.equals(X.index[180:])


@pytest.mark.parametrize("t", [190, 233, 281])
def test_refit_every_and_recalibration_have_no_look_ahead(data, t):
    X, y = data
    cv = TimeSeriesSplit(4, test_size=30)
    kwargs = dict(cv=cv, levels=(0.95, 0.99), refit_every=7, recalibrate=QuantileTracker(0.05))
    base = walk_forward_predict(TrailingMeanGaussian(window=7), X, y, **kwargs)
    rng = np.random.default_rng(t)
    X2, y2 = X.copy(), y.copy()
    X2.iloc[t + 1 :] += rng.normal(scale=5.0, size=X2.iloc[t + 1 :].shape)
    y2.iloc[t + 1 :] += rng.normal(scale=5.0, size=len(y2) - t - 1)
    moved = walk_forward_predict(TrailingMeanGaussian(window=7), X2, y2, **kwargs)
    cut = X.index[t]
    assert {"var_99_recal", "adjust_99"} <= set(base.columns)
    pd.testing.assert_frame_equal(base.loc[:cut], moved.loc[:cut])
    assert not base.loc[cut:].iloc[1:].equals(moved.loc[cut:].iloc[1:])


class WarmGaussian(RegressorMixin, BaseEstimator):
    """Gradient steps on least squares from zero, or from the previous fit with warm_start."""

    def __init__(self, n_steps=3, warm_start=False):
        self.n_steps = n_steps
        self.warm_start = warm_start

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64, reset=not hasattr(self, "coef_"))
        design = np.column_stack([np.ones(len(X)), X])
        coef = self.coef_ if self.warm_start and hasattr(self, "coef_") else np.zeros(2)
        for _ in range(self.n_steps):
            coef = coef - 0.5 * design.T @ (design @ coef - y) / len(y)
        self.coef_ = coef
        self.sigma_ = float(np.std(y - design @ coef))
        return self

    def predict(self, X):
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return np.column_stack([np.ones(len(X)), X]) @ self.coef_

    def predict_dist(self, X):
        return stats.norm(self.predict(X), self.sigma_)


def test_warm_start_continues_from_the_previous_fit(data):
    X, y = data
    X = X[["x"]]
    cv = TimeSeriesSplit(3, test_size=40)
    out = walk_forward_predict(WarmGaussian(), X, y, cv=cv, refit_every=20, warm_start=True)
    model = WarmGaussian(warm_start=True)
    expected = []
    for start in range(180, 300, 20):
        model.fit(X.iloc[:start], y.iloc[:start])
        expected.append(model.predict(X.iloc[start : start + 20]))
    np.testing.assert_allclose(out["mean"], np.concatenate(expected), rtol=1e-12)
    cold = walk_forward_predict(WarmGaussian(), X, y, cv=cv, refit_every=20)
    assert not np.allclose(cold["mean"], out["mean"])
    # inside a Pipeline the step's parameter is set (model__warm_start)
    pipe = Pipeline([("scale", StandardScaler()), ("model", WarmGaussian())])
    piped = walk_forward_predict(pipe, X, y, cv=cv, refit_every=20, warm_start=True)
    cold_pipe = walk_forward_predict(pipe, X, y, cv=cv, refit_every=20)
    assert not np.allclose(piped["mean"], cold_pipe["mean"])


def test_refit_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="refit_every must be >= 1"):
        walk_forward_predict(GaussianLinear(), X, y, refit_every=0)
    with pytest.raises(TypeError, match="refit_every must be None or an int"):
        walk_forward_predict(GaussianLinear(), X, y, refit_every=2.5)
    with pytest.raises(TypeError, match="refit_every must be None or an int"):
        walk_forward_predict(GaussianLinear(), X, y, refit_every=True)
    overlapping = SlidingWindowSplitter(fh=np.arange(1, 31), window_length=120, step_length=10)
    with pytest.raises(ValueError, match="refit_every needs consecutive test blocks"):
        walk_forward_predict(GaussianLinear(), X, y, cv=overlapping, refit_every=5)
    with pytest.raises(ValueError, match="recurrent models .* do not support warm start"):
        walk_forward_predict(TrailingMeanGaussian(), X, y, warm_start=True)
    with pytest.raises(TypeError, match="warm_start must be a bool"):
        walk_forward_predict(GaussianLinear(), X, y, warm_start=1)


def test_folds_too_short_for_the_model_are_refused():
    """HAR on a 10-row fold drops its weekly and monthly windows: the backtest must not use it."""
    rng = np.random.default_rng(3)
    days = pd.bdate_range("2016-01-01", periods=60, name="date")
    rv = pd.DataFrame({"rv": np.exp(rng.normal(-9, 0.4, 60))}, index=days)
    y = pd.Series(np.log(rv["rv"].shift(-1).ffill()), index=days)
    with pytest.raises(ValueError, match=r"rows 0\.\.9 \(10 rows\) is too short for HARRegressor"):
        walk_forward_predict(HARRegressor(log=True), rv, y, cv=TimeSeriesSplit(5))
    with pytest.raises(ValueError, match=r"\(2 rows\) is too short"):
        walk_forward_predict(
            HARRegressor(log=True), rv, y, cv=TimeSeriesSplit(5, max_train_size=2, test_size=5)
        )
    out = walk_forward_predict(HARRegressor(log=True), rv, y, cv=TimeSeriesSplit(2, test_size=10))
    assert len(out) == 20
