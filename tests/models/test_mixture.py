"""The equal-weight mixture an ensemble predicts: its methods agree with each other and
with independent references (numerical integration, scipy's own single distributions)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import integrate, stats

from skvol.evaluation import volatility_var
from skvol.models._mixture import MixtureDistribution


def _mixture(family: str = "norm") -> MixtureDistribution:
    rng = np.random.default_rng(0)
    locs = rng.normal(size=(3, 4, 2))
    scales = rng.uniform(0.3, 2.0, size=(3, 4, 2))
    if family == "norm":
        members = [stats.norm(locs[k], scales[k]) for k in range(3)]
    else:
        dfs = rng.uniform(2.5, 8.0, size=(3, 4, 2))
        members = [stats.t(dfs[k], locs[k], scales[k]) for k in range(3)]
    return MixtureDistribution(members)


@pytest.mark.parametrize("family", ["norm", "t"])
def test_ppf_inverts_cdf_and_isf_inverts_sf(family):
    mix = _mixture(family)
    x = np.linspace(-6, 6, 25)[:, None, None]
    np.testing.assert_allclose(mix.ppf(mix.cdf(x)), np.broadcast_to(x, (25, 4, 2)), atol=1e-8)
    q = np.array([1e-6, 0.01, 0.05, 0.5, 0.95, 0.99])[:, None, None]
    np.testing.assert_allclose(mix.cdf(mix.ppf(q)), np.broadcast_to(q, (6, 4, 2)), rtol=1e-9)
    np.testing.assert_allclose(mix.sf(mix.isf(q)), np.broadcast_to(q, (6, 4, 2)), rtol=1e-9)
    # the isf keeps its precision where 1 - q rounds: sf(isf(1e-12)) = 1e-12
    np.testing.assert_allclose(mix.sf(mix.isf(1e-12)), 1e-12, rtol=1e-6)
    np.testing.assert_allclose(mix.sf(x), 1 - mix.cdf(x), atol=1e-12)
    np.testing.assert_allclose(mix.logpdf(x), np.log(mix.pdf(x)), rtol=1e-10)
    np.testing.assert_allclose(mix.median(), mix.ppf(0.5))
    low, high = mix.interval(0.9)
    np.testing.assert_allclose(low, mix.ppf(0.05))
    np.testing.assert_allclose(high, mix.ppf(0.95), rtol=1e-10)
    assert mix.ppf(0.0).min() == -np.inf and mix.ppf(1.0).max() == np.inf


@pytest.mark.parametrize("family", ["norm", "t"])
def test_moments_and_cdf_match_numerical_integration(family):
    mix = _mixture(family)
    element = (2, 1)
    members = [
        c.dist(
            *[np.asarray(a)[element] for a in c.args],
            **{k: np.asarray(v)[element] for k, v in c.kwds.items()},
        )
        for c in mix.components
    ]

    def pdf(x):
        return np.mean([m.pdf(x) for m in members])

    mean = integrate.quad(lambda x: x * pdf(x), -np.inf, np.inf)[0]
    second = integrate.quad(lambda x: x * x * pdf(x), -np.inf, np.inf, limit=200)[0]
    np.testing.assert_allclose(mix.mean()[element], mean, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(mix.var()[element], second - mean**2, rtol=1e-6)
    np.testing.assert_allclose(mix.std()[element] ** 2, second - mean**2, rtol=1e-6)
    np.testing.assert_allclose(
        mix.cdf(0.3)[element], integrate.quad(pdf, -np.inf, 0.3)[0], rtol=1e-8
    )


def test_one_component_is_scipy_itself_and_nan_propagates():
    single = stats.t([3.0, 5.0], [0.0, np.nan], [1.0, 2.0])
    mix = MixtureDistribution([single])
    np.testing.assert_allclose(mix.ppf(0.95)[0], single.ppf(0.95)[0], rtol=1e-12)
    np.testing.assert_allclose(mix.isf(0.01)[0], single.isf(0.01)[0], rtol=1e-12)
    assert np.isnan(mix.ppf(0.95)[1]) and np.isnan(mix.mean()[1]) and np.isnan(mix.cdf(0.0)[1])


def test_identical_components_give_the_component():
    norm = stats.norm(1.0, 2.0)
    mix = MixtureDistribution([norm, norm, norm])
    np.testing.assert_allclose(mix.ppf(0.99), norm.ppf(0.99), rtol=1e-12)
    np.testing.assert_allclose(mix.var(), 4.0)


def test_the_var_code_accepts_a_mixture():
    mix = _mixture()
    assert mix.dist.name == "mixture" and mix.dist.component == "norm"
    np.testing.assert_allclose(volatility_var(mix, 0.95), np.atleast_1d(mix.ppf(0.95)))


def test_rvs_follow_the_mixture():
    mix = MixtureDistribution([stats.norm(-2.0, 0.5), stats.norm(2.0, 0.5)])
    draws = mix.rvs(size=20_000, random_state=0)
    assert stats.kstest(draws, mix.cdf).pvalue > 0.01


def test_empty_mixture_is_refused():
    with pytest.raises(ValueError, match="at least one component"):
        MixtureDistribution([])


def test_mixture_module_does_not_import_torch():
    code = "import sys, skvol.models._mixture; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
