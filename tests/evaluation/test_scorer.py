"""VaRBacktestScorer: values against manual computation, Pipelines, pickling, errors."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from _evaluation_toys import GaussianLinear, PointOnly
from scipy import stats
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvol import NextDayTarget
from skvol.evaluation import VaRBacktestScorer, return_var


class OneRowShort(GaussianLinear):
    """A broken predict_dist that loses the first row."""

    def predict_dist(self, X):
        return stats.norm(self.predict(X)[1:], 1.0)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 600
    days = pd.bdate_range("2012-01-02", periods=n, name="date")
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)}, index=days)
    y = pd.Series(1.0 + 2.0 * X["a"] - X["b"] + rng.normal(size=n), index=days)
    return X, y


def _manual(model, X, y, level, metric):
    """Reference: plain Python over the rows."""
    dist = model.predict_dist(X)
    var = dist.ppf(level)
    yv = np.asarray(y)
    loss = 0.0
    hits = []
    for yi, qi in zip(yv, var, strict=True):
        loss += level * (yi - qi) if yi >= qi else (level - 1.0) * (yi - qi)
        hits.append(yi > qi)
    x, n = sum(hits), len(hits)
    if metric == "pinball":
        return -loss / n
    if metric == "coverage_error":
        return -abs(x / n - (1 - level))
    p, pi = 1 - level, x / n
    lr = -2 * ((n - x) * np.log(1 - p) + x * np.log(p) - (n - x) * np.log(1 - pi) - x * np.log(pi))
    return stats.chi2.sf(lr, 1)


@pytest.mark.parametrize("metric", ["pinball", "coverage_error", "kupiec_pvalue"])
@pytest.mark.parametrize("level", [0.9, 0.95])
def test_scorer_matches_manual_computation(data, metric, level):
    X, y = data
    model = GaussianLinear(scale_factor=0.8).fit(X[:400], y[:400])
    got = VaRBacktestScorer(level=level, metric=metric)(model, X[400:], y[400:])
    assert got == pytest.approx(_manual(model, X[400:], y[400:], level, metric), rel=1e-10)


def test_christoffersen_metric_is_conditional_coverage_pvalue(data):
    from skvol.evaluation import christoffersen_conditional_coverage

    X, y = data
    model = GaussianLinear().fit(X, y)
    flags = y.to_numpy() > model.predict_dist(X).ppf(0.95)
    expected = christoffersen_conditional_coverage(flags, 0.95).pvalue
    assert VaRBacktestScorer(0.95, "christoffersen_pvalue")(model, X, y) == expected


def test_greater_is_better_for_the_well_specified_model(data):
    X, y = data
    scorer = VaRBacktestScorer(0.95)
    scores = {
        f: scorer(GaussianLinear(scale_factor=f).fit(X[:400], y[:400]), X[400:], y[400:])
        for f in (0.3, 1.0, 3.0)
    }
    assert scores[1.0] > scores[0.3] and scores[1.0] > scores[3.0]


def test_pipeline_last_step_and_errors(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), GaussianLinear()).fit(X, y)
    direct = GaussianLinear().fit(StandardScaler().fit_transform(X), y)
    scorer = VaRBacktestScorer(0.95)
    assert scorer(pipe, X, y) == pytest.approx(
        scorer(direct, StandardScaler().fit(X).transform(X), y), rel=1e-10
    )
    with pytest.raises(TypeError, match=r"last step of the Pipeline \(Ridge\) has none"):
        scorer(make_pipeline(StandardScaler(), Ridge()).fit(X, y), X, y)
    with pytest.raises(TypeError, match="PointOnly has none"):
        scorer(PointOnly().fit(X, y), X, y)
    with pytest.raises(ValueError, match="X has 600 rows but y has 599"):
        scorer(GaussianLinear().fit(X, y), X, y[1:])
    with pytest.raises(ValueError, match="X and y have different dates"):
        scorer(GaussianLinear().fit(X, y), X[1:], y[:-1])
    with pytest.raises(ValueError, match="599 elements for 600 rows"):
        scorer(OneRowShort().fit(X, y), X, y)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"metric": "accuracy"}, ValueError, "metric must be one of"),
        ({"level": 1.5}, ValueError, "level"),
        ({"kind": "price"}, ValueError, "kind must be one of"),
        ({"kind": "return"}, ValueError, "needs returns="),
        ({"kind": "return", "returns": pd.Series([0.1])}, TypeError, "NextDayTarget"),
        (
            {"kind": "return", "returns": [0.1], "target": NextDayTarget()},
            TypeError,
            "returns must be a pandas Series",
        ),
    ],
)
def test_scorer_parameter_errors(data, kwargs, error, match):
    X, y = data
    model = GaussianLinear().fit(X, y)
    with pytest.raises(error, match=match):
        VaRBacktestScorer(**kwargs)(model, X, y)


def test_return_kind_uses_returns_by_date(data):
    X, y = data
    rng = np.random.default_rng(1)
    log_rv = pd.Series(-9.0 + 0.3 * X["a"].to_numpy(), index=X.index)
    returns = pd.Series(np.sqrt(np.exp(log_rv)) * rng.normal(size=len(X)), index=X.index)
    model = GaussianLinear().fit(X, log_rv)
    scorer = VaRBacktestScorer(
        0.95, "pinball", kind="return", returns=returns, target=NextDayTarget(scale=1.0)
    )
    var = return_var(model.predict_dist(X[450:]), 0.95, NextDayTarget(scale=1.0))
    r = returns[450:].to_numpy()
    expected = -np.mean(np.where(r < var, (0.05 - 1.0) * (r - var), 0.05 * (r - var)))
    assert scorer(model, X[450:], log_rv[450:]) == pytest.approx(expected, rel=1e-10)
    # returns are looked up by date, not by position: their order does not matter
    reordered = VaRBacktestScorer(
        0.95, kind="return", returns=returns[::-1], target=NextDayTarget(scale=1.0)
    )
    assert reordered(model, X[450:], log_rv[450:]) == pytest.approx(expected, rel=1e-10)
    missing = VaRBacktestScorer(
        0.95, kind="return", returns=returns.drop(X.index[500]), target=NextDayTarget(scale=1.0)
    )
    with pytest.raises(ValueError, match="no value for 1 date"):
        missing(model, X[450:], log_rv[450:])
    with pytest.raises(TypeError, match="DatetimeIndex"):
        scorer(model, X[450:].to_numpy(), log_rv[450:].to_numpy())


def test_scorer_pickles_and_works_in_cross_validate_and_grid_search(data):
    X, y = data
    scorer = pickle.loads(pickle.dumps(VaRBacktestScorer(0.95, "pinball")))
    assert repr(scorer) == "VaRBacktestScorer(level=0.95, metric='pinball')"
    cv = TimeSeriesSplit(4)
    res = cross_validate(GaussianLinear(), X, y, cv=cv, scoring=scorer)
    manual = [
        _manual(
            GaussianLinear().fit(X.iloc[tr], y.iloc[tr]), X.iloc[te], y.iloc[te], 0.95, "pinball"
        )
        for tr, te in cv.split(X)
    ]
    np.testing.assert_allclose(res["test_score"], manual, rtol=1e-10)
    grid = GridSearchCV(
        GaussianLinear(), {"scale_factor": [0.3, 1.0, 3.0]}, cv=cv, scoring=scorer
    ).fit(X, y)
    assert grid.best_params_ == {"scale_factor": 1.0}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"metric": "accuracy"},
        {"level": 1.5},
        {"level": "0.95"},
        {"kind": "price"},
        {"kind": "return"},
    ],
)
def test_bad_options_fail_at_construction_not_inside_a_search(kwargs):
    """Inside GridSearchCV a scorer error becomes a NaN score and best_score_=nan: refuse early."""
    with pytest.raises((ValueError, TypeError)):
        VaRBacktestScorer(**kwargs)
