"""skvol.make_pipeline: a Pipeline that also forecasts distributions, quantiles and intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

import skvol


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    days = pd.bdate_range("2015-01-01", periods=300, name="date")
    log_rv = -9 + np.convolve(rng.normal(0, 0.3, 320), np.ones(20) / 4, "valid")[:300]
    X = pd.DataFrame({"SPX__rv": np.exp(log_rv)}, index=days)
    y = pd.Series(np.roll(log_rv, -1) + 9.21, index=days).iloc[:-1]
    return X.iloc[:-1], y


def test_pipeline_forecasts_the_final_steps_distribution(data):
    X, y = data
    pipe = skvol.make_pipeline(
        FunctionTransformer(np.log, feature_names_out="one-to-one"), skvol.HARRegressor()
    ).set_output(transform="pandas")
    assert isinstance(pipe, Pipeline) and list(pipe.named_steps) == [
        "functiontransformer",
        "harregressor",
    ]
    pipe.fit(X, y)
    direct = pipe[-1].predict_dist(pipe[:-1].transform(X))
    dist = pipe.predict_dist(X)
    np.testing.assert_allclose(dist.mean(), direct.mean())
    np.testing.assert_allclose(dist.std(), direct.std())
    quantiles = pipe.predict_quantiles(X, [0.05, 0.5, 0.95])
    assert quantiles.index.equals(X.index) and list(quantiles.columns) == [0.05, 0.5, 0.95]
    np.testing.assert_allclose(quantiles[0.95], direct.ppf(0.95))
    intervals = pipe.predict_interval(X, coverage=[0.9])
    np.testing.assert_allclose(intervals[(0.9, "lower")], direct.ppf(0.05))
    np.testing.assert_allclose(intervals[(0.9, "upper")], direct.ppf(0.95))
    np.testing.assert_allclose(pipe.predict(X), direct.mean())


def test_point_pipelines_have_no_distribution_methods(data):
    X, y = data
    pipe = skvol.make_pipeline(LinearRegression()).fit(X, y)
    for method in ("predict_dist", "predict_quantiles", "predict_interval"):
        assert not hasattr(pipe, method)
    assert pipe.predict(X).shape == (len(X),)


def test_pipeline_works_in_grid_search_and_walk_forward(data):
    X, y = data
    pipe = skvol.make_pipeline(skvol.HARRegressor(log=True))
    search = GridSearchCV(
        pipe,
        {"harregressor__distribution": ["normal", "student_t"]},
        cv=TimeSeriesSplit(3),
        scoring=skvol.VaRBacktestScorer(0.95),
    ).fit(X, y)
    assert isinstance(search.best_estimator_, type(pipe))
    out = skvol.walk_forward_predict(pipe, X, y, cv=3, levels=(0.95,))
    plain = skvol.walk_forward_predict(
        Pipeline([("har", skvol.HARRegressor(log=True))]), X, y, cv=3, levels=(0.95,)
    )
    pd.testing.assert_frame_equal(out, plain)
