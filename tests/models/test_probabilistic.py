"""Quantile and interval tables from predict_dist, and distribution_params (issue 10, 1 and 6)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import BaseEstimator, RegressorMixin

from skvol.evaluation import _predict
from skvol.models import AttentionLSTMRegressor, ProbabilisticLSTMRegressor, distribution_params
from skvol.models._probabilistic import ProbabilisticMixin

FAST = dict(lookback=3, hidden_size=8, max_epochs=3, lr=0.01, random_state=0)
LEVELS = [0.01, 0.05, 0.5, 0.95]
COVERAGES = [0.5, 0.9, 0.99]


class _Gaussian(ProbabilisticMixin, RegressorMixin, BaseEstimator):
    """A torch-free stand-in: N(x0, 2) per row, a scalar scale as HAR's."""

    def fit(self, X, y):
        return self

    def predict_dist(self, X):
        return stats.norm(loc=np.asarray(X, dtype=float)[:, 0], scale=2.0)


def _frame(n: int = 80) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        rng.normal(size=(n, 2)), columns=["a", "b"], index=pd.bdate_range("2016-03-01", periods=n)
    )
    return X, X["a"].to_numpy() + 0.3 * rng.normal(size=n)


@pytest.fixture(
    params=[
        lambda: ProbabilisticLSTMRegressor(**FAST),
        lambda: ProbabilisticLSTMRegressor(distribution="student_t", **FAST),
        lambda: AttentionLSTMRegressor(**FAST),
        lambda: _Gaussian(),
    ],
    ids=["normal", "student_t", "attention", "mixin_alone"],
)
def model(request):
    X, y = _frame()
    return request.param().fit(X, y)


def test_quantiles_are_the_ppf_of_predict_dist(model):
    X, _ = _frame()
    dist = model.predict_dist(X)
    table = model.predict_quantiles(X, LEVELS)
    assert table.index.equals(X.index)
    assert table.columns.tolist() == LEVELS and table.columns.name == "level"
    for level in LEVELS:
        np.testing.assert_allclose(table[level], dist.ppf(level), rtol=1e-12)
    assert (np.diff(table.to_numpy(), axis=1) > 0).all()  # increasing in the level
    single = model.predict_quantiles(X.to_numpy(), 0.05)
    assert single.index.equals(pd.RangeIndex(len(X))) and single.columns.tolist() == [0.05]
    np.testing.assert_allclose(single[0.05], dist.ppf(0.05), rtol=1e-12)


def test_intervals_are_central_ppf_pairs(model):
    X, _ = _frame()
    dist = model.predict_dist(X)
    table = model.predict_interval(X, COVERAGES)
    assert table.index.equals(X.index)
    assert table.columns.names == ["coverage", "bound"]
    assert table.columns.tolist() == [(c, b) for c in COVERAGES for b in ("lower", "upper")]
    for c in COVERAGES:
        np.testing.assert_allclose(table[(c, "lower")], dist.ppf((1 - c) / 2), rtol=1e-12)
        np.testing.assert_allclose(table[(c, "upper")], dist.ppf((1 + c) / 2), rtol=1e-12)
    np.testing.assert_allclose(table[0.9].to_numpy().T, dist.interval(0.9), rtol=1e-12)
    default = model.predict_interval(X.to_numpy())
    assert default.columns.tolist() == [(0.9, "lower"), (0.9, "upper")]
    assert default.index.equals(pd.RangeIndex(len(X)))


def test_the_mixin_computes_the_normal_quantiles_by_hand():
    X = np.array([[0.0], [1.0], [-3.0]])
    table = _Gaussian().predict_quantiles(X, [0.025, 0.975])
    z = 1.959963984540054  # the 97.5% standard normal quantile
    np.testing.assert_allclose(table[0.975], X[:, 0] + 2.0 * z, rtol=1e-12)
    np.testing.assert_allclose(table[0.025], X[:, 0] - 2.0 * z, rtol=1e-12)
    series = pd.Series([1.0, 2.0], index=pd.Index(["x", "y"]))
    assert _Gaussian().predict_interval(series.to_frame(), 0.5).index.tolist() == ["x", "y"]


@pytest.mark.parametrize(
    ("levels", "error", "match"),
    [
        (0.0, ValueError, "strictly between 0 and 1"),
        ([0.5, 1.0], ValueError, r"strictly between 0 and 1; got \[1.0\]"),
        ([np.nan], ValueError, "strictly between"),
        ([], ValueError, "non-empty"),
        ([[0.1, 0.2]], ValueError, "1-D"),
        ([0.1, 0.1], ValueError, "repeat"),
        (["0.1"], TypeError, "real numbers"),
        ([True], TypeError, "real numbers"),
    ],
)
def test_bad_levels_and_coverages_are_refused(levels, error, match):
    X = np.zeros((3, 1))
    with pytest.raises(error, match=f"`levels`.*{match}"):
        _Gaussian().predict_quantiles(X, levels)
    with pytest.raises(error, match=f"`coverage`.*{match}"):
        _Gaussian().predict_interval(X, levels)


def test_distribution_params_names_every_parameter():
    loc, scale, df = np.array([0.0, 1.0]), np.array([1.0, 2.0]), np.array([3.0, 30.0])
    cases = {
        "keywords": stats.t(df, loc=loc, scale=scale),
        "positional": stats.t(df, loc, scale),
        "mixed": stats.t(df, loc, scale=scale),
    }
    for dist in cases.values():
        params = distribution_params(dist)
        assert list(params) == ["df", "loc", "scale"]
        for name, value in zip(params, (df, loc, scale), strict=True):
            np.testing.assert_array_equal(params[name], value)
        np.testing.assert_array_equal(dist.dist(**params).ppf(0.01), dist.ppf(0.01))
    assert {k: v.tolist() for k, v in distribution_params(stats.norm()).items()} == {
        "loc": 0.0,
        "scale": 1.0,
    }
    params = distribution_params(stats.norm(loc=loc, scale=3.0))
    assert params["scale"].shape == () and params["loc"].dtype == float
    with pytest.raises(TypeError, match="frozen scipy.stats distribution"):
        distribution_params(np.zeros(3))


def test_distribution_params_of_fitted_models_match_predict_params():
    X, y = _frame()
    model = ProbabilisticLSTMRegressor(distribution="student_t", **FAST).fit(X, y)
    params = distribution_params(model.predict_dist(X))
    expected = model.predict_params(X)
    assert set(params) == set(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(params[name], value, rtol=1e-12)


def test_one_implementation_and_no_torch():
    assert _predict.dist_params is distribution_params
    code = (
        "import sys; from skvol.models._probabilistic import ProbabilisticMixin, "
        "distribution_params; assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
