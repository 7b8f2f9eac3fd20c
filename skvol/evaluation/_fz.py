"""The Fissler-Ziegel FZ0 loss for joint (VaR, ES) forecasts of a return."""

from __future__ import annotations

import numpy as np

from skvol.evaluation._backtest import check_level
from skvol.evaluation._scores import _as_1d, _reduce

__all__ = ["fz0_loss"]


def fz0_loss(returns, var, es, level: float, *, per_day: bool = False):
    """Mean FZ0 loss of joint return VaR and ES forecasts (lower is better).

    With ``alpha = 1 - level`` the tail probability, ``v`` the return VaR (the ``alpha``
    quantile of the return, below zero) and ``e`` the return ES (the mean return below
    ``v``, so ``e <= v`` and ``e < 0``),

    ``L(r, v, e) = -1{r <= v} (v - r) / (alpha e) + v / e + log(-e) - 1``

    (Patton, Ziegel & Chen 2019, "Dynamic semiparametric models for expected shortfall
    (and Value-at-Risk)", J. Econometrics 211(2), the FZ0 loss of their Section 2, the
    member of the Fissler & Ziegel (2016) class that is homogeneous of degree zero). It is
    strictly consistent for the pair (VaR, ES): its expectation is smallest at the true
    pair, so it ranks ES models (ES alone is not elicitable). Returns are in the same
    units as ``v`` and ``e`` (decimal log returns for :func:`return_var` and
    :func:`return_es`); the loss does not change when all three are rescaled together
    up to the ``log`` term, which shifts every model by the same constant.

    Parameters
    ----------
    returns : array-like of shape (n_days,)
        Realised returns.
    var : array-like of shape (n_days,) or scalar
        Return VaR forecasts (the ``1 - level`` quantile), below zero.
    es : array-like of shape (n_days,) or scalar
        Return ES forecasts, ``es < 0`` and ``es <= var``.
    level : float
        VaR/ES level in (0, 1), e.g. 0.975 (``alpha = 0.025``).
    per_day : bool, default=False
        Return the loss of each day (ndarray) instead of the mean.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.evaluation import fz0_loss
    >>> r = np.array([0.01, -0.03])
    >>> v, e = -0.02, -0.025
    >>> # day 1: 0.8 + log(0.025) - 1; day 2: -0.01 / (0.025 * -0.025) + 0.8 + log(0.025) - 1
    >>> fz0_loss(r, v, e, level=0.975, per_day=True).round(4)
    array([-3.8889, 12.1111])
    """
    level = check_level(level)
    alpha = 1.0 - level
    r = _as_1d(returns, "returns")
    v = np.broadcast_to(_as_1d(var, "var"), r.shape) if np.size(var) == 1 else _as_1d(var, "var")
    e = np.broadcast_to(_as_1d(es, "es"), r.shape) if np.size(es) == 1 else _as_1d(es, "es")
    for name, arr in (("var", v), ("es", e)):
        if arr.shape != r.shape:
            raise ValueError(f"fz0_loss: returns has {r.size} days but {name} has {arr.size}")
    if np.any(e >= 0):
        pos = int(np.flatnonzero(e >= 0)[0])
        raise ValueError(
            f"fz0_loss: es must be below zero (a return ES, the mean of the worst returns); "
            f"position {pos} holds {e[pos]!r}"
        )
    if np.any(e > v):
        pos = int(np.flatnonzero(e > v)[0])
        raise ValueError(
            f"fz0_loss: es must not exceed var (the ES is the mean below the VaR); position "
            f"{pos} has es={e[pos]!r} > var={v[pos]!r}"
        )
    hit = r <= v
    values = -np.where(hit, v - r, 0.0) / (alpha * e) + v / e + np.log(-e) - 1.0
    return _reduce(values, per_day)
