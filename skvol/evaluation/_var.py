"""Value-at-Risk from a predicted distribution: volatility VaR and return VaR.

Two VaRs, both first-class:

* **volatility VaR** (the study's): the ``level`` quantile of the predicted distribution of
  tomorrow's target ``Y``; a breach is a realised target *above* it.
* **return VaR** (the risk manager's): the ``1 - level`` quantile of tomorrow's return
  implied by the predicted variance; a breach is a realised return *below* it.

Return definition. ``r`` is tomorrow's daily natural-log return in decimal units (the sum
of the day's intraday log returns), modelled as ``r | V ~ N(0, V)`` with zero mean, where
``V`` is tomorrow's return variance (realized variance in squared decimal log returns).
The target links to ``V`` as in ``skvol.features.next_day_target``: returns are multiplied
by ``scale`` before squaring, so ``Y = g(scale**2 * V)`` with ``g`` one of

* ``"log"``:      ``Y = log(scale**2 V)``,      ``V = exp(Y) / scale**2``;
* ``"log1p"``:    ``Y = log(1 + scale**2 V)``,  ``V = expm1(Y) / scale**2``;
* ``None`` (identity): ``Y = scale**2 V``,     ``V = Y / scale**2``.

For ``"log1p"`` and None a predicted distribution may put mass where
``g^{-1}(Y) < 0``; that mass is read as ``V = 0`` (a day without movement).

Since ``V`` is uncertain, ``r`` follows the *mixture* ``P(r < q) = E_V[Phi(q / sqrt(V))]``;
plugging in a point forecast of ``V`` (such as ``exp(mu)``, the median of a log-normal,
or even its mean ``exp(mu + s**2 / 2)``) misstates the tails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from skvol.evaluation._backtest import check_level

__all__ = ["volatility_var", "return_var", "predicted_variance", "TRANSFORMS"]

TRANSFORMS = ("log1p", "log", None)
N_NODES = 64
"""Gauss-Hermite nodes used for expectations over the predicted target distribution."""
_BISECTION_STEPS = 10
_NEWTON_STEPS = 30


def _check_dist(dist) -> None:
    if not (hasattr(dist, "ppf") and hasattr(dist, "isf") and hasattr(dist, "dist")):
        raise TypeError(
            "dist must be a frozen scipy.stats distribution (as returned by predict_dist), "
            f"got {type(dist).__name__}"
        )


def _check_transform(transform: str | None, scale: float) -> float:
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {TRANSFORMS}, got {transform!r}")
    scale = float(scale)
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")
    return scale


def volatility_var(dist, level: float) -> np.ndarray:
    """Volatility VaR: the ``level`` quantile of the predicted target distribution.

    A breach is a realised target above it (``side="upper"`` in :func:`var_backtest`).

    Parameters
    ----------
    dist : frozen scipy.stats distribution
        Predicted distribution of tomorrow's target, one element per row.
    level : float
        VaR level in (0, 1), e.g. 0.95.

    Returns
    -------
    ndarray of shape (n_rows,)

    Examples
    --------
    >>> from scipy import stats
    >>> from skvol.evaluation import volatility_var
    >>> volatility_var(stats.norm([0.0, 1.0], 1.0), 0.95).round(4)
    array([1.6449, 2.6449])
    """
    _check_dist(dist)
    level = check_level(level)
    return np.atleast_1d(np.asarray(dist.ppf(level), dtype=float))


def _target_nodes(dist, n_nodes: int, transform: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes of the target ``Y`` where ``V > 0``, and their weights.

    ``E[h(Y)] = E[h(F^{-1}(Phi(Z)))]`` with ``Z ~ N(0, 1)`` is computed by Gauss-Hermite
    quadrature in ``Z`` (probabilists' weight ``exp(-z**2 / 2)``): plain Gauss-Hermite for
    a Normal ``Y``, the same rule after the quantile transform for any other continuous
    distribution (e.g. Student-t). For ``"log1p"`` and None, ``V = 0`` on ``Y <= 0``
    (probability ``p0 = F(0)``): the rule then runs over ``Y | Y > 0``, through
    ``F^{-1}(p0 + (1 - p0) Phi(Z))``, so the kink at ``V = 0`` never falls between nodes;
    the weights (shape (n_nodes, n_rows)) sum to ``1 - p0`` and the mass ``p0`` at
    ``V = 0`` is left implicit. Upper nodes use ``isf`` to keep precision in the tail.
    """
    z, w = np.polynomial.hermite_e.hermegauss(n_nodes)
    w = (w / w.sum())[:, None]
    z = z[:, None]
    if transform == "log":
        p0 = np.zeros(1)
    else:
        p0 = np.atleast_1d(np.asarray(dist.cdf(0.0), dtype=float))
    with np.errstate(over="ignore", invalid="ignore"):
        low = dist.ppf(p0 + (1.0 - p0) * ndtr(np.minimum(z, 0.0)))
        high = dist.isf((1.0 - p0) * ndtr(-np.maximum(z, 0.0)))
    y = np.atleast_2d(np.asarray(np.where(z <= 0, low, high), dtype=float))
    weights = np.broadcast_to(w * (1.0 - p0), y.shape)
    return y, weights


