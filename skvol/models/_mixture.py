"""An equal-weight mixture of frozen scipy distributions: how an ensemble predicts.

An ensemble of ``K`` probabilistic models predicts, for each element, the mixture
``F(x) = (1/K) sum_k F_k(x)`` of its members' predictive distributions (the "linear
opinion pool"; Gneiting and Ranjan, 2013, eq. 1 with equal weights; Lakshminarayanan,
Pritzel and Blundell, 2017, deep ensembles). Densities, CDFs and survival functions
average; the mean is the average of the means and the variance is the law of total
variance ``mean_k(var_k + mu_k**2) - mu**2``. Quantiles have no closed form: they are
found by a safeguarded Newton iteration inside the bracket ``[min_k F_k^{-1}(q),
max_k F_k^{-1}(q)]``, which contains the mixture quantile because the mixture CDF lies
between the smallest and the largest member CDF. This module does not import torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

__all__ = ["MixtureDistribution"]

#: Iterations of the safeguarded Newton solver for ``ppf``/``isf`` (each halves the
#: bracket at least when a Newton step leaves it; Newton converges quadratically inside).
_SOLVER_STEPS = 80


@dataclass(frozen=True)
class _MixtureFamily:
    """What ``dist.dist`` is for a frozen scipy distribution: here just the family name."""

    name: str
    component: str


class MixtureDistribution:
    """Equal-weight mixture of frozen scipy distributions with the same shape.

    Parameters
    ----------
    components : sequence of frozen scipy.stats distributions
        The members' predictive distributions; every method broadcasts their parameters
        to one shape (for example ``(n_rows, n_assets)``). A NaN parameter in any member
        makes that element NaN in every method.

    Attributes
    ----------
    components : tuple
        The members.
    weights : ndarray of shape (n_components,)
        ``1 / n_components`` each.
    dist : object
        ``dist.name`` is ``"mixture"`` and ``dist.component`` the members' family name
        (for example ``"norm"``), so code that checks for ``dist.dist`` accepts it.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> from skvol.models._mixture import MixtureDistribution
    >>> mix = MixtureDistribution([stats.norm([0.0, 1.0], 1.0), stats.norm([2.0, 1.0], 1.0)])
    >>> mix.mean()
    array([1., 1.])
    >>> mix.var().round(6)
    array([2., 1.])
    >>> bool(np.allclose(mix.cdf(mix.ppf(0.9)), 0.9))
    True
    """

    def __init__(self, components: Sequence):
        components = tuple(components)
        if not components:
            raise ValueError("MixtureDistribution needs at least one component")
        names = {c.dist.name for c in components}
        self.components = components
        self.weights = np.full(len(components), 1.0 / len(components))
        self.dist = _MixtureFamily(name="mixture", component="/".join(sorted(names)))

    def _stack(self, method: str, x) -> np.ndarray:
        return np.stack(
            [np.asarray(getattr(c, method)(x), dtype=np.float64) for c in self.components]
        )

    def pdf(self, x) -> np.ndarray:
        """Density ``mean_k f_k(x)``."""
        return self._stack("pdf", x).mean(axis=0)

    def logpdf(self, x) -> np.ndarray:
        """Log density ``logsumexp_k(log f_k(x)) - log K`` (stable in the tails)."""
        logs = self._stack("logpdf", x)
        return logsumexp(logs, axis=0) - np.log(len(self.components))

    def cdf(self, x) -> np.ndarray:
        """``mean_k F_k(x)``."""
        return self._stack("cdf", x).mean(axis=0)

    def sf(self, x) -> np.ndarray:
        """Survival function ``mean_k (1 - F_k(x))`` (accurate in the upper tail)."""
        return self._stack("sf", x).mean(axis=0)

    def logcdf(self, x) -> np.ndarray:
        """``log F(x)``."""
        return logsumexp(self._stack("logcdf", x), axis=0) - np.log(len(self.components))

    def logsf(self, x) -> np.ndarray:
        """``log(1 - F(x))``."""
        return logsumexp(self._stack("logsf", x), axis=0) - np.log(len(self.components))

    def mean(self) -> np.ndarray:
        """``mean_k mu_k``."""
        return np.stack([np.asarray(c.mean(), dtype=np.float64) for c in self.components]).mean(
            axis=0
        )

    def var(self) -> np.ndarray:
        """Law of total variance: ``mean_k(var_k + mu_k**2) - mean**2``."""
        means = np.stack([np.asarray(c.mean(), dtype=np.float64) for c in self.components])
        variances = np.stack([np.asarray(c.var(), dtype=np.float64) for c in self.components])
        mu = means.mean(axis=0)
        return variances.mean(axis=0) + ((means - mu) ** 2).mean(axis=0)

    def std(self) -> np.ndarray:
        """``sqrt(var())``."""
        return np.sqrt(self.var())

    def _solve(self, q, upper: bool) -> np.ndarray:
        """``x`` with ``F(x) = q`` (``upper=False``) or ``1 - F(x) = q`` (``upper=True``)."""
        method = "isf" if upper else "ppf"
        bounds = self._stack(method, q)
        lo, hi = bounds.min(axis=0), bounds.max(axis=0)
        q = np.broadcast_to(np.asarray(q, dtype=np.float64), lo.shape)
        # F is increasing, 1 - F decreasing: g(x) = sign * (target(x) - q) is increasing
        sign = -1.0 if upper else 1.0
        target = self.sf if upper else self.cdf
        x = np.where(np.isfinite(lo) & np.isfinite(hi), 0.5 * (lo + hi), lo)
        active = np.isfinite(lo) & np.isfinite(hi) & (hi > lo)
        for _ in range(_SOLVER_STEPS):
            if not active.any():
                break
            g = sign * (target(x) - q)
            lo = np.where(active & (g < 0), x, lo)
            hi = np.where(active & (g > 0), x, hi)
            with np.errstate(divide="ignore", invalid="ignore"):
                newton = x - g / self.pdf(x)
            inside = np.isfinite(newton) & (newton > lo) & (newton < hi)
            step = np.where(inside, newton, 0.5 * (lo + hi))
            done = (g == 0) | (np.abs(step - x) <= 4 * np.finfo(np.float64).eps * np.abs(x))
            x = np.where(active, step, x)
            active = active & ~done & (hi > lo)
        nan = np.isnan(lo) | np.isnan(hi) | np.isnan(q)
        return np.where(nan, np.nan, x)

    def ppf(self, q) -> np.ndarray:
        """Quantile function: ``x`` with ``F(x) = q`` (``-inf`` at 0, ``+inf`` at 1)."""
        return self._solve(q, upper=False)

    def isf(self, q) -> np.ndarray:
        """Inverse survival function: ``x`` with ``1 - F(x) = q`` (accurate for small q)."""
        return self._solve(q, upper=True)

    def median(self) -> np.ndarray:
        """``ppf(0.5)``."""
        return self.ppf(0.5)

    def interval(self, confidence) -> tuple[np.ndarray, np.ndarray]:
        """Equal-tailed interval ``(ppf((1 - c) / 2), isf((1 - c) / 2))``."""
        tail = (1.0 - np.asarray(confidence, dtype=np.float64)) / 2.0
        return self.ppf(tail), self.isf(tail)

    def rvs(self, size=None, random_state=None) -> np.ndarray:
        """Draws: each element takes a uniformly chosen member, then draws from it."""
        rng = np.random.default_rng(random_state)
        draws = np.stack([np.asarray(c.rvs(size=size, random_state=rng)) for c in self.components])
        pick = rng.integers(len(self.components), size=draws.shape[1:])
        return np.take_along_axis(draws, pick[None], axis=0)[0]

    def __repr__(self) -> str:
        return (
            f"MixtureDistribution({len(self.components)} x {self.dist.component}, "
            f"shape={np.shape(self.mean())})"
        )
