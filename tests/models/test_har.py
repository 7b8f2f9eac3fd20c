"""HARRegressor against hand-built OLS, carried history and its documented edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from skvol.models import HARRegressor


def _simulated_rv(n: int, seed: int = 0, t_df: float | None = None) -> np.ndarray:
    """Daily realized variance from a HAR-log recursion (Corsi 2009 style dynamics)."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_t(t_df, size=n + 100) if t_df else rng.normal(size=n + 100)
    log_rv = np.full(n + 100, -9.0)
    for t in range(22, n + 100):
        log_rv[t] = (
            -9.0 * 0.05
            + 0.35 * log_rv[t - 1]
            + 0.35 * log_rv[t - 5 : t].mean()
            + 0.25 * log_rv[t - 22 : t].mean()
            + 0.3 * noise[t]
        )
    return np.exp(log_rv[100:])


def _reference_design(x: np.ndarray, windows=(1, 5, 22)) -> np.ndarray:
    """HAR regressors with full windows, built row by row (independent of the package)."""
    first = max(windows) - 1
    rows = []
    for t in range(first, len(x)):
        rows.append([1.0] + [x[t - w + 1 : t + 1].mean() for w in windows])
    return np.array(rows)


def test_reproduces_independent_ols_on_rv_series():
    rv = _simulated_rv(600)
    X, y = rv[:-1, None], rv[1:]
    har = HARRegressor(log=False).fit(X, y)
    design = _reference_design(rv[:-1])
    beta, *_ = np.linalg.lstsq(design, y[21:], rcond=None)
    np.testing.assert_allclose(har.intercept_, beta[0], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(har.coef_, beta[1:], rtol=1e-8)
    assert har.n_fit_rows_ == len(y) - 21
    residuals = y[21:] - design @ beta
    expected_scale = np.sqrt(residuals @ residuals / (len(residuals) - 4))
    assert har.scale_ == pytest.approx(expected_scale, rel=1e-8)
    np.testing.assert_allclose(har.predict(X)[21:], design @ beta, rtol=1e-10)


def test_log_har_regresses_on_log_averages_and_lays_out_coef_per_column():
    rv = _simulated_rv(400, seed=1)
    other = _simulated_rv(400, seed=2)
    X = pd.DataFrame({"a__rv": rv[:-1], "b__rv": other[:-1]})
    y = np.log(rv[1:])
    har = HARRegressor(windows=(1, 5), log=True).fit(X, y)
    la, lb = np.log(rv[:-1]), np.log(other[:-1])
    rows = [
        [1.0, la[t], la[t - 4 : t + 1].mean(), lb[t], lb[t - 4 : t + 1].mean()]
        for t in range(4, len(y))
    ]
    beta, *_ = np.linalg.lstsq(np.array(rows), y[4:], rcond=None)
    np.testing.assert_allclose(har.coef_, beta[1:], rtol=1e-8)
    assert list(har.regressor_names_) == ["a__rv__w1", "a__rv__w5", "b__rv__w1", "b__rv__w5"]


def test_walk_forward_predictions_equal_full_history():
    rv = _simulated_rv(300, seed=3)
    dates = pd.bdate_range("2010-01-04", periods=299)
    X = pd.DataFrame({"rv": rv[:-1]}, index=dates)
    y = pd.Series(np.log(rv[1:]), index=dates)
    har = HARRegressor(log=True).fit(X.iloc[:200], y.iloc[:200])
    np.testing.assert_allclose(har.predict(X.iloc[200:]), har.predict(X)[200:], rtol=1e-12)
    dist = har.predict_dist(X.iloc[200:])
    np.testing.assert_allclose(dist.mean(), har.predict(X)[200:], rtol=1e-12)
    # a standalone ndarray has no dates: its first rows use partial windows
    with pytest.warns(UserWarning, match="feature names"):
        standalone = har.predict(X.iloc[200:].to_numpy())
    assert not np.allclose(standalone[:21], har.predict(X)[200:221])
    np.testing.assert_allclose(standalone[21:], har.predict(X)[221:], rtol=1e-12)


def test_partial_windows_at_predict_are_expanding_means():
    x = np.arange(1.0, 8.0)[:, None]
    har = HARRegressor(windows=(1, 3), log=False).fit(x, 2 * x[:, 0] + 1)
    har.intercept_, har.coef_ = 0.0, np.array([0.0, 1.0])
    np.testing.assert_allclose(har.predict(x), [1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0])


def test_short_input_falls_back_to_partial_windows_with_warning():
    rv = _simulated_rv(25, seed=4)
    with pytest.warns(UserWarning, match="partial"):
        har = HARRegressor(log=False).fit(rv[:-1, None], rv[1:])
    assert har.n_fit_rows_ == 24
    assert np.isfinite(har.predict(rv[:-1, None])).all()


def test_log_requires_positive_inputs_naming_column():
    X = pd.DataFrame({"BTC__rv": [1e-4, 2e-4, 3e-4, 1e-4], "SPX__rv": [1e-4, 0.0, 1e-4, 2e-4]})
    with pytest.raises(ValueError, match=r"'SPX__rv' has 0.0 at row 1"):
        HARRegressor(windows=(1, 2), log=True).fit(X, np.zeros(4))
    with pytest.raises(ValueError, match="Negative values in data"):
        HARRegressor(windows=(1, 2), log=True).fit(-X.abs() - 1, np.zeros(4))


@pytest.mark.parametrize("windows", [(), (5, 1), (1, 1), (0, 5), (1.5, 3)])
def test_bad_windows_name_the_parameter(windows):
    with pytest.raises(ValueError, match="windows"):
        HARRegressor(windows=windows).fit(np.ones((40, 1)), np.ones(40))


def test_student_t_residuals_match_scipy_mle():
    rv = _simulated_rv(2000, seed=5, t_df=4.0)
    X, y = rv[:-1, None], np.log(rv[1:])
    har = HARRegressor(log=True, distribution="student_t").fit(X, y)
    residuals = y[21:] - har.predict(X)[21:]
    df, _, scale = stats.t.fit(residuals, floc=0)
    assert har.df_ == pytest.approx(df, rel=1e-3)
    assert har.scale_ == pytest.approx(scale, rel=1e-3)
    assert 3.0 < har.df_ < 6.0  # the log-RV noise is t(4)
    dist = har.predict_dist(X)
    assert dist.ppf(0.01).shape == (len(y),)
    np.testing.assert_allclose(dist.args[0], har.df_)


def test_prediction_interval_coverage_out_of_sample():
    rv = _simulated_rv(2000, seed=6)
    X, y = rv[:-1, None], np.log(rv[1:])
    har = HARRegressor(log=True).fit(X[:1000], y[:1000])
    low, high = har.predict_dist(X).interval(0.95)
    inside = (y[1000:] >= low[1000:]) & (y[1000:] <= high[1000:])
    assert 0.93 < inside.mean() < 0.97