def _variance_from_target(y: np.ndarray, transform: str | None, scale: float) -> np.ndarray:
    with np.errstate(over="ignore"):
        if transform == "log":
            v = np.exp(y)
        elif transform == "log1p":
            v = np.expm1(y)
        else:
            v = np.array(y, dtype=float)
    return np.maximum(v, 0.0) / scale**2


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
    return cdf, np.einsum("ij,ij->j", w, dens) / np.sqrt(2.0 * np.pi)


def return_var(
    dist,
    level: float,
    transform: str | None = "log1p",
    scale: float = 1.0,
    n_nodes: int = N_NODES,
) -> np.ndarray:
    """Return VaR: the ``1 - level`` quantile of tomorrow's return under the mixture.

    Solves ``E_V[Phi(q / sqrt(V))] = 1 - level`` for ``q`` row by row, where the
    expectation runs over the predicted distribution of the target ``Y = g(scale**2 V)``
    (see the module notes for ``g`` and the return definition). The expectation is a
    Gauss-Hermite rule with ``n_nodes`` nodes after the quantile transform
    ``Y = F^{-1}(Phi(Z))``; the root is bracketed by bisection on ``log(-q)``, vectorised over
    rows, between the smallest and largest node-wise quantiles ``ndtri(1 - level) *
    sqrt(V_i)`` (generalised to mass at ``V = 0``: with ``W`` the weight of ``V > 0``,
    the bracket is ``ndtri((1 - level) / W) * sqrt(V_i)``), refined by Newton steps on
    ``q`` that fall back to bisection whenever they would leave the bracket, until
    ``|F(q) - (1 - level)| <= 1e-12 (1 - level)``. The result is a return, in
    decimal log-return units, below zero; a breach is a realised return below it
    (``side="lower"`` in :func:`var_backtest`).

    Parameters
    ----------
    dist : frozen scipy.stats distribution
        Predicted distribution of tomorrow's target, one element per row.
    level : float
        VaR level in (0.5, 1), e.g. 0.95 for the 5% return quantile.
    transform : {"log1p", "log"} or None, default="log1p"
        The target transform ``g``, as given to ``next_day_target`` (None: identity).
    scale : float, default=1.0
        The return scale given to ``next_day_target`` (100 for percent returns).
    n_nodes : int, default=64
        Number of quadrature nodes.

    Returns
    -------
    ndarray of shape (n_rows,)
        The return VaR, ``<= 0``. It is 0 where ``P(r < 0) <= 1 - level``, i.e. where the
        predicted ``V`` is 0 with probability at least ``1 - 2 (1 - level)``.

    Examples
    --------
    >>> from scipy import stats
    >>> from skvol.evaluation import return_var
    >>> import numpy as np
    >>> dist = stats.norm(loc=np.log([1e-4, 4e-4]), scale=1e-6)  # V known: 1e-4, 4e-4
    >>> return_var(dist, 0.95, transform="log").round(4)  # -1.645 * sqrt(V)
    array([-0.0164, -0.0329])
    """
    _check_dist(dist)
    level = check_level(level)
    if level <= 0.5:
        raise ValueError(f"level must lie in (0.5, 1) for a return VaR, got {level!r}")
    scale = _check_transform(transform, scale)
    if not 2 <= int(n_nodes) <= 300:
        raise ValueError(f"n_nodes must lie in [2, 300] (Gauss-Hermite weights), got {n_nodes!r}")
    y, w = _target_nodes(dist, int(n_nodes), transform)
    if np.isnan(y).any():
        raise ValueError("the predicted distribution gives NaN quantiles (invalid parameters)")
    sd = np.sqrt(_variance_from_target(y, transform, scale))
    target = 1.0 - level
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


