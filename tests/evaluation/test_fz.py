"""FZ0 loss, ESBacktestScorer and per-day losses from walk-forward frames."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest
from _evaluation_toys import GaussianLinear
from scipy import stats
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from skvol import NextDayTarget
from skvol.evaluation import (
    ESBacktestScorer,
    acerbi_szekely,
    crps,
    daily_loss,
    fz0_loss,
    mse_loss,
    negative_log_likelihood,
    pinball_loss,
    qlike_loss,
    return_es,
    return_var,
    walk_forward_dist,
    walk_forward_predict,
)


def _fz0_by_hand(r, v, e, alpha):
    hit = 1.0 if r <= v else 0.0
    return -hit * (v - r) / (alpha * e) + v / e + math.log(-e) - 1.0


def test_fz0_by_hand():
    rng = np.random.default_rng(0)
    r = 0.01 * rng.standard_normal(50)
    v = -0.02 + 0.002 * rng.standard_normal(50)
    e = v - 0.005
    per_day = fz0_loss(r, v, e, 0.975, per_day=True)
    expected = [_fz0_by_hand(*args, 0.025) for args in zip(r, v, e, strict=True)]
    np.testing.assert_allclose(per_day, expected, rtol=1e-12)
    assert fz0_loss(r, v, e, 0.975) == pytest.approx(np.mean(expected), rel=1e-12)


def test_fz0_is_smallest_at_the_true_var_and_es():
    """Strict consistency (Fissler & Ziegel 2016): the true pair beats perturbed ones."""
    r = np.random.default_rng(1).standard_normal(400_000)
    alpha = 0.025
    v = stats.norm.ppf(alpha)
    e = -stats.norm.pdf(v) / alpha
    best = fz0_loss(r, v, e, 0.975)
    for dv, de in [(1.1, 1.0), (0.9, 1.0), (1.0, 1.1), (1.0, 0.95), (1.1, 1.1), (0.9, 0.9)]:
        vv, ee = v * dv, min(e * de, v * dv)
        assert fz0_loss(r, vv, ee, 0.975) > best


def test_fz0_errors():
    with pytest.raises(ValueError, match="es must be below zero.*position 1"):
        fz0_loss([0.0, 0.0], [-0.01, -0.01], [-0.02, 0.0], 0.975)
    with pytest.raises(ValueError, match="es must not exceed var"):
        fz0_loss([0.0], [-0.03], [-0.02], 0.975)
    with pytest.raises(ValueError, match="returns has 2 days but var has 3"):
        fz0_loss([0.0, 0.0], [-0.01] * 3, -0.02, 0.975)


@pytest.fixture(scope="module")
def log_variance_data():
    """log V_t = -9 + 0.5 a_t + noise; returns r_t ~ N(0, V_t); y = log V (scale 1)."""
    rng = np.random.default_rng(2)
    n = 900
    days = pd.bdate_range("2010-01-04", periods=n, name="date")
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)}, index=days)
    y = pd.Series(-9.0 + 0.5 * X["a"] + 0.4 * rng.normal(size=n), index=days)
    returns = pd.Series(np.sqrt(np.exp(y)) * rng.normal(size=n), index=days)
    return X, y, returns


def test_es_scorer_matches_manual_fz0_and_acerbi_szekely(log_variance_data):
    X, y, returns = log_variance_data
    target = NextDayTarget(scale=1.0)
    model = GaussianLinear().fit(X[:600], y[:600])
    dist = model.predict_dist(X[600:])
    var, es = return_var(dist, 0.975, target), return_es(dist, 0.975, target)
    r = returns[600:].to_numpy()
    scorer = ESBacktestScorer(target=target, returns=returns)
    assert scorer(model, X[600:], y[600:]) == pytest.approx(-fz0_loss(r, var, es, 0.975))
    as_scorer = ESBacktestScorer(
        metric="acerbi_szekely_pvalue", target=target, returns=returns, n_simulations=200
    )
    expected = acerbi_szekely(r, dist, 0.975, target=target, n_simulations=200, random_state=0)
    assert as_scorer(model, X[600:], y[600:]) == expected.pvalue
    assert "metric='fz0'" in repr(pickle.loads(pickle.dumps(scorer)))


class ShiftedLogVariance(GaussianLinear):
    """GaussianLinear whose predicted log variance is shifted by ``log_shift``."""

    def __init__(self, scale_factor=1.0, df=None, log_shift=0.0):
        super().__init__(scale_factor=scale_factor, df=df)
        self.log_shift = log_shift

    def predict_dist(self, X):
        base = super().predict_dist(X)
        return stats.norm(base.mean() + self.log_shift, base.std())


def test_es_scorer_in_grid_search_prefers_the_right_scale(log_variance_data):
    """Return sd 0.6, 1 or 1.65 times the truth (log V shifted by -1, 0, 1): FZ0 picks 1."""
    X, y, returns = log_variance_data
    scorer = ESBacktestScorer(0.975, target=NextDayTarget(scale=1.0), returns=returns)
    grid = GridSearchCV(
        ShiftedLogVariance(), {"log_shift": [-1.0, 0.0, 1.0]}, cv=TimeSeriesSplit(3), scoring=scorer
    ).fit(X, y)
    assert grid.best_params_ == {"log_shift": 0.0}
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"metric": "pinball"}, ValueError, "metric must be one of"),
        ({"level": 0.4}, ValueError, r"level must lie in \(0.5, 1\)"),
        ({"target": None}, TypeError, "NextDayTarget"),
        ({"returns": [0.1]}, TypeError, "returns must be a pandas Series"),
        ({"n_simulations": 0}, ValueError, "n_simulations"),
        ({"random_state": 1.5}, ValueError, "random_state"),
    ],
)
def test_es_scorer_refuses_bad_options_at_construction(kwargs, error, match):
    days = pd.bdate_range("2017-01-02", periods=3)
    args = {"target": NextDayTarget(), "returns": pd.Series(0.0, index=days)}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        ESBacktestScorer(**args)


def test_daily_losses_from_walk_forward_frames(log_variance_data):
    X, y, returns = log_variance_data
    target = NextDayTarget(scale=1.0)
    cv = TimeSeriesSplit(3, test_size=150)
    vol = walk_forward_predict(GaussianLinear(), X, y, cv=cv, levels=(0.95,))
    ret = walk_forward_predict(
        GaussianLinear(df=5.0),
        X,
        y,
        cv=cv,
        levels=(0.975,),
        kind="return",
        returns=returns,
        target=target,
    )
    dist = walk_forward_dist(vol)
    assert dist.dist.name == "norm" and walk_forward_dist(ret).dist.name == "t"
    yv = vol["y_true"].to_numpy()
    rv, h = np.exp(yv), target.expected_variance(dist)
    per_day = {
        "qlike": rv / h - np.log(rv / h) - 1.0,
        "mse": (rv - h) ** 2,
        "nll": -stats.norm.logpdf(yv, vol["mean"], vol["scale"]),
        "crps": np.array(
            [
                crps([yi], stats.norm(m, s))
                for yi, m, s in zip(yv, vol["mean"], vol["scale"], strict=True)
            ]
        ),
    }
    for name, expected in per_day.items():
        got = daily_loss(vol, name, target=target)
        assert got.index.equals(vol.index) and got.name == name
        np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-9)
    assert daily_loss(vol, "qlike", target=target).mean() == pytest.approx(qlike_loss(rv, h))
    assert daily_loss(vol, "mse", target=target).mean() == pytest.approx(mse_loss(rv, h))
    assert daily_loss(vol, "nll").mean() == pytest.approx(negative_log_likelihood(yv, dist))
    pin = daily_loss(vol, "pinball", level=0.95)
    assert pin.mean() == pytest.approx(pinball_loss(yv, vol["var_95"], 0.95))
    pin_r = daily_loss(ret, "pinball", level=0.975)
    assert pin_r.mean() == pytest.approx(pinball_loss(ret["return"], ret["var_97.5"], 0.025))
    t_dist = walk_forward_dist(ret)
    fz = daily_loss(ret, "fz0", target=target, level=0.975)
    expected = fz0_loss(
        ret["return"], return_var(t_dist, 0.975, target), return_es(t_dist, 0.975, target), 0.975
    )
    assert fz.mean() == pytest.approx(expected)
    with pytest.raises(ValueError, match="kind='return'"):
        daily_loss(vol, "fz0", target=target, level=0.975)
    with pytest.raises(ValueError, match="needs level="):
        daily_loss(vol, "pinball")
    with pytest.raises(ValueError, match="no 'var_99' column"):
        daily_loss(vol, "pinball", level=0.99)
    with pytest.raises(TypeError, match="NextDayTarget"):
        daily_loss(vol, "qlike")
    with pytest.raises(ValueError, match="loss must be one of"):
        daily_loss(vol, "mae")
