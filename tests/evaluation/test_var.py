"""Volatility VaR, mixture return VaR and expected variance against closed forms and Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.integrate import quad
from scipy.optimize import brentq

from skvol import NextDayTarget
from skvol.evaluation import (
    predicted_variance,
    return_es,
    return_var,
    var_backtest,
    volatility_es,
    volatility_var,
)


def _mc_return_quantile(dist, level, inverse, scale, n_draws, seed):
    """Monte Carlo reference: draw Y, map to V, draw r | V ~ N(0, V), take the quantile."""
    rng = np.random.default_rng(seed)
    y = dist.rvs(size=(n_draws, np.size(dist.mean())), random_state=rng)
    v = np.maximum(inverse(y), 0.0) / scale**2
    r = rng.standard_normal(y.shape) * np.sqrt(v)
    return np.quantile(r, 1.0 - level, axis=0)


def test_volatility_var_is_the_upper_quantile():
    dist = stats.t(5.0, loc=[0.1, 0.4], scale=[0.2, 0.3])
    np.testing.assert_allclose(volatility_var(dist, 0.99), dist.ppf(0.99))
    np.testing.assert_allclose(
        volatility_var(stats.norm([0.0], 1.0), 0.95), [1.6448536269514722], rtol=1e-12
    )


def test_return_var_known_variance_is_normal_quantile():
    v = np.array([1e-4, 4e-4, 2.5e-3])
    dist = stats.norm(loc=np.log(v), scale=1e-8)
    expected = stats.norm.ppf(0.01) * np.sqrt(v)
    np.testing.assert_allclose(
        return_var(dist, 0.99, NextDayTarget(transform="log", scale=1.0)), expected, rtol=1e-6
    )
    scaled = stats.norm(loc=np.log1p(100.0**2 * v), scale=1e-8)
    np.testing.assert_allclose(
        return_var(scaled, 0.99, NextDayTarget(transform="log1p", scale=100.0)), expected, rtol=1e-6
    )


@pytest.mark.parametrize(
    ("dist", "transform", "scale", "inverse"),
    [
        (stats.norm([-9.0, -8.0, -7.5], [0.3, 0.8, 1.2]), "log", 1.0, np.exp),
        (stats.t([4.0, 3.0, 8.0], [-9.0, -8.0, -7.5], [0.3, 0.8, 1.2]), "log", 1.0, np.exp),
        (stats.norm([0.5, 1.5, 0.2], [0.3, 0.5, 0.4]), "log1p", 100.0, np.expm1),
        (stats.t([5.0, 5.0, 5.0], [0.5, 1.5, 0.2], [0.3, 0.5, 0.4]), "log1p", 100.0, np.expm1),
        (stats.norm([2.0, 1.0, 0.5], [0.5, 0.5, 0.5]), None, 100.0, lambda y: y),
        # most of the mass below log1p(0): V = 0 on 50% to 79% of the draws
        (stats.norm([-0.2, 0.0, -0.1], [0.25, 0.4, 0.5]), "log1p", 1.0, np.expm1),
    ],
)
@pytest.mark.parametrize("level", [0.95, 0.99])
def test_return_var_matches_monte_carlo(dist, transform, scale, inverse, level):
    """Tolerance: 1.5% relative; the MC quantile from 300k draws has under 0.5% standard error."""
    q = return_var(dist, level, NextDayTarget(transform=transform, scale=scale))
    ref = _mc_return_quantile(dist, level, inverse, scale, 300_000, seed=11)
    np.testing.assert_allclose(q, ref, rtol=0.015)
    assert np.all(q < 0)


def test_mixture_differs_from_plug_in():
    """Plugging exp(mu) (the log-normal median) or even E[V] understates the tail."""
    mu, s = -9.0, 1.0
    dist = stats.norm([mu], [s])
    q = return_var(dist, 0.99, NextDayTarget(transform="log", scale=1.0))[0]
    plug_median = stats.norm.ppf(0.01) * np.exp(mu / 2)
    plug_mean = stats.norm.ppf(0.01) * np.sqrt(np.exp(mu + s**2 / 2))
    ref = _mc_return_quantile(dist, 0.99, np.exp, 1.0, 300_000, seed=3)[0]
    assert q == pytest.approx(ref, rel=0.015)
    assert q < plug_mean < plug_median  # the mixture's tail is heavier
    assert abs(q - plug_median) / abs(q) > 0.2


def test_return_var_breaches_are_calibrated_on_simulated_returns():
    """Simulate the model itself: predicted log-variance per day, return given the variance."""
    rng = np.random.default_rng(5)
    n = 4000
    mu = -9.0 + 0.5 * np.sin(np.arange(n) / 50.0)
    s = np.full(n, 0.6)
    log_v = mu + s * rng.standard_normal(n)
    r = np.sqrt(np.exp(log_v)) * rng.standard_normal(n)
    var = return_var(stats.norm(mu, s), 0.95, NextDayTarget(transform="log", scale=1.0))
    res = var_backtest(r, var, 0.95, side="lower")
    assert res.kupiec.pvalue > 0.01
    assert res.breach_rate == pytest.approx(0.05, abs=0.01)
    naive = stats.norm.ppf(0.05) * np.exp(mu / 2)
    assert var_backtest(r, naive, 0.95, side="lower").breach_rate > 0.06


def test_return_var_zero_variance_mass_and_degenerate_rows():
    # identity target with all mass below zero: V = 0 surely, VaR 0
    assert (
        return_var(stats.norm([-5.0], [0.1]), 0.95, NextDayTarget(transform=None, scale=1.0))[0]
        == 0.0
    )
    # P(V > 0) = 2.3%, so P(r < 0) = 1.1% < 5%: the 5% quantile of r is 0 itself
    assert (
        return_var(stats.norm([-1.0], [0.5]), 0.95, NextDayTarget(transform=None, scale=1.0))[0]
        == 0.0
    )
    # ... but 1.1% > 1%: the 1% quantile is negative. Reference: scipy's adaptive quad of
    # F(q) = int_0^inf Phi(q / sqrt(y)) f_Y(y) dy and brentq, independent of the nodes.
    q99 = return_var(stats.norm([-1.0], [0.5]), 0.99, NextDayTarget(transform=None, scale=1.0))[0]
    f_y = stats.norm(-1.0, 0.5).pdf

    def mixture_cdf(q):
        return quad(lambda y: stats.norm.cdf(q / np.sqrt(y)) * f_y(y), 0, np.inf, limit=200)[0]

    ref99 = brentq(lambda q: mixture_cdf(q) - 0.01, -1.0, -1e-6, xtol=1e-12)
    assert q99 == pytest.approx(ref99, rel=1e-5)
    # half of the mass at V = 0, the other half V ~ U(0, 1): checked by Monte Carlo
    q = return_var(
        stats.uniform(loc=[-1.0], scale=[2.0]),
        0.95,
        NextDayTarget(transform=None, scale=1.0),
        n_nodes=200,
    )[0]
    ref = _mc_return_quantile(stats.uniform(-1.0, 2.0), 0.95, lambda y: y, 1.0, 300_000, seed=9)
    assert q == pytest.approx(ref[0], rel=0.02)


def test_return_var_is_vectorised_row_by_row():
    mu = np.linspace(-10, -7, 7)
    together = return_var(stats.norm(mu, 0.5), 0.99, NextDayTarget(transform="log", scale=1.0))
    one_by_one = [
        return_var(stats.norm([m], 0.5), 0.99, NextDayTarget(transform="log", scale=1.0))[0]
        for m in mu
    ]
    np.testing.assert_allclose(together, one_by_one, rtol=1e-12)
    # shifting mu by 2 multiplies the variance by e^2, so the quantile by e
    np.testing.assert_allclose(together[1:] / together[:-1], np.exp(np.diff(mu) / 2), rtol=1e-9)


def test_predicted_variance_closed_forms():
    mu, s = np.array([-9.0, -8.0]), np.array([0.5, 1.0])
    np.testing.assert_allclose(
        predicted_variance(stats.norm(mu, s), NextDayTarget(transform="log", scale=10.0)),
        np.exp(mu + s**2 / 2) / 100.0,
        rtol=1e-12,
    )
    # log1p with negligible mass below 0: E[expm1(Y)] = exp(mu + s^2/2) - 1 (quadrature path)
    np.testing.assert_allclose(
        predicted_variance(stats.norm([3.0], [0.3]), NextDayTarget(transform="log1p", scale=1.0)),
        [np.exp(3.0 + 0.045) - 1.0],
        rtol=1e-9,
    )
    # identity with clipping at 0: E[max(Y, 0)] = mu Phi(mu/s) + s phi(mu/s)
    m, sd = 0.3, 0.5
    expected = m * stats.norm.cdf(m / sd) + sd * stats.norm.pdf(m / sd)
    got = predicted_variance(
        stats.norm([m], [sd]), NextDayTarget(transform=None, scale=1.0), n_nodes=200
    )[0]
    assert got == pytest.approx(expected, rel=1e-3)


def test_predicted_variance_of_student_t_is_the_truncated_mean():
    """E[exp(Y)] of a Student-t diverges: the forecast is E[V | Y <= q_0.999], by adaptive quad."""
    dist = stats.t(5.0, -9.0, 0.5)
    q = dist.ppf(0.999)
    ref = quad(lambda y: np.exp(y) * dist.pdf(y), -np.inf, q, limit=200)[0] / 0.999
    got = predicted_variance(stats.t(5.0, [-9.0], [0.5]), NextDayTarget(scale=1.0))[0]
    assert got == pytest.approx(ref, rel=1e-6)
    # a higher truncation quantile gives a larger, still finite forecast
    higher = predicted_variance(dist, NextDayTarget(scale=1.0), truncate=0.9999)[0]
    assert got < higher < np.inf


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"level": 0.5}, ValueError, r"\(0.5, 1\)"),
        ({"level": 1.2}, ValueError, "level"),
        ({"target": "log"}, TypeError, "NextDayTarget"),
        ({"target": NextDayTarget("return", None)}, ValueError, "variance target"),
        ({"dist": np.array([1.0])}, TypeError, "frozen scipy.stats"),
        ({"n_nodes": 1}, ValueError, "n_nodes"),
        ({"n_nodes": 400}, ValueError, "n_nodes"),
    ],
)
def test_return_var_bad_input(kwargs, error, match):
    args = {"dist": stats.norm([-9.0], [0.5]), "level": 0.95, "target": NextDayTarget()} | kwargs
    with pytest.raises(error, match=match):
        return_var(**args)


@pytest.mark.parametrize(
    ("transform", "scale"), [("sqrt", 1.0), (None, 0.0), ("log", float("nan")), ("log", "1")]
)
def test_target_refuses_bad_transform_and_scale(transform, scale):
    with pytest.raises((ValueError, TypeError), match="transform|scale"):
        NextDayTarget(transform=transform, scale=scale)


@pytest.mark.parametrize(
    ("dist", "transform", "scale", "inverse"),
    [
        (stats.norm([-9.0, -8.0], [0.3, 0.9]), "log", 1.0, np.exp),
        (stats.norm([0.5, 1.5], [0.3, 0.5]), "log1p", 100.0, np.expm1),
    ],
)
@pytest.mark.parametrize("level", [0.975, 0.99])
def test_return_es_matches_monte_carlo(dist, transform, scale, inverse, level):
    """ES from 1M draws of the mixture (standard error well under 1%); tolerance 2%."""
    target = NextDayTarget(transform=transform, scale=scale)
    es = return_es(dist, level, target)
    var = return_var(dist, level, target)
    rng = np.random.default_rng(21)
    y = dist.rvs(size=(1_000_000, np.size(dist.mean())), random_state=rng)
    r = rng.standard_normal(y.shape) * np.sqrt(np.maximum(inverse(y), 0.0) / scale**2)
    q = np.quantile(r, 1.0 - level, axis=0)
    ref = np.array([r[r[:, j] <= q[j], j].mean() for j in range(r.shape[1])])
    np.testing.assert_allclose(es, ref, rtol=0.02)
    assert np.all(es < var)


def test_return_es_known_variance_is_the_normal_shortfall():
    v = np.array([1e-4, 9e-4])
    dist = stats.norm(np.log(v), 1e-9)
    expected = -np.sqrt(v) * stats.norm.pdf(stats.norm.ppf(0.025)) / 0.025
    np.testing.assert_allclose(
        return_es(dist, 0.975, NextDayTarget(scale=1.0)), expected, rtol=1e-6
    )


@pytest.mark.parametrize(
    "dist",
    [
        stats.norm([0.0, 1.0], [1.0, 0.5]),
        stats.t([3.0, 6.0], [0.0, -9.0], [1.0, 0.4]),
        stats.logistic([0.0, 2.0], [1.0, 0.3]),
    ],
)
def test_volatility_es_is_the_tail_mean(dist, level=0.975):
    """Against scipy's own numerical expectation E[Y | Y > q] (independent of skvol's forms)."""
    q = dist.ppf(level)
    ref = [
        type(dist)(
            dist.dist,
            *[np.asarray(a)[j] for a in dist.args],
            **{k: np.asarray(v)[j] for k, v in dist.kwds.items()},
        ).expect(lambda y: y, lb=q[j], conditional=True)
        for j in range(2)
    ]
    np.testing.assert_allclose(volatility_es(dist, level), ref, rtol=1e-6)


def test_return_es_of_student_t_is_the_truncated_tail_integral():
    """E[sqrt(V)] diverges under a t: ES averages V below the 0.999 quantile of Y (adaptive quad)."""
    dist = stats.t(4.0, -9.0, 0.5)
    target = NextDayTarget(scale=1.0)
    level = 0.975
    q = return_var(stats.t(4.0, [-9.0], [0.5]), level, target)[0]
    y_top = dist.ppf(0.999)

    def integrand(y):
        sd = np.sqrt(np.exp(y))
        if sd == 0.0:
            return 0.0
        return sd * stats.norm.pdf(q / sd) * dist.pdf(y)

    ref = -quad(integrand, -np.inf, y_top, limit=400)[0] / (1 - level)
    got = return_es(stats.t(4.0, [-9.0], [0.5]), level, target)[0]
    assert got == pytest.approx(ref, rel=1e-4)
    assert got < q
