"""EWMARegressor and GARCHRegressor against arch's own fits and forecasts."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from skvol.models import EWMARegressor, GARCHRegressor

arch = pytest.importorskip("arch")
from arch import arch_model  # noqa: E402


def _gjr_returns(n: int, seed: int = 0) -> np.ndarray:
    """Daily decimal returns from a GJR-GARCH(1,1,1) with t(6) innovations."""
    rng = np.random.default_rng(seed)
    z = rng.standard_t(6, size=n) / np.sqrt(6 / 4)
    r = np.empty(n)
    s2 = 1e-4
    for t in range(n):
        r[t] = 2e-4 + np.sqrt(s2) * z[t]
        e = r[t] - 2e-4
        s2 = 2e-6 + (0.05 + 0.1 * (e < 0)) * e**2 + 0.88 * s2
    return r


def _frame(r: np.ndarray) -> pd.DataFrame:
    dates = pd.bdate_range("2006-01-02", periods=len(r))
    rv = r**2 * 1.3
    return pd.DataFrame({"SPX__rv": rv, "SPX__ret": r}, index=dates)


ARCH_SPEC = {
    "garch": dict(vol="GARCH", p=1, o=0, q=1),
    "gjr": dict(vol="GARCH", p=1, o=1, q=1),
    "egarch": dict(vol="EGARCH", p=1, o=1, q=1),
}


@pytest.mark.parametrize("kind", ["garch", "gjr", "egarch"])
@pytest.mark.parametrize("distribution", ["normal", "student_t"])
def test_parameters_and_forecasts_equal_arch(kind, distribution):
    r = _gjr_returns(1500, seed=1)
    frame = _frame(r)
    model = GARCHRegressor(kind=kind, distribution=distribution).fit(frame.iloc[:-1], r[1:])
    reference = arch_model(
        100 * r[:-1],
        mean="Constant",
        dist="t" if distribution == "student_t" else "normal",
        rescale=False,
        **ARCH_SPEC[kind],
    ).fit(disp="off")
    np.testing.assert_allclose(model.params_, reference.params, rtol=1e-6)
    assert list(model.params_.index) == list(reference.params.index)
    forecast = reference.forecast(horizon=1, start=0, reindex=False)
    np.testing.assert_allclose(
        model.predict_variance(frame.iloc[:-1]),
        forecast.variance.to_numpy()[:, 0] / 1e4,
        rtol=1e-10,
    )
    np.testing.assert_allclose(model.predict(frame.iloc[:-1]), forecast.mean.to_numpy()[:, 0] / 100)
    dist = model.predict_dist(frame.iloc[:-1])
    np.testing.assert_allclose(dist.var(), forecast.variance.to_numpy()[:, 0] / 1e4, rtol=1e-10)
    if distribution == "student_t":
        nu = reference.params["nu"]
        # arch's standardised t: a unit-variance t scaled by sigma
        q = stats.t.ppf(0.01, nu) * np.sqrt((nu - 2) / nu)
        sigma = np.sqrt(forecast.variance.to_numpy()[:, 0]) / 100
        np.testing.assert_allclose(dist.ppf(0.01), forecast.mean.to_numpy()[:, 0] / 100 + q * sigma)


def test_zero_mean_and_arch_forecast_beyond_the_fit():
    r = _gjr_returns(1200, seed=2)
    model = GARCHRegressor(mean="zero").fit(r[:800, None])
    reference = arch_model(100 * r[:800], mean="Zero", vol="GARCH", p=1, q=1, rescale=False)
    fitted = reference.fit(disp="off")
    np.testing.assert_allclose(model.params_, fitted.params, rtol=1e-6)
    # filtering the whole series with the fitted parameters: arch's fix + forecast
    full = arch_model(100 * r, mean="Zero", vol="GARCH", p=1, q=1, rescale=False).fix(fitted.params)
    expected = full.forecast(horizon=1, start=0, reindex=False).variance.to_numpy()[:, 0] / 1e4
    dates = pd.bdate_range("2001-01-01", periods=len(r))
    X = pd.DataFrame({"ret": r}, index=dates)
    model = GARCHRegressor(mean="zero").fit(X.iloc[:800])
    np.testing.assert_allclose(model.predict_variance(X), expected, rtol=1e-10)
    np.testing.assert_allclose(model.predict(X), 0.0)


def test_ewma_is_riskmetrics_recursion_from_arch_backcast():
    r = _gjr_returns(600, seed=3)
    model = EWMARegressor().fit(r[:, None])
    assert model.params_.empty
    variance = model.predict_variance(r[:, None])
    # RiskMetrics by hand from the same starting value
    s2 = model.backcast_ / 1e4
    expected = np.empty(len(r))
    for t in range(len(r)):
        s2_t = s2 if t == 0 else expected[t - 1]
        expected[t] = 0.94 * s2_t + 0.06 * r[t] ** 2
    np.testing.assert_allclose(variance, expected, rtol=1e-10)
    tau = 75
    w = 0.94 ** np.arange(tau)
    assert model.backcast_ == pytest.approx(np.sum(w * (100 * r[:tau]) ** 2) / w.sum(), rel=1e-12)
    ref = arch.univariate.ZeroMean(
        100 * r, volatility=arch.univariate.EWMAVariance(0.94), rescale=False
    ).fit(disp="off")
    arch_var = ref.forecast(horizon=1, start=0, reindex=False).variance.to_numpy()[:, 0] / 1e4
    np.testing.assert_allclose(variance, arch_var, rtol=1e-10)
    np.testing.assert_allclose(model.predict_dist(r[:, None]).std(), np.sqrt(variance))
    lam = EWMARegressor(lam=0.97).fit(r[:, None]).predict_variance(r[:, None])
    assert not np.allclose(lam, variance)


@pytest.mark.parametrize(
    "model", [EWMARegressor(), GARCHRegressor(kind="gjr", distribution="student_t")]
)
def test_fold_equals_full_history_and_undated_block_stands_alone(model):
    r = _gjr_returns(900, seed=4)
    frame = _frame(r)
    fitted = model.fit(frame.iloc[:600], r[1:601])
    full = fitted.predict_variance(frame)
    np.testing.assert_allclose(fitted.predict_variance(frame.iloc[600:]), full[600:], rtol=1e-12)
    np.testing.assert_allclose(
        fitted.predict_dist(frame.iloc[600:]).ppf(0.01), fitted.predict_dist(frame).ppf(0.01)[600:]
    )
    # an undated block starts from the fit's backcast and reads no later rows
    block = frame.iloc[600:].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # no feature names
        alone = fitted.predict_variance(block)
        perturbed = block.copy()
        perturbed[30:, 1] *= 5.0
        after = fitted.predict_variance(perturbed)
    np.testing.assert_array_equal(alone[:30], after[:30])
    assert not np.allclose(alone[30:], after[30:])
    assert not np.allclose(alone[:10], full[600:610])


def test_return_column_is_found_by_name():
    r = _gjr_returns(400, seed=5)
    frame = _frame(r)
    by_name = GARCHRegressor().fit(frame).params_
    direct = GARCHRegressor().fit(r[:, None]).params_
    np.testing.assert_allclose(by_name, direct, rtol=1e-12)
    two = frame.assign(BTC__ret=r[::-1])
    with pytest.raises(ValueError, match="models one asset's returns"):
        GARCHRegressor().fit(two)


def test_too_few_returns_are_refused():
    with pytest.raises(ValueError, match=r"needs at least 6 daily returns; got n_samples=1"):
        GARCHRegressor().fit(np.array([[0.01]]), [0.0])
    with pytest.raises(ValueError, match="n_samples=1"):
        EWMARegressor().fit(np.array([[0.01]]))


@pytest.mark.parametrize("model", [EWMARegressor(), GARCHRegressor()])
def test_check_estimator_at_defaults(model):
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(model, on_fail=None, on_skip=None)
    bad = [
        (r["check_name"], r["status"])
        for r in results
        if r["status"] == "failed"
        or (r["status"] == "skipped" and r["check_name"] != "check_array_api_input")
    ]
    assert not bad
