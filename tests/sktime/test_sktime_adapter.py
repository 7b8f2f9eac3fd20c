"""VolatilityForecaster: forecasts recomputed by hand, horizons, exogenous data, update.

The regressor here is the least-squares reference of ``_sktime_reference.py``, so every
forecast of the direct strategy can be recomputed independently with ``np.linalg.lstsq``
and ``scipy.stats``.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from _sktime_reference import GaussianLeastSquares
from scipy import stats
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

import skvol
from skvol.models import ProbabilisticLSTMRegressor
from skvol.sktime import VolatilityForecaster


def ar1_series(n: int = 120, seed: int = 0, name: str | None = "log_rv") -> pd.Series:
    """An AR(1) around -9 (a plausible daily log RV), daily DatetimeIndex."""
    rng = np.random.default_rng(seed)
    values = np.empty(n)
    values[0] = -9.0
    for t in range(1, n):
        values[t] = -9.0 + 0.7 * (values[t - 1] + 9.0) + 0.5 * rng.standard_normal()
    return pd.Series(values, index=pd.date_range("2015-01-05", periods=n, freq="D"), name=name)


def direct_ols(design: np.ndarray, y: np.ndarray, h: int) -> tuple[float, float]:
    """Reference direct forecast: OLS of y[t + h] on [1, design[t]], at the last row."""
    n = len(y)
    A = np.column_stack([np.ones(n - h), design[: n - h]])
    coef = np.linalg.lstsq(A, y[h:], rcond=None)[0]
    resid = y[h:] - A @ coef
    loc = float(np.concatenate([[1.0], design[-1]]) @ coef)
    return loc, float(np.sqrt(np.mean(resid**2)))


def test_forecasts_equal_direct_least_squares_by_hand():
    y = ar1_series()
    forecaster = VolatilityForecaster(GaussianLeastSquares()).fit(y, fh=[1, 3])
    expected = [direct_ols(y.to_numpy()[:, None], y.to_numpy(), h) for h in (1, 3)]
    loc = np.array([e[0] for e in expected])
    scale = np.array([e[1] for e in expected])
    index = pd.DatetimeIndex([y.index[-1] + pd.Timedelta(days=h) for h in (1, 3)])

    mean = forecaster.predict()
    np.testing.assert_allclose(mean.to_numpy(), loc, rtol=1e-12)
    assert mean.index.equals(index) and mean.name == "log_rv"

    quantiles = forecaster.predict_quantiles(alpha=[0.05, 0.5, 0.99])
    expected_q = stats.norm.ppf(np.array([0.05, 0.5, 0.99])[None, :], loc[:, None], scale[:, None])
    np.testing.assert_allclose(quantiles.to_numpy(), expected_q, rtol=1e-12)
    assert list(quantiles.columns) == [("log_rv", 0.05), ("log_rv", 0.5), ("log_rv", 0.99)]

    interval = forecaster.predict_interval(coverage=0.9)
    np.testing.assert_allclose(interval.iloc[:, 0], loc - stats.norm.ppf(0.95) * scale)
    np.testing.assert_allclose(interval.iloc[:, 1], loc + stats.norm.ppf(0.95) * scale)

    np.testing.assert_allclose(forecaster.predict_var().to_numpy()[:, 0], scale**2, rtol=1e-12)

    proba = forecaster.predict_proba()
    np.testing.assert_allclose(proba.mean().to_numpy()[:, 0], loc, rtol=1e-12)
    np.testing.assert_allclose(proba.var().to_numpy()[:, 0], scale**2, rtol=1e-12)
    assert sorted(forecaster.estimators_) == [1, 3]


def test_student_t_quantiles_keep_the_fat_tails():
    y = ar1_series()
    forecaster = VolatilityForecaster(GaussianLeastSquares(df=3.0)).fit(y, fh=1)
    loc, scale = direct_ols(y.to_numpy()[:, None], y.to_numpy(), 1)
    q = forecaster.predict_quantiles(alpha=[0.01, 0.99]).to_numpy()[0]
    np.testing.assert_allclose(q, stats.t.ppf([0.01, 0.99], 3.0, loc, scale), rtol=1e-12)
    # a Normal with the same scale would put the 99% quantile much closer to the centre
    assert q[1] - loc > 1.3 * (stats.norm.ppf(0.99) * scale)
    np.testing.assert_allclose(forecaster.predict_var().iloc[0, 0], scale**2 * 3.0, rtol=1e-12)


def test_student_t_predict_proba_without_skpro_says_what_to_install():
    try:
        import skpro  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("skpro is installed: the Student-t distribution is returned instead")
    forecaster = VolatilityForecaster(GaussianLeastSquares(df=4.0)).fit(ar1_series(), fh=1)
    with pytest.raises(ImportError, match="skpro"):
        forecaster.predict_proba()


def test_student_t_predict_proba_with_skpro():
    pytest.importorskip("skpro")
    y = ar1_series()
    forecaster = VolatilityForecaster(GaussianLeastSquares(df=4.0)).fit(y, fh=1)
    loc, scale = direct_ols(y.to_numpy()[:, None], y.to_numpy(), 1)
    dist = forecaster.predict_proba()
    probe = pd.DataFrame([[loc + scale]], index=dist.index, columns=dist.columns)
    np.testing.assert_allclose(dist.cdf(probe).iloc[0, 0], stats.t.cdf(1.0, 4.0), rtol=1e-6)


def test_exogenous_columns_enter_the_design_and_must_cover_y():
    y = ar1_series()
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"spx_rv": rng.standard_normal(len(y))}, index=y.index)
    forecaster = VolatilityForecaster(GaussianLeastSquares()).fit(y, X=X, fh=[2])
    design = np.column_stack([y.to_numpy(), X.to_numpy()])
    loc, _ = direct_ols(design, y.to_numpy(), 2)
    np.testing.assert_allclose(forecaster.predict().iloc[0], loc, rtol=1e-12)
    assert list(forecaster.estimators_[2].feature_names_in_) == ["log_rv", "spx_rv"]

    with pytest.raises(ValueError, match="named 'log_rv'"):
        VolatilityForecaster(GaussianLeastSquares()).fit(
            y, X=X.rename(columns={"spx_rv": "log_rv"}), fh=1
        )


def test_features_are_fitted_on_the_training_rows_of_each_step():
    y = ar1_series()
    smooth = FunctionTransformer(lambda D: D.rolling(3, min_periods=1).mean())
    forecaster = VolatilityForecaster(GaussianLeastSquares(), features=smooth).fit(y, fh=[1, 2])
    smoothed = y.rolling(3, min_periods=1).mean().to_numpy()[:, None]
    expected = [direct_ols(smoothed, y.to_numpy(), h)[0] for h in (1, 2)]
    np.testing.assert_allclose(forecaster.predict().to_numpy(), expected, rtol=1e-12)
    assert forecaster.features_[1] is not smooth


def test_a_pipeline_ending_in_a_distributional_regressor_is_accepted():
    y = ar1_series()
    pipe = make_pipeline(StandardScaler(), GaussianLeastSquares())
    forecaster = VolatilityForecaster(pipe).fit(y, fh=[1, 2])
    # least squares is invariant to an affine rescaling of the regressors
    expected = [direct_ols(y.to_numpy()[:, None], y.to_numpy(), h) for h in (1, 2)]
    np.testing.assert_allclose(forecaster.predict().to_numpy(), [e[0] for e in expected])
    np.testing.assert_allclose(
        forecaster.predict_var().to_numpy()[:, 0], [e[1] ** 2 for e in expected]
    )


def test_update_without_refit_forecasts_from_the_new_cutoff_with_old_parameters():
    y = ar1_series(150)
    train, new = y.iloc[:120], y.iloc[120:]
    forecaster = VolatilityForecaster(GaussianLeastSquares()).fit(train, fh=1)
    coef = forecaster.estimators_[1].coef_.copy()
    forecaster.update(new, update_params=False)
    np.testing.assert_array_equal(forecaster.estimators_[1].coef_, coef)
    expected = coef[0] + coef[1] * y.iloc[-1]
    np.testing.assert_allclose(forecaster.predict().iloc[0], expected, rtol=1e-12)
    assert forecaster.predict().index[0] == y.index[-1] + pd.Timedelta(days=1)

    forecaster.update(y.iloc[-1:], update_params=True)  # refit on the whole history
    loc, _ = direct_ols(y.to_numpy()[:, None], y.to_numpy(), 1)
    np.testing.assert_allclose(forecaster.predict().iloc[0], loc, rtol=1e-12)


def test_update_must_keep_the_exogenous_data_consistent():
    y = ar1_series()
    X = pd.DataFrame({"x": np.arange(len(y), dtype=float)}, index=y.index)
    forecaster = VolatilityForecaster(GaussianLeastSquares()).fit(
        y.iloc[:100], X=X.iloc[:100], fh=1
    )
    with pytest.raises(ValueError, match="fitted with exogenous X"):
        forecaster.update(y.iloc[100:])


def test_bad_parameters_and_horizons_are_refused_clearly():
    y = ar1_series(40)
    with pytest.raises(TypeError, match="`predict_dist`"):
        VolatilityForecaster(LinearRegression()).fit(y, fh=1)
    with pytest.raises(TypeError, match="`features`"):
        VolatilityForecaster(GaussianLeastSquares(), features="rv").fit(y, fh=1)
    with pytest.raises(ValueError, match="too few for step 45"):
        VolatilityForecaster(GaussianLeastSquares()).fit(y, fh=[45])
    with pytest.raises(NotImplementedError, match="in-sample"):
        VolatilityForecaster(GaussianLeastSquares()).fit(y, fh=[-1, 1])


def test_no_other_skvol_module_imports_the_adapter():
    package = Path(skvol.__file__).parent
    offenders = []
    for path in package.rglob("*.py"):
        if path.parent.name == "sktime":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                names = [module] + [f"{module}.{alias.name}" for alias in node.names]
            else:
                continue
            if any(name.startswith("skvol.sktime") or name == ".sktime" for name in names):
                offenders.append(path.relative_to(package).as_posix())
    assert offenders == []


def test_missing_sktime_gives_an_import_error_that_says_how_to_install(monkeypatch):
    for name in [n for n in sys.modules if n.startswith("skvol.sktime")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sktime", None)
    with pytest.raises(ImportError, match="pip install sktime"):
        importlib.import_module("skvol.sktime")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is present")
def test_cuda_without_a_gpu_is_reported_through_the_adapter():
    model = ProbabilisticLSTMRegressor(lookback=3, hidden_size=4, max_epochs=1, device="cuda")
    with pytest.raises(ValueError, match="device='cuda'.*no CUDA GPU"):
        VolatilityForecaster(model).fit(ar1_series(60), fh=[1])


def test_a_student_t_lstm_forecast_is_the_last_row_of_its_own_distribution():
    y = ar1_series(80)
    model = ProbabilisticLSTMRegressor(
        distribution="student_t",
        lookback=5,
        hidden_size=4,
        max_epochs=2,
        patience=None,
        random_state=0,
    )
    forecaster = VolatilityForecaster(model).fit(y, fh=[1, 2])
    quantiles = forecaster.predict_quantiles(alpha=[0.05, 0.95]).to_numpy()
    for row, h in enumerate((1, 2)):
        dist = forecaster.estimators_[h].predict_dist(y.to_frame())
        assert dist.dist.name == "t"
        expected = dist.ppf(np.array([[0.05], [0.95]]))[:, -1]
        np.testing.assert_allclose(quantiles[row], expected, rtol=1e-12)
    # two different models, one per step
    assert forecaster.estimators_[1] is not forecaster.estimators_[2]
