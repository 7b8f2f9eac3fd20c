"""Value-at-Risk and Expected Shortfall from a predicted distribution of the target.

Two VaRs (and two ES), both first-class:

* **volatility VaR** (the study's): the ``level`` quantile of the predicted distribution of
  tomorrow's target ``Y``; a breach is a realised target *above* it. The volatility ES is
  the mean of ``Y`` above it.
* **return VaR** (the risk manager's): the ``1 - level`` quantile of tomorrow's return
  implied by the predicted variance; a breach is a realised return *below* it. The return
  ES is the mean return below it.

The target ``Y`` links to tomorrow's return variance ``V`` through a
:class:`skvol.NextDayTarget` (``V = target.to_variance(Y)``), which every function here
takes, so the units of a VaR cannot disagree with the model's. ``r | V ~ N(0, V)``: since
``V`` is uncertain, ``r`` follows the *mixture* ``P(r < q) = E_V[Phi(q / sqrt(V))]``;
plugging in a point forecast of ``V`` misstates the tails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import ndtri

from skvol.evaluation._backtest import check_level
from skvol.evaluation._predict import dist_params
from skvol.features._implied import N_NODES, check_n_nodes, target_nodes
from skvol.features._target import NextDayTarget

__all__ = [
    "volatility_var",
    "volatility_es",
    "return_var",
    "return_es",
    "predicted_variance",
]


def _check_dist(dist) -> None:
    if not (hasattr(dist, "ppf") and hasattr(dist, "isf") and hasattr(dist, "dist")):
        raise TypeError(
            "dist must be a frozen scipy.stats distribution (as returned by predict_dist), "
            f"got {type(dist).__name__}"
        )


def check_target(target, caller: str = "target") -> NextDayTarget:
    """Refuse anything but a :class:`NextDayTarget` (the loose transform/scale pair is gone)."""
    if not isinstance(target, NextDayTarget):
        raise TypeError(
            f"{caller}: target must be a skvol.NextDayTarget (the object that built y, e.g. "
            f"NextDayTarget(measure='rv', transform='log', scale=100.0)), got {target!r}"
        )
    return target


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


def volatility_es(dist, level: float, n_nodes: int = N_NODES) -> np.ndarray:
    """Volatility ES: the mean of the predicted target above its ``level`` quantile.

    ``E[Y | Y > q]`` with ``q = F^{-1}(level)``. Closed forms: Normal,
    ``mu + s phi(z) / (1 - level)`` with ``z = ndtri(level)``; Student-t with ``df > 1``,
    ``loc + scale (df + t^2) / (df - 1) f_df(t) / (1 - level)`` with ``t`` the standard-t
    quantile (McNeil, Frey & Embrechts, 2015, Example 2.15); otherwise Gauss-Hermite
    quadrature of ``F^{-1}(level + (1 - level) Phi(Z))``. ``inf`` for a Student-t with
    ``df <= 1``.

    Parameters
    ----------
    dist : frozen scipy.stats distribution
        Predicted distribution of tomorrow's target, one element per row.
    level : float
        Level in (0, 1), e.g. 0.975.
    n_nodes : int, default=64
        Quadrature nodes for distributions without a closed form.

    Returns
    -------
    ndarray of shape (n_rows,)

    Examples
    --------
    >>> from scipy import stats
    >>> from skvol.evaluation import volatility_es
    >>> volatility_es(stats.norm(0.0, 1.0), 0.975).round(4)  # phi(1.96) / 0.025
    array([2.3378])
    """
    _check_dist(dist)
    level = check_level(level)
    alpha = 1.0 - level
    name = getattr(dist.dist, "name", "")
    if name == "norm":
        z = ndtri(level)
        mu, s = np.asarray(dist.mean(), dtype=float), np.asarray(dist.std(), dtype=float)
        return np.atleast_1d(mu + s * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi) / alpha)
    if name == "t":
        p = dist_params(dist)
        df, loc, scale = np.broadcast_arrays(p["df"], p["loc"], p["scale"])
        t = stats.t.ppf(level, df)
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = (df + t**2) / (df - 1.0) * stats.t.pdf(t, df) / alpha
        return np.atleast_1d(np.where(df > 1.0, loc + scale * tail, np.inf))
    y, w = target_nodes(dist, check_n_nodes(n_nodes), p0=level)
    return (w * y).sum(axis=0) / alpha


def return_var(
    dist, level: float, target: NextDayTarget | None, n_nodes: int = N_NODES
) -> np.ndarray:
    """Return VaR: the ``1 - level`` quantile of tomorrow's return under the mixture.

    Solves ``E_V[Phi(q / sqrt(V))] = 1 - level`` for ``q`` row by row, where the
    expectation runs over the predicted distribution of the target ``Y`` and
    ``V = target.to_variance(Y)``. The expectation is a Gauss-Hermite rule with ``n_nodes``
    nodes after the quantile transform ``Y = F^{-1}(Phi(Z))``; the root is bracketed by
    bisection on ``log(-q)`` between the node-wise quantiles and refined by safeguarded
    Newton steps until ``|F(q) - (1 - level)| <= 1e-12 (1 - level)``. The result is a
    return, in decimal log-return units, below zero; a breach is a realised return below it
    (``side="lower"`` in :func:`var_backtest`).

    Parameters
    ----------
    dist : frozen scipy.stats distribution
        Predicted distribution of tomorrow's target, one element per row.
    level : float
        VaR level in (0.5, 1), e.g. 0.95 for the 5% return quantile.
    target : NextDayTarget or None
        The target the model forecasts (its transform and scale). None: ``dist`` is
        tomorrow's *return* distribution itself (EWMA, GARCH), and the VaR is its
        ``1 - level`` quantile.
    n_nodes : int, default=64
        Number of quadrature nodes.

    Returns
    -------
    ndarray of shape (n_rows,)
        The return VaR, ``<= 0``. It is 0 where ``P(r < 0) <= 1 - level``, i.e. where the
        predicted ``V`` is 0 with probability at least ``1 - 2 (1 - level)``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> from skvol import NextDayTarget
    >>> from skvol.evaluation import return_var
    >>> dist = stats.norm(loc=np.log([1e-4, 4e-4]), scale=1e-6)  # V known: 1e-4, 4e-4
    >>> return_var(dist, 0.95, NextDayTarget(scale=1.0)).round(4)  # -1.645 * sqrt(V)
    array([-0.0164, -0.0329])
    """
    _check_dist(dist)
    level = check_level(level)
    if level <= 0.5:
        raise ValueError(f"level must lie in (0.5, 1) for a return VaR, got {level!r}")
    if target is None:
        return np.asarray(dist.ppf(1.0 - level), dtype=float).ravel()
    return check_target(target, "return_var").return_var(dist, level, n_nodes=n_nodes)


def return_es(
    dist,
    level: float,
    target: NextDayTarget | None,
    truncate: float = 0.999,
    n_nodes: int = N_NODES,
) -> np.ndarray:
    """Return Expected Shortfall: the mean return below the return VaR, under the mixture.

    ``ES = E[r | r <= q] = -E_V[sqrt(V) phi(q / sqrt(V))] / (1 - level)``, with ``q`` the
    return VaR of :func:`return_var` and the expectation over the predicted variance by the
    same quadrature. Basel's FRTB regulates on ES at 97.5%. Exact for Normal forecasts;
    for others (Student-t, mixtures) the variances above the ``truncate`` quantile of the
    target are left out (under a Student-t forecast of log RV the exact ES is infinite).

    Parameters
    ----------
    dist : frozen scipy.stats distribution
    level : float
        Level in (0.5, 1), e.g. 0.975.
    target : NextDayTarget or None
        The target the model forecasts. None: ``dist`` is tomorrow's *return*
        distribution itself (EWMA, GARCH; Normal or Student-t), whose lower-tail mean has a
        closed form (minus the upper-tail mean of ``-r``, as in :func:`volatility_es`).
    truncate : float, default=0.999
        Truncation quantile of the target for distributions that are not Normal.
    n_nodes : int, default=64

    Returns
    -------
    ndarray of shape (n_rows,)
        ``<= return_var(dist, level, target)`` (for Normal forecasts).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> from skvol import NextDayTarget
    >>> from skvol.evaluation import return_es
    >>> dist = stats.norm(loc=np.log([1e-4]), scale=1e-6)  # V known: sd 1%
    >>> return_es(dist, 0.975, NextDayTarget(scale=1.0)).round(5)  # -phi(1.96) / 0.025 %
    array([-0.02338])
    """
    _check_dist(dist)
    level = check_level(level)
    if level <= 0.5:
        raise ValueError(f"level must lie in (0.5, 1) for a return ES, got {level!r}")
    if target is None:
        return _return_distribution_es(dist, level)
    return check_target(target, "return_es").return_es(
        dist, level, truncate=truncate, n_nodes=n_nodes
    )


def _return_distribution_es(dist, level: float) -> np.ndarray:
    """``E[r | r <= q]`` of a Normal or Student-t return distribution (closed forms)."""
    name = dist.dist.name
    p = dist_params(dist)
    if name == "norm":
        mirror = stats.norm(-np.asarray(p["loc"]), p["scale"])
    elif name == "t":
        mirror = stats.t(p["df"], -np.asarray(p["loc"]), p["scale"])
    else:
        raise TypeError(
            f"return_es: a return distribution (target=None) has closed forms for norm and t "
            f"only, got scipy.stats.{name}"
        )
    return -np.asarray(volatility_es(mirror, level), dtype=float).ravel()


def predicted_variance(
    dist, target: NextDayTarget, truncate: float = 0.999, n_nodes: int = N_NODES
) -> np.ndarray:
    """Expected variance ``E[V]`` implied by a predicted distribution of the target.

    ``target.expected_variance(dist, truncate)``: exact for a Normal forecast, the mean
    below the ``truncate`` quantile for heavy-tailed forecasts (a Student-t's ``E[exp(Y)]``
    is infinite), so QLIKE can score every model skvol ships. This is the forecast to score
    with QLIKE or MSE against realized variance (Patton 2011).

    Parameters
    ----------
    dist : frozen scipy.stats distribution
        Predicted distribution of tomorrow's target, one element per row.
    target : NextDayTarget
        The target the model forecasts.
    truncate : float, default=0.999
        Truncation quantile for distributions that are not Normal.
    n_nodes : int, default=64
        Number of quadrature nodes.

    Returns
    -------
    ndarray of shape (n_rows,)

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> from skvol import NextDayTarget
    >>> from skvol.evaluation import predicted_variance
    >>> v = predicted_variance(stats.norm(-9.0, 0.5), NextDayTarget(scale=1.0))
    >>> bool(np.isclose(v[0], np.exp(-9.0 + 0.125)))
    True
    """
    _check_dist(dist)
    return check_target(target, "predicted_variance").expected_variance(
        dist, truncate=truncate, n_nodes=n_nodes
    )


KINDS = ("volatility", "return")


def check_kind(kind: str, returns, caller: str, target=None) -> None:
    """Validate ``kind``, and ``returns`` and ``target`` for a return VaR."""
    if kind not in KINDS:
        raise ValueError(f"{caller}: kind must be one of {KINDS}, got {kind!r}")
    if kind == "return" and returns is None:
        raise ValueError(
            f"{caller}: kind='return' needs returns=, the realised daily returns aligned like "
            "the target (e.g. next_day_target(panel, asset, measure='return', transform=None))"
        )
    if kind == "return":
        check_target(target, f"{caller} (kind='return')")


def var_for_kind(
    dist, level: float, kind: str, target, n_rows: int, caller: str
) -> tuple[np.ndarray, str]:
    """The VaR of a given kind for ``n_rows`` rows, and the side a breach lies on.

    A return VaR with ``target=None`` reads ``dist`` as tomorrow's *return* distribution
    (EWMA, GARCH): its ``1 - level`` quantile.
    """
    if kind == "volatility":
        var, side = volatility_var(dist, level), "upper"
    else:
        target = None if target is None else check_target(target, caller)
        var, side = return_var(dist, level, target), "lower"
    if var.size not in (1, n_rows):
        raise ValueError(
            f"{caller}: predict_dist returned a distribution with {var.size} elements "
            f"for {n_rows} rows"
        )
    return np.broadcast_to(var, (n_rows,)), side


def var_level_unit(dist, level: float, kind: str, target, n_rows: int, caller: str) -> np.ndarray:
    """The sensitivity of a VaR to its level, row by row (central differences).

    ``d VaR / d level`` for the volatility VaR (``1 / f(VaR)``), ``d log|VaR| / d level``
    for the return VaR, with step ``h = min(1e-4, (1 - level) / 4)``. A return VaR of 0
    (the variance is 0 with high probability) stays 0 under any factor; its unit is 1.
    This is the ``unit`` that makes :class:`skvol.evaluation.QuantileTracker`'s adjustment
    read in level units.
    """
    h = min(1e-4, (1.0 - level) / 4.0)
    above = var_for_kind(dist, level + h, kind, target, n_rows, caller)[0]
    below = var_for_kind(dist, level - h, kind, target, n_rows, caller)[0]
    if kind == "volatility":
        return (above - below) / (2.0 * h)
    negative = (above < 0) & (below < 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (np.log(-above) - np.log(-below)) / (2.0 * h)
    return np.where(negative, slope, 1.0)


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
