"""What a predicted distribution of the target implies for tomorrow's variance and return.

The numerics behind :class:`skvol.NextDayTarget`'s ``expected_variance``, ``return_var``
and ``return_es``: expectations over the predicted distribution of the target ``Y``
(one element per row), mapped to the variance ``V = g^{-1}(Y) / scale**2`` by the target's
inverse transform (passed in as ``to_variance``; it is written once, in the target).

Return model. ``r | V ~ N(0, V)``: tomorrow's daily log return in decimal units has zero
mean and variance ``V``. Since ``V`` is uncertain, ``r`` follows the *mixture*
``P(r < q) = E_V[Phi(q / sqrt(V))]``; plugging in a point forecast of ``V`` misstates
the tails.

Quadrature. ``E[h(Y)] = E[h(F^{-1}(Phi(Z)))]`` with ``Z ~ N(0, 1)`` is a Gauss-Hermite
rule in ``Z`` (probabilists' weight ``exp(-z**2 / 2)``): plain Gauss-Hermite for a Normal
``Y``, the same rule after the quantile transform for any other continuous distribution.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import ndtr, ndtri

N_NODES = 64
"""Gauss-Hermite nodes used for expectations over the predicted target distribution."""
_BISECTION_STEPS = 10
_NEWTON_STEPS = 30
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)

ToVariance = Callable[[np.ndarray], np.ndarray]


def check_n_nodes(n_nodes: int) -> int:
    if not 2 <= int(n_nodes) <= 300:
        raise ValueError(f"n_nodes must lie in [2, 300] (Gauss-Hermite weights), got {n_nodes!r}")
    return int(n_nodes)


def target_nodes(
    dist, n_nodes: int, p0: np.ndarray | float = 0.0, p1: np.ndarray | float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes of ``Y`` restricted to ``F^{-1}(p0) < Y <= F^{-1}(p1)``, and weights.

    The rule runs over ``Y`` given that interval, through ``F^{-1}(p0 + (p1 - p0) Phi(Z))``,
    so a kink at the interval's ends (``V = 0`` below ``F^{-1}(p0)``; a truncation at
    ``F^{-1}(p1)``) never falls between nodes. The weights (shape (n_nodes, n_rows)) sum to
    ``p1 - p0``: the mass outside is left to the caller. Upper nodes use ``isf`` to keep
    precision in the tail.
    """
    z, w = np.polynomial.hermite_e.hermegauss(n_nodes)
    w = (w / w.sum())[:, None]
    z = z[:, None]
    p0 = np.atleast_1d(np.asarray(p0, dtype=float))
    p1 = np.atleast_1d(np.asarray(p1, dtype=float))
    width = p1 - p0
    with np.errstate(over="ignore", invalid="ignore"):
        low = dist.ppf(p0 + width * ndtr(np.minimum(z, 0.0)))
        high = dist.isf((1.0 - p1) + width * ndtr(-np.maximum(z, 0.0)))
    y = np.atleast_2d(np.asarray(np.where(z <= 0, low, high), dtype=float))
    weights = np.broadcast_to(w * width, y.shape)
    return y, weights


def zero_variance_mass(dist, y_zero: float | None) -> np.ndarray:
    """``P(V = 0) = F(y_zero)``: the predicted mass the inverse transform clips to zero.

    ``y_zero`` is the largest target value mapped to ``V = 0`` (None when ``V > 0``
    everywhere, as for ``"log"``; 0 for ``"log1p"`` and the identity).
    """
    if y_zero is None:
        return np.zeros(1)
    return np.atleast_1d(np.asarray(dist.cdf(y_zero), dtype=float))


