"""Scores against hand values, numerical integration, Monte Carlo and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.integrate import quad
from sklearn.metrics import mean_pinball_loss

from skvol.evaluation import crps, mse_loss, negative_log_likelihood, pinball_loss, qlike_loss


def _crps_by_integration(dist, y):
    """CRPS(F, y) = int_{-inf}^{y} F^2 + int_{y}^{inf} (1 - F)^2."""
    below = quad(lambda x: dist.cdf(x) ** 2, -np.inf, y, limit=400)[0]
    above = quad(lambda x: dist.sf(x) ** 2, y, np.inf, limit=400)[0]
    return below + above


def test_pinball_hand_values_and_sklearn():
    assert pinball_loss([1.0, 3.0], [2.0, 2.0], alpha=0.9) == pytest.approx(0.5)
    assert pinball_loss([1.0], 2.0, alpha=0.25) == pytest.approx(0.75)
    rng = np.random.default_rng(0)
    y, q = rng.normal(size=200), rng.normal(size=200)
    for alpha in (0.01, 0.05, 0.95):
        assert pinball_loss(y, q, alpha) == pytest.approx(mean_pinball_loss(y, q, alpha=alpha))


def test_pinball_is_minimised_by_the_true_quantile():
    rng = np.random.default_rng(1)
    y = rng.standard_normal(50_000)
    grid = np.linspace(1.0, 2.3, 27)
    losses = [pinball_loss(y, np.full(y.size, g), 0.95) for g in grid]
    assert grid[int(np.argmin(losses))] == pytest.approx(stats.norm.ppf(0.95), abs=0.05)


def test_nll_hand_formula():
    y = np.array([0.3, -1.0, 2.5])
    mu, s = np.array([0.0, 0.5, 2.0]), np.array([1.0, 2.0, 0.5])
    expected = np.mean(0.5 * np.log(2 * np.pi * s**2) + (y - mu) ** 2 / (2 * s**2))
    assert negative_log_likelihood(y, stats.norm(mu, s)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("dist", "y"),
    [
        (stats.norm(0.3, 1.7), 1.1),
        (stats.norm(-2.0, 0.1), -2.5),
        (stats.t(3.5, 0.3, 1.7), -2.0),
        (stats.t(1.5, 0.3, 1.7), 4.0),
        (stats.t(30.0, 0.0, 1.0), 0.2),
    ],
)
def test_crps_closed_forms_match_integration(dist, y):
    assert crps([y], dist) == pytest.approx(_crps_by_integration(dist, y), rel=1e-7)


def test_crps_normal_hand_value_and_t_limit():
    # CRPS(N(0,1), 0) = 2 phi(0) - 1/sqrt(pi) = (sqrt(2) - 1) / sqrt(pi)
    assert crps([0.0], stats.norm(0, 1)) == pytest.approx((np.sqrt(2) - 1) / np.sqrt(np.pi))
    assert crps([0.7], stats.t(1e6, 0.0, 1.0)) == pytest.approx(
        crps([0.7], stats.norm(0.0, 1.0)), rel=1e-5
    )


def test_crps_matches_energy_form_by_monte_carlo():
    """CRPS = E|X - y| - E|X - X'| / 2; 2e6 draws, tolerance 1%."""
    rng = np.random.default_rng(4)
    dist = stats.t(4.0, 1.0, 0.5)
    x, x2 = dist.rvs(size=(2, 2_000_000), random_state=rng)
    y = 2.2
    energy = np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x - x2))
    assert crps([y], dist) == pytest.approx(energy, rel=0.01)


def test_crps_vectorised_mean_and_errors():
    y = np.array([0.1, 0.5, -0.3])
    dist = stats.norm([0.0, 0.2, 0.4], [1.0, 0.5, 0.3])
    per_row = [
        crps([yi], stats.norm(m, s)) for yi, m, s in zip(y, dist.mean(), dist.std(), strict=True)
    ]
    assert crps(y, dist) == pytest.approx(np.mean(per_row))
    with pytest.raises(ValueError, match="df > 1"):
        crps([0.0], stats.t(1.0, 0.0, 1.0))
    with pytest.raises(TypeError, match="norm and t only"):
        crps([1.0], stats.gamma(2.0))
    with pytest.raises(ValueError, match="3 elements but y_true has 2"):
        crps([0.0, 1.0], dist)
    with pytest.raises(TypeError, match="frozen scipy.stats"):
        crps([0.0], [0.0])


def test_qlike_and_mse_hand_values():
    s2 = np.array([2.0, 1.0, 0.5])
    h = np.array([1.0, 1.0, 1.0])
    expected = np.mean([2 - np.log(2) - 1, 0.0, 0.5 - np.log(0.5) - 1])
    assert qlike_loss(s2, h) == pytest.approx(expected)
    assert mse_loss(s2, h) == pytest.approx((1.0 + 0.0 + 0.25) / 3)
    assert qlike_loss([1.5], [1.5]) == 0.0


def test_qlike_is_minimised_by_the_conditional_mean_of_a_noisy_proxy():
    """Patton (2011): with an unbiased noisy proxy the expected loss is minimised at E[proxy]."""
    rng = np.random.default_rng(6)
    proxy = 2.0 * rng.chisquare(1, size=200_000)  # unbiased for a true variance of 2
    grid = np.linspace(1.5, 2.5, 21)
    best_q = grid[np.argmin([qlike_loss(proxy, np.full(proxy.size, g)) for g in grid])]
    best_m = grid[np.argmin([mse_loss(proxy, np.full(proxy.size, g)) for g in grid])]
    assert best_q == pytest.approx(2.0, abs=0.06)
    assert best_m == pytest.approx(2.0, abs=0.06)


def test_variance_losses_reject_bad_input():
    with pytest.raises(ValueError, match="forecast_variance must be positive; position 1"):
        qlike_loss([1.0, 1.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="realized_variance must be positive"):
        qlike_loss([-1.0], [1.0])
    with pytest.raises(ValueError, match="non-finite value .* position 0"):
        mse_loss([np.nan], [1.0])
    with pytest.raises(ValueError, match="2 rows but forecast_variance has 3"):
        mse_loss([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="alpha"):
        pinball_loss([1.0], [1.0], alpha=1.0)
