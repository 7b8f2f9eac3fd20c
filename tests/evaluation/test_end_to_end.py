"""From the intraday panel to a VaR score: full Pipelines under cross_validate and GridSearchCV.

The panel of a small simulated market goes through a feature union (realized variance and
bipower variation) into ``HARRegressor`` or ``ProbabilisticLSTMRegressor``; the target is
tomorrow's ``log(1 + RV)`` in percent units. Scores are checked against a plain loop that
refits each fold by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate
from sklearn.pipeline import Pipeline, make_union

from skvol.data import simulate_market
from skvol.evaluation import VaRBacktestScorer, var_backtest, walk_forward_predict
from skvol.features import BipowerVariation, NextDayTarget, RealizedVariance, next_day_target
from skvol.models import HARRegressor, ProbabilisticLSTMRegressor

SCALE = 100.0


def _lstm():
    return ProbabilisticLSTMRegressor(
        lookback=5, hidden_size=4, max_epochs=3, batch_size=64, patience=None, random_state=0
    )


def _pipeline(model):
    features = make_union(RealizedVariance(), BipowerVariation())
    return Pipeline([("features", features), ("model", model)]).set_output(transform="pandas")


@pytest.fixture(scope="module")
def market_data():
    market = simulate_market(n_days=260, assets=("SPX",), freq="10min", seed=3)
    panel = market.panel(freq="10min")
    y = next_day_target(panel, "SPX", scale=SCALE).dropna()
    returns = next_day_target(panel, "SPX", measure="return", transform=None).dropna()
    return panel.loc[y.index], y, returns


def _manual_pinball(pipe, X, y, cv, level):
    scores = []
    for train, test in cv.split(X):
        fitted = clone(pipe).fit(X.iloc[train], y.iloc[train])
        dist = fitted[-1].predict_dist(fitted[:-1].transform(X.iloc[test]))
        q = dist.ppf(level)
        loss = [
            level * (yi - qi) if yi >= qi else (level - 1) * (yi - qi)
            for yi, qi in zip(y.iloc[test], q, strict=True)
        ]
        scores.append(-np.mean(loss))
    return np.array(scores)


def test_cross_validate_har_pipeline(market_data):
    X, y, _ = market_data
    cv = TimeSeriesSplit(5)
    pipe = _pipeline(HARRegressor(log=True))
    res = cross_validate(
        pipe,
        X,
        y,
        cv=cv,
        scoring={
            "pinball": VaRBacktestScorer(0.95),
            "kupiec": VaRBacktestScorer(0.95, "kupiec_pvalue"),
        },
    )
    np.testing.assert_allclose(
        res["test_pinball"], _manual_pinball(pipe, X, y, cv, 0.95), rtol=1e-10
    )
    assert np.all((res["test_kupiec"] >= 0) & (res["test_kupiec"] <= 1))


def test_cross_validate_probabilistic_lstm_pipeline(market_data):
    X, y, _ = market_data
    cv = TimeSeriesSplit(3)
    pipe = _pipeline(_lstm())
    res = cross_validate(pipe, X, y, cv=cv, scoring=VaRBacktestScorer(0.95))
    np.testing.assert_allclose(res["test_score"], _manual_pinball(pipe, X, y, cv, 0.95), rtol=1e-5)


def test_grid_search_two_jobs_over_both_models(market_data):
    X, y, _ = market_data
    cv = TimeSeriesSplit(3)
    grid = [
        {"model": [HARRegressor(log=True)], "model__distribution": ["normal", "student_t"]},
        {"model": [_lstm()]},
    ]
    search = GridSearchCV(
        _pipeline(HARRegressor(log=True)), grid, cv=cv, scoring=VaRBacktestScorer(0.95), n_jobs=2
    ).fit(X, y)
    results = search.cv_results_
    split_scores = np.column_stack([results[f"split{k}_test_score"] for k in range(3)])
    for i, params in enumerate(results["params"]):
        pipe = _pipeline(HARRegressor(log=True)).set_params(**params)
        manual = _manual_pinball(pipe, X, y, cv, 0.95)
        # HAR is OLS: exact; the LSTM ran in another process, float32 arithmetic
        np.testing.assert_allclose(split_scores[i], manual, rtol=1e-4)
    assert search.best_index_ == int(np.argmax(results["mean_test_score"]))
    assert callable(search.best_estimator_[-1].predict_dist)


def test_walk_forward_har_pipeline_volatility_and_return_var(market_data):
    X, y, returns = market_data
    pipe = _pipeline(HARRegressor(log=True))
    cv = TimeSeriesSplit(4, test_size=40)
    vol = walk_forward_predict(pipe, X, y, cv=cv, levels=(0.95, 0.99))
    assert len(vol) == 160 and vol.index.equals(X.index[-160:])
    res = var_backtest(vol["y_true"], vol["var_95"], 0.95)
    assert res.actual_breaches == int(vol["breach_95"].sum())
    ret = walk_forward_predict(
        pipe,
        X,
        y,
        cv=cv,
        kind="return",
        returns=returns,
        target=NextDayTarget("rv", "log1p", SCALE),
    )
    np.testing.assert_array_equal(ret["return"], returns.loc[ret.index])
    assert (ret["var_95"] < 0).all()
    # the return VaR of a day scales with the square root of its predicted variance
    assert np.corrcoef(np.log(-ret["var_95"]), vol["mean"])[0, 1] > 0.95


def test_no_look_ahead_through_the_whole_pipeline(market_data):
    """Perturbing the panel after day t never changes the forecasts for days up to t."""
    X, y, _ = market_data
    pipe = _pipeline(HARRegressor(log=True))
    cv = TimeSeriesSplit(4, test_size=40)
    t = 200
    base = walk_forward_predict(pipe, X, y, cv=cv)
    X2, y2 = X.copy(), y.copy()
    X2.iloc[t + 1 :] *= 3.0
    y2.iloc[t + 1 :] += 1.0
    moved = walk_forward_predict(pipe, X2, y2, cv=cv)
    cut = X.index[t]
    assert len(base.loc[:cut]) == int((X.index[-160:] <= cut).sum()) > 50
    np.testing.assert_allclose(
        base.loc[:cut, ["mean", "scale", "var_95"]], moved.loc[:cut, ["mean", "scale", "var_95"]]
    )
    assert not np.allclose(base.loc[cut:, "mean"].iloc[1:], moved.loc[cut:, "mean"].iloc[1:])
