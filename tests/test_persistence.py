"""Persistence: joblib and pickle round trips, skorch's save_params/load_params, devices.

Every round trip is checked by predictions: the loaded object must give bit-identical
forecast distributions, including on rows that continue after the fitted ones (so the
carried history travels with the model).
"""

from __future__ import annotations

import inspect
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.pipeline import Pipeline, make_union

import skvol
from skvol.data import simulate_market
from skvol.evaluation import VaRBacktestScorer
from skvol.features import BipowerVariation, RealizedVariance, next_day_target
from skvol.models import HARRegressor, ProbabilisticLSTMRegressor

N_TRAIN = 120
LSTM = {"lookback": 5, "hidden_size": 8, "max_epochs": 4, "patience": None, "random_state": 0}


@pytest.fixture(scope="module")
def market():
    """A simulated S&P-like asset: panel rows, next-day log(1 + RV) target, train/test split."""
    panel = simulate_market(n_days=170, assets=("SPX",), freq="10min", seed=11).panel("10min")
    y = next_day_target(panel, "SPX", scale=100.0).dropna()
    X = panel.loc[y.index]
    return X.iloc[:N_TRAIN], y.iloc[:N_TRAIN], X.iloc[N_TRAIN:], y.iloc[N_TRAIN:]


def pipeline(model) -> Pipeline:
    features = make_union(RealizedVariance(), BipowerVariation())
    return Pipeline([("features", features), ("model", model)]).set_output(transform="pandas")


def forecast(pipe, X) -> dict[str, np.ndarray]:
    """The parameters of the forecast distribution of every row of X (mean, std, 95% VaR)."""
    dist = pipe[-1].predict_dist(pipe[:-1].transform(X))
    return {"mean": dist.mean(), "std": dist.std(), "var95": dist.ppf(0.95)}


def assert_same_forecasts(a: dict, b: dict, rtol: float = 0.0) -> None:
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=rtol, atol=0.0, err_msg=key)


@pytest.mark.parametrize(
    "model",
    [HARRegressor(log=True, distribution="student_t"), ProbabilisticLSTMRegressor(**LSTM)],
    ids=["har", "lstm"],
)
def test_joblib_round_trip_of_a_fitted_pipeline_gives_identical_forecasts(market, model, tmp_path):
    X_train, y_train, X_test, _ = market
    fitted = pipeline(model).fit(X_train, y_train)
    before = forecast(fitted, X_test)
    path = tmp_path / "pipeline.joblib"
    joblib.dump(fitted, path)
    loaded = joblib.load(path)
    assert_same_forecasts(before, forecast(loaded, X_test))
    # the test rows continue after the fitted ones: the carried history came along, so
    # forecasting them alone equals forecasting the whole series and keeping them, to
    # float32 precision: torch's batched matmuls round differently for other batch shapes
    whole = forecast(loaded, pd.concat([X_train, X_test]))
    assert_same_forecasts(before, {k: v[N_TRAIN:] for k, v in whole.items()}, rtol=1e-6)


def test_skorch_save_params_and_load_params_restore_the_network(market, tmp_path):
    X_train, y_train, X_test, _ = market
    fitted = pipeline(ProbabilisticLSTMRegressor(**LSTM)).fit(X_train, y_train)
    weights = tmp_path / "lstm.pt"
    fitted[-1].net_.save_params(f_params=weights)

    # rebuild the estimator around the network (standardisation, carried history) with a
    # one-epoch fit on the same training rows, then load the trained weights into it
    rebuilt = clone(fitted).set_params(model__max_epochs=1, model__random_state=1)
    rebuilt.fit(X_train, y_train)
    assert not np.allclose(forecast(rebuilt, X_test)["mean"], forecast(fitted, X_test)["mean"])
    rebuilt[-1].net_.load_params(f_params=weights)
    assert_same_forecasts(forecast(fitted, X_test), forecast(rebuilt, X_test))


def test_every_public_estimator_and_the_scorer_pickle(market):
    X_train, y_train, X_test, y_test = market
    for name in skvol.__all__:
        obj = getattr(skvol, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            copy = pickle.loads(pickle.dumps(obj()))
            assert type(copy) is obj and copy.get_params() == obj().get_params(), name

    scorer = VaRBacktestScorer(level=0.99, metric="kupiec_pvalue")
    copy = pickle.loads(pickle.dumps(scorer))
    fitted = pipeline(HARRegressor(log=True)).fit(X_train, y_train)
    assert copy(fitted, X_test, y_test) == scorer(fitted, X_test, y_test)
    assert repr(copy) == repr(scorer)


def test_the_sktime_adapter_pickles_with_its_history():
    pytest.importorskip("sktime")
    from skvol.sktime import VolatilityForecaster

    rng = np.random.default_rng(2)
    y = pd.Series(
        -9 + rng.standard_normal(120).cumsum() * 0.05 + 0.3 * rng.standard_normal(120),
        index=pd.bdate_range("2016-01-04", periods=120),
        name="log_rv",
    )
    forecaster = VolatilityForecaster(HARRegressor(log=False)).fit(y.iloc[:100], fh=[1, 2])
    copy = pickle.loads(pickle.dumps(forecaster))
    pd.testing.assert_frame_equal(copy.predict_interval(), forecaster.predict_interval())
    copy.update(y.iloc[100:], update_params=False)
    forecaster.update(y.iloc[100:], update_params=False)
    pd.testing.assert_series_equal(copy.predict(), forecaster.predict())


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is present")
def test_cuda_without_a_gpu_is_a_clear_error_also_through_a_loaded_pipeline(market, tmp_path):
    X_train, y_train, _, _ = market
    path = tmp_path / "pipeline.joblib"
    joblib.dump(pipeline(ProbabilisticLSTMRegressor(**LSTM)).fit(X_train, y_train), path)
    loaded = joblib.load(path).set_params(model__device="cuda")
    with pytest.raises(ValueError, match="device='cuda'.*no CUDA GPU"):
        loaded.fit(X_train, y_train)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_trains_on_the_gpu_and_a_loaded_copy_predicts_the_same(market, tmp_path):
    X_train, y_train, X_test, _ = market
    fitted = pipeline(ProbabilisticLSTMRegressor(**LSTM, device="cuda")).fit(X_train, y_train)
    assert next(fitted[-1].net_.module_.parameters()).is_cuda
    path = tmp_path / "pipeline.joblib"
    joblib.dump(fitted, path)
    assert_same_forecasts(forecast(fitted, X_test), forecast(joblib.load(path), X_test))