def _mixture_cdf_pdf(q: np.ndarray, inv_sd: np.ndarray, w: np.ndarray):
    """``F(q) = sum_i w_i Phi(q / sd_i)`` and its derivative, for ``q < 0``, row by row.

    ``inv_sd`` (shape (n_nodes, n_rows)) is ``1 / sd``: ``inf`` where ``V = 0`` (that node's
    return is 0, below no ``q < 0``) and ``0`` where ``V = inf`` (probability one half).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        z = q * inv_sd
        cdf = np.einsum("ij,ij->j", w, ndtr(z))
        dens = np.exp(-0.5 * z * z) * inv_sd
    dens[~np.isfinite(dens)] = 0.0
    return cdf, np.einsum("ij,ij->j", w, dens) * _INV_SQRT_2PI


def _return_nodes(dist, to_variance: ToVariance, y_zero: float | None, n_nodes: int):
    p0 = zero_variance_mass(dist, y_zero)
    y, w = target_nodes(dist, check_n_nodes(n_nodes), p0=p0)
    if np.isnan(y).any():
        raise ValueError("the predicted distribution gives NaN quantiles (invalid parameters)")
    return np.sqrt(to_variance(y)), w


def return_quantile(
    dist, level: float, to_variance: ToVariance, y_zero: float | None, n_nodes: int = N_NODES
):
    """The ``1 - level`` quantile of tomorrow's return under the mixture, row by row.

    Solves ``E_V[Phi(q / sqrt(V))] = 1 - level`` for ``q``. The root is bracketed by
    bisection on ``log(-q)``, vectorised over rows, between the smallest and largest
    node-wise quantiles ``ndtri(1 - level) * sqrt(V_i)`` (generalised to mass at ``V = 0``:
    with ``W`` the weight of ``V > 0``, the bracket is ``ndtri((1 - level) / W) * sqrt(V_i)``),
    refined by Newton steps on ``q`` that fall back to bisection whenever they would leave
    the bracket, until ``|F(q) - (1 - level)| <= 1e-12 (1 - level)``. It is 0 where
    ``P(r < 0) <= 1 - level``.
    """
    sd, w = _return_nodes(dist, to_variance, y_zero, n_nodes)
    return _solve_quantile(sd, w, 1.0 - level)


def _solve_quantile(sd: np.ndarray, w: np.ndarray, target: float) -> np.ndarray:
    positive = np.isfinite(sd) & (sd > 0)
    w_pos = np.where(positive, w, 0.0).sum(axis=0)
    w_inf = np.where(np.isinf(sd), w, 0.0).sum(axis=0)
    # F(q) -> (w_pos + w_inf) / 2 as q -> 0-: below target, the quantile is 0 itself.
    zero = 0.5 * (w_pos + w_inf) <= target
    with np.errstate(divide="ignore", invalid="ignore"):
        c = ndtri(np.clip((target - 0.5 * w_inf) / w_pos, 0.0, 0.5))
    # With c = ndtri((target - w_inf / 2) / w_pos): F(c sd_max) <= target <= F(c sd_min).
    log_sd = np.log(np.where(positive, sd, 1.0))
    log_c = np.log(-np.where(zero | ~np.isfinite(c), -1.0, c))
    lo = np.where(positive, log_sd, np.inf).min(axis=0) + log_c - 1e-9
    hi = np.where(positive, log_sd, -np.inf).max(axis=0) + log_c + 1e-9
    lo = np.where(zero, 0.0, lo)
    hi = np.where(zero, 0.0, hi)
    with np.errstate(divide="ignore"):
        inv_sd = 1.0 / sd
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        above = _mixture_cdf_pdf(-np.exp(mid), inv_sd, w)[0] > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    # Safeguarded Newton in q: steps leaving the bracket fall back to its midpoint.
    q_lo, q_hi = -np.exp(hi), -np.exp(lo)
    q = 0.5 * (q_lo + q_hi)
    for _ in range(_NEWTON_STEPS):
        cdf, pdf = _mixture_cdf_pdf(q, inv_sd, w)
        gap = cdf - target
        q_hi = np.where(gap > 0, q, q_hi)
        q_lo = np.where(gap > 0, q_lo, q)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = q - gap / pdf
        inside = np.isfinite(step) & (step >= q_lo) & (step <= q_hi)
        done = (np.abs(gap) <= 1e-12 * target) | zero
        q = np.where(done, q, np.where(inside, step, 0.5 * (q_lo + q_hi)))
        if done.all():
            break
    return np.where(zero, 0.0, np.where(np.isfinite(c), q, -np.inf))


def return_shortfall(
    dist,
    level: float,
    to_variance: ToVariance,
    y_zero: float | None,
    n_nodes: int = N_NODES,
    truncate: float = 1.0,
):
    """Expected Shortfall ``E[r | r <= q]`` of tomorrow's return under the mixture.

    With ``q`` the return VaR (:func:`return_quantile`) and ``alpha = 1 - level``, the
    Normal partial expectation ``E[r 1{r <= q} | V] = -sqrt(V) phi(q / sqrt(V))`` averaged
    over the predicted ``V`` gives ``ES = -E_V[sqrt(V) phi(q / sqrt(V))] / alpha``. For
    ``truncate < 1`` the average leaves out the variances above the ``truncate`` quantile
    of ``Y`` (``E[... 1{Y <= F^{-1}(truncate)}]``): under a Student-t forecast of log
    variance ``E[sqrt(V)] = E[exp(Y / 2)]`` diverges and so does the exact ES. Where
    ``P(V = 0)`` is so large that ``q = 0``, ES is the mean over the ``alpha`` tail of which
    the part beyond ``r < 0`` sits at 0. ``-inf`` where ``V`` is infinite with positive
    probability.
    """
    sd, w = _return_nodes(dist, to_variance, y_zero, n_nodes)
    alpha = 1.0 - level
    q = _solve_quantile(sd, w, alpha)
    if truncate < 1.0:
        p0 = zero_variance_mass(dist, y_zero)
        y, w = target_nodes(dist, check_n_nodes(n_nodes), p0=p0, p1=np.maximum(truncate, p0))
        sd = np.sqrt(to_variance(y))
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        z = q / sd
        partial = np.where(sd > 0, sd * np.exp(-0.5 * z * z), 0.0) * _INV_SQRT_2PI
    partial = np.where(np.isinf(sd), np.inf, partial)
    return -np.einsum("ij,ij->j", w, partial) / alpha


def expected_variance(
    dist,
    to_variance: ToVariance,
    y_zero: float | None,
    n_nodes: int = N_NODES,
    truncate: float = 1.0,
) -> np.ndarray:
    """``E[V]``, or ``E[V | Y <= F^{-1}(truncate)]`` for ``truncate < 1``, by quadrature."""
    p0 = zero_variance_mass(dist, y_zero)
    p1 = np.maximum(truncate, p0)
    y, w = target_nodes(dist, check_n_nodes(n_nodes), p0=p0, p1=p1)
    v = to_variance(y)
    return np.where(w > 0, w * v, 0.0).sum(axis=0) / truncate
