"""QuantileTracker: hand-computed steps, convergence on miscalibrated models, no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _evaluation_toys import GaussianLinear
from scipy import stats
from sklearn.model_selection import TimeSeriesSplit

from skvol import NextDayTarget
from skvol.evaluation import QuantileTracker, RecalibratedVaR, pinball_loss, walk_forward_predict


def _binomial_tolerance(level: float, n: int, k: float = 3.5) -> float:
    return k * np.sqrt(level * (1 - level) / n)


def _normal_unit(level: float, sd) -> np.ndarray:
    """d VaR / d level of a Normal volatility VaR: sd / phi(z)."""
    return np.asarray(sd, dtype=float) / stats.norm.pdf(stats.norm.ppf(level))


def test_hand_computed_steps():
    # level 0.9 (alpha 0.1), step 0.5: breach +0.45, calm -0.05; unit 2 on every day
    res = QuantileTracker(step=0.5).recalibrate(
        var=[1.0, 1.0, 1.0, 1.0], realised=[2.0, 1.5, 0.0, 2.0], level=0.9, unit=np.full(4, 2.0)
    )
    np.testing.assert_allclose(res.adjustment, [0.0, 0.45, 0.40, 0.35])
    np.testing.assert_allclose(res.var, [1.0, 1.9, 1.8, 1.7])
    np.testing.assert_array_equal(res.breaches, [True, False, False, True])
    assert res.next_adjustment == pytest.approx(0.80)
    assert isinstance(res, RecalibratedVaR) and res.breach_rate == 0.5
    # the return VaR is scaled by exp(q * unit): breach when the return is below it
    ret = QuantileTracker(step=0.5).recalibrate(
        [-1.0, -1.0, -1.0], [-1.5, -1.2, -2.0], 0.9, kind="return"
    )
    np.testing.assert_allclose(ret.var, [-1.0, -np.exp(0.45), -np.exp(0.40)])
    np.testing.assert_array_equal(ret.breaches, [True, False, True])


def test_long_run_breach_rate_identity():
    """mean(err) - alpha = (q_{T+1} - q_1) / (step T) for any outcomes (ACT 2023, Prop. 1)."""
    rng = np.random.default_rng(3)
    var, y = rng.normal(size=500), rng.standard_cauchy(size=500)
    tracker = QuantileTracker(step=0.2, initial=0.3)
    res = tracker.recalibrate(var, y, 0.97)
    lhs = res.breaches.mean() - 0.03
    assert lhs == pytest.approx((res.next_adjustment - 0.3) / (0.2 * 500), abs=1e-12)


def test_continues_online_from_next_adjustment():
    rng = np.random.default_rng(4)
    var, y, unit = rng.normal(size=300), rng.normal(size=300), rng.uniform(0.5, 2, size=300)
    tracker = QuantileTracker(step=0.03)
    whole = tracker.recalibrate(var, y, 0.95, unit=unit)
    first = tracker.recalibrate(var[:120], y[:120], 0.95, unit=unit[:120])
    second = tracker.recalibrate(
        var[120:], y[120:], 0.95, unit=unit[120:], initial=first.next_adjustment
    )
    np.testing.assert_allclose(np.r_[first.var, second.var], whole.var, rtol=1e-13)


def test_too_narrow_model_converges_to_95():
    """A Normal model with 0.6 times the true scale: breaches 16%; recalibrated 5%."""
    rng = np.random.default_rng(11)
    n, level = 40_000, 0.95
    sd = np.exp(rng.normal(scale=0.3, size=n))  # the truth's scale varies day by day
    mu = rng.normal(size=n)
    y = mu + sd * rng.standard_normal(n)
    model = stats.norm(mu, 0.6 * sd)
    raw = model.ppf(level)
    assert np.mean(y > raw) > 0.15
    res = QuantileTracker().recalibrate(raw, y, level, unit=_normal_unit(level, 0.6 * sd))
    late = slice(n // 2, None)
    assert abs(res.breaches[late].mean() - 0.05) < _binomial_tolerance(level, n // 2)
    # the offset that makes the model exact is constant in level units:
    # raw + q * 0.6 sd / phi(z) = mu + z sd  <=>  q = z (1 - 0.6) phi(z) / 0.6
    z = stats.norm.ppf(level)
    exact = z * 0.4 * stats.norm.pdf(z) / 0.6
    assert res.adjustment[late].mean() == pytest.approx(exact, abs=0.01)


def test_too_narrow_99_is_finite_and_converges_to_1_percent():
    rng = np.random.default_rng(12)
    n, level = 40_000, 0.99
    sd = np.exp(rng.normal(scale=0.3, size=n))
    y = sd * rng.standard_normal(n)
    model = stats.norm(0.0, 0.5 * sd)
    raw = model.ppf(level)
    assert np.mean(y > raw) > 0.09
    res = QuantileTracker().recalibrate(raw, y, level, unit=_normal_unit(level, 0.5 * sd))
    assert np.isfinite(res.var).all()
    late = slice(n // 2, None)
    assert abs(res.breaches[late].mean() - 0.01) < _binomial_tolerance(level, n // 2)
    assert abs(res.breach_rate - 0.01) < 0.002


def test_return_var_factor_converges():
    """Return VaR of a model whose variance is 0.36 times the truth: the factor -> 1/0.6."""
    rng = np.random.default_rng(13)
    n, level = 40_000, 0.99
    sd = 0.01 * np.exp(rng.normal(scale=0.3, size=n))
    r = sd * rng.standard_normal(n)
    z = stats.norm.ppf(level)
    raw = -z * 0.6 * sd
    unit = np.full(n, 1.0 / (z * stats.norm.pdf(z)))  # d log|VaR| / d level for a Normal
    res = QuantileTracker().recalibrate(raw, r, level, kind="return", unit=unit)
    late = slice(n // 2, None)
    assert np.isfinite(res.var).all() and (res.var < 0).all()
    assert abs(res.breaches[late].mean() - 0.01) < _binomial_tolerance(level, n // 2)
    factor = np.exp(res.adjustment[late] * unit[late])
    assert np.median(factor) == pytest.approx(1 / 0.6, rel=0.05)


@pytest.mark.parametrize("level", [0.95, 0.99])
def test_calibrated_model_stays_calibrated(level):
    rng = np.random.default_rng(int(level * 100))
    n = 40_000
    sd = np.exp(rng.normal(scale=0.3, size=n))
    y = sd * rng.standard_normal(n)
    raw = stats.norm.ppf(level, 0.0, sd)
    res = QuantileTracker().recalibrate(raw, y, level, unit=_normal_unit(level, sd))
    assert abs(res.breach_rate - (1 - level)) < _binomial_tolerance(level, n)
    # the adjustment hovers around 0, within twice its stationary sd sqrt(step a (1 - a) / 2)
    # (the linearised recursion: a random walk pulled back by the density at the quantile)
    alpha = 1 - level
    assert abs(np.median(res.adjustment)) < 2 * np.sqrt(0.01 * alpha * (1 - alpha) / 2)
    # and costs little: the pinball loss of the exact quantile is the floor
    ratio = pinball_loss(y, res.var, level) / pinball_loss(y, raw, level)
    assert 1.0 <= ratio < 1.06


@pytest.mark.parametrize("t", [10, 250, 499])
def test_no_look_ahead(t):
    """Changing outcomes after day t (or on day t) never changes the VaR at or before t."""
    rng = np.random.default_rng(t)
    var, y = rng.normal(size=600), rng.normal(size=600)
    tracker = QuantileTracker(step=0.1)
    base = tracker.recalibrate(var, y, 0.95)
    moved_y = y.copy()
    moved_y[t:] = rng.normal(scale=10.0, size=600 - t)
    moved = tracker.recalibrate(var, moved_y, 0.95)
    np.testing.assert_array_equal(base.var[: t + 1], moved.var[: t + 1])
    assert not np.array_equal(base.var, moved.var)


@pytest.fixture(scope="module")
def long_series():
    rng = np.random.default_rng(21)
    n = 4_000
    days = pd.bdate_range("2000-01-03", periods=n, name="date")
    x = rng.normal(size=n)
    X = pd.DataFrame({"x": x}, index=days)
    y = pd.Series(-9.0 + 0.5 * x + 0.4 * rng.standard_normal(n), index=days)
    return X, y


def test_walk_forward_recalibrates_a_too_narrow_model(long_series):
    X, y = long_series
    cv = TimeSeriesSplit(5, test_size=700)
    out = walk_forward_predict(
        GaussianLinear(scale_factor=0.6),
        X,
        y,
        cv=cv,
        levels=(0.95, 0.99),
        recalibrate=QuantileTracker(),
    )
    n = len(out)
    for level in (0.95, 0.99):
        sfx = f"{100 * level:g}"
        assert out[f"breach_{sfx}"].mean() > 2 * (1 - level)
        assert np.isfinite(out[f"var_{sfx}_recal"]).all()
        late = out.iloc[n // 2 :]
        rate = late[f"breach_{sfx}_recal"].mean()
        assert abs(rate - (1 - level)) < _binomial_tolerance(level, len(late)) + 0.005
        # the unit is d VaR / d level of the model's Normal: var + q * scale / phi(z)
        offset = out[f"adjust_{sfx}"] * _normal_unit(level, out["scale"])
        moved = out[f"var_{sfx}_recal"] - out[f"var_{sfx}"]
        np.testing.assert_allclose(moved, offset, rtol=1e-4, atol=1e-12)
    # the model's 99.9% quantile: ppf(0.999) of its Normal
    tail = stats.norm.ppf(0.999, out["mean"], out["scale"])
    np.testing.assert_array_equal(out["beyond_999_99"], out["var_99_recal"] > tail)
    assert 0.0 < out["beyond_999_99"].mean() < 1.0


def test_walk_forward_carries_the_adjustment_across_folds(long_series):
    X, y = long_series
    X, y = X.iloc[:1000], y.iloc[:1000]
    tracker = QuantileTracker(step=0.02)
    out = walk_forward_predict(
        GaussianLinear(scale_factor=0.7), X, y, cv=TimeSeriesSplit(4), recalibrate=tracker
    )
    unit = _normal_unit(0.95, out["scale"])
    whole = tracker.recalibrate(out["var_95"], out["y_true"], 0.95, unit=unit)
    np.testing.assert_allclose(out["var_95_recal"], whole.var, rtol=1e-6)
    np.testing.assert_array_equal(out["breach_95_recal"], whole.breaches)
    first = out["fold"] == 1
    assert out.loc[first, "adjust_95"].iloc[0] != 0.0  # not restarted at the fold


def test_walk_forward_return_var_is_scaled(long_series):
    X, y = long_series
    X, y = X.iloc[:900], y.iloc[:900]
    rng = np.random.default_rng(5)
    returns = pd.Series(np.exp(y / 2) * rng.standard_normal(len(y)) * 1.5, index=y.index)
    target = NextDayTarget(scale=1.0)
    out = walk_forward_predict(
        GaussianLinear(scale_factor=1e-6),  # V known: r ~ N(0, V), V = exp(mean)
        X,
        y,
        cv=TimeSeriesSplit(3),
        levels=(0.99,),
        kind="return",
        returns=returns,
        target=target,
        recalibrate=QuantileTracker(),
    )
    z = stats.norm.ppf(0.99)
    factor = np.exp(out["adjust_99"] / (z * stats.norm.pdf(z)))
    np.testing.assert_allclose(out["var_99_recal"], out["var_99"] * factor, rtol=1e-4)
    np.testing.assert_array_equal(out["breach_99_recal"], out["return"] < out["var_99_recal"])
    assert (out["var_99_recal"] < out["var_99"]).mean() > 0.9  # too narrow by 1.5: widened


def test_errors():
    tracker = QuantileTracker()
    with pytest.raises(ValueError, match="step must be > 0"):
        QuantileTracker(step=0.0)
    with pytest.raises(TypeError, match="step must be a real number"):
        QuantileTracker(step="big")
    with pytest.raises(ValueError, match="kind must be one of"):
        tracker.recalibrate([1.0], [1.0], 0.95, kind="vol")
    with pytest.raises(ValueError, match="var is not finite at position 1"):
        tracker.recalibrate([1.0, np.inf], [1.0, 2.0], 0.95)
    with pytest.raises(ValueError, match="var has 2 days but realised has 1"):
        tracker.recalibrate([1.0, 1.0], [1.0], 0.95)
    with pytest.raises(ValueError, match="unit must be > 0, position 0"):
        tracker.recalibrate([1.0], [1.0], 0.95, unit=[0.0])
    with pytest.raises(ValueError, match="a return VaR is <= 0, position 1"):
        tracker.recalibrate([-1.0, 0.5], [1.0, 1.0], 0.95, kind="return")
    with pytest.raises(ValueError, match="level"):
        tracker.recalibrate([1.0], [1.0], 1.5)


def test_walk_forward_errors(long_series):
    from _evaluation_toys import PointOnly
    from sktime.split import SlidingWindowSplitter

    X, y = long_series
    X, y = X.iloc[:400], y.iloc[:400]
    with pytest.raises(TypeError, match="recalibrate must be None or a"):
        walk_forward_predict(GaussianLinear(), X, y, recalibrate=0.05)
    with pytest.raises(TypeError, match="recalibrate needs a probabilistic estimator"):
        walk_forward_predict(PointOnly(), X, y, recalibrate=QuantileTracker())
    overlapping = SlidingWindowSplitter(fh=np.arange(1, 31), window_length=100, step_length=10)
    with pytest.raises(ValueError, match="recalibrate needs consecutive test blocks"):
        walk_forward_predict(GaussianLinear(), X, y, cv=overlapping, recalibrate=QuantileTracker())


def test_recalibrate_dist_equals_the_walk_forward_recalibration(long_series):
    """From the rebuilt distributions of a walk-forward frame: the same recalibrated VaR."""
    from skvol.evaluation import walk_forward_dist

    X, y = long_series
    X, y = X.iloc[:1000], y.iloc[:1000]
    tracker = QuantileTracker(step=0.02)
    out = walk_forward_predict(
        GaussianLinear(scale_factor=0.7), X, y, cv=TimeSeriesSplit(4), recalibrate=tracker
    )
    res = tracker.recalibrate_dist(walk_forward_dist(out), out["y_true"], 0.95)
    np.testing.assert_allclose(res.var, out["var_95_recal"], rtol=1e-12)
    np.testing.assert_array_equal(res.breaches, out["breach_95_recal"])
    np.testing.assert_array_equal(res.beyond_999, out["beyond_999_95"])
    assert res.beyond_999_share == pytest.approx(out["beyond_999_95"].mean())


def test_recalibrate_dist_of_a_return_distribution_converges():
    """A return distribution (target=None, as EWMA/GARCH give) 1.5x too narrow."""
    rng = np.random.default_rng(11)
    sd = np.exp(rng.normal(-4.5, 0.3, 6000))
    r = sd * rng.standard_normal(sd.size)
    narrow = stats.norm(np.zeros(sd.size), sd / 1.5)
    for level in (0.95, 0.99):
        res = QuantileTracker().recalibrate_dist(narrow, r, level, kind="return")
        raw = narrow.ppf(1 - level)
        assert np.mean(r < raw) > 2 * (1 - level)
        assert np.isfinite(res.var).all() and (res.var < 0).all()
        late = res.breaches[sd.size // 2 :]
        assert abs(late.mean() - (1 - level)) < _binomial_tolerance(level, late.size)
        # a multiplicative factor on the model's own quantile: exp(q * dlog|VaR|/dlevel)
        z = stats.norm.ppf(level)
        np.testing.assert_allclose(
            res.var, raw * np.exp(res.adjustment / (z * stats.norm.pdf(z))), rtol=1e-4
        )


def test_recalibrate_dist_errors():
    narrow = stats.norm(np.zeros(3), 1.0)
    with pytest.raises(ValueError, match="kind must be one of"):
        QuantileTracker().recalibrate_dist(narrow, np.zeros(3), 0.95, kind="vol")
    with pytest.raises(ValueError, match="realised"):
        QuantileTracker().recalibrate_dist(narrow, [0.0, np.nan, 0.0], 0.95)