def predicted_variance(
    dist, transform: str | None = "log1p", scale: float = 1.0, n_nodes: int = N_NODES
) -> np.ndarray:
    """Expected variance ``E[V]`` implied by a predicted distribution of the target.

    ``V = g^{-1}(Y) / scale**2`` (module notes), averaged over the predicted distribution
    of ``Y``: in closed form for a Normal ``Y`` with ``transform="log"``
    (``exp(mu + s**2 / 2) / scale**2``, the log-normal mean), otherwise by the quadrature of
    :func:`return_var`. This is the forecast to score with QLIKE or MSE against realized
    variance (Patton 2011).

    Parameters
    ----------
    dist : frozen scipy.stats distribution
        Predicted distribution of tomorrow's target, one element per row.
    transform : {"log1p", "log"} or None, default="log1p"
        The target transform ``g`` (None: identity).
    scale : float, default=1.0
        The return scale of the target.
    n_nodes : int, default=64
        Number of quadrature nodes.

    Returns
    -------
    ndarray of shape (n_rows,)

    Raises
    ------
    ValueError
        For a Student-t target under ``"log"`` or ``"log1p"``: ``E[exp(Y)]`` is infinite.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> from skvol.evaluation import predicted_variance
    >>> v = predicted_variance(stats.norm(-9.0, 0.5), transform="log")
    >>> bool(np.isclose(v[0], np.exp(-9.0 + 0.125)))
    True
    """
    _check_dist(dist)
    scale = _check_transform(transform, scale)
    name = getattr(dist.dist, "name", "")
    if name == "t" and transform in ("log", "log1p"):
        raise ValueError(
            f"the expected variance of a Student-t target under transform={transform!r} is "
            "infinite (E[exp(Y)] diverges); score a Normal forecast or use return_var"
        )
    if name == "norm" and transform == "log":
        mu, s = np.atleast_1d(dist.mean()), np.atleast_1d(dist.std())
        return np.exp(mu + 0.5 * s**2) / scale**2
    if not 2 <= int(n_nodes) <= 300:
        raise ValueError(f"n_nodes must lie in [2, 300] (Gauss-Hermite weights), got {n_nodes!r}")
    y, w = _target_nodes(dist, int(n_nodes), transform)
    v = _variance_from_target(y, transform, scale)
    return np.where(w > 0, w * v, 0.0).sum(axis=0)


KINDS = ("volatility", "return")


def check_kind(kind: str, returns, caller: str) -> None:
    """Validate ``kind`` and the presence of ``returns`` for a return VaR."""
    if kind not in KINDS:
        raise ValueError(f"{caller}: kind must be one of {KINDS}, got {kind!r}")
    if kind == "return" and returns is None:
        raise ValueError(
            f"{caller}: kind='return' needs returns=, the realised daily returns aligned like "
            "the target (e.g. next_day_target(panel, asset, measure='return', transform=None))"
        )


def var_for_kind(
    dist, level: float, kind: str, transform, scale: float, n_rows: int, caller: str
) -> tuple[np.ndarray, str]:
    """The VaR of a given kind for ``n_rows`` rows, and the side a breach lies on."""
    if kind == "volatility":
        var, side = volatility_var(dist, level), "upper"
    else:
        var, side = return_var(dist, level, transform=transform, scale=scale), "lower"
    if var.size not in (1, n_rows):
        raise ValueError(
            f"{caller}: predict_dist returned a distribution with {var.size} elements "
            f"for {n_rows} rows"
        )
    return np.broadcast_to(var, (n_rows,)), side


def aligned_returns(returns, index, caller: str) -> np.ndarray:
    """Look up the realised returns of the rows dated ``index``.

    ``returns`` is a Series indexed by date holding, at row ``t``, the return realised on
    the day after ``t`` (the alignment of ``next_day_target``).
    """
    if not isinstance(returns, pd.Series) or not isinstance(returns.index, pd.DatetimeIndex):
        raise TypeError(
            f"{caller}: returns must be a pandas Series with a DatetimeIndex, "
            f"got {type(returns).__name__}"
        )
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError(
            f"{caller}: kind='return' looks returns up by date, so X (or y) must be a pandas "
            "object with a DatetimeIndex"
        )
    missing = index.difference(returns.index)
    if len(missing):
        raise ValueError(
            f"{caller}: returns has no value for {len(missing)} date(s), first {missing[0]}"
        )
    if returns.index.has_duplicates:
        raise ValueError(f"{caller}: returns has duplicate dates")
    values = returns.reindex(index).to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"{caller}: returns is not finite on {index[np.flatnonzero(bad)[0]]} "
            "(drop the last row, whose next-day return is unknown)"
        )
    return values
