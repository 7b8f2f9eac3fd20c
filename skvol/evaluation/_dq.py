"""Engle & Manganelli (2004) dynamic quantile (DQ) test of a VaR forecast."""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from scipy import stats

from skvol.evaluation._backtest import _as_float_1d, breach_flags, check_level

__all__ = ["DynamicQuantileResult", "dq_test"]


@dataclass(frozen=True)
class DynamicQuantileResult:
    """Engle & Manganelli (2004) dynamic quantile test (see :func:`dq_test`).

    Attributes
    ----------
    statistic : float
        ``DQ``, asymptotically chi-squared with ``df`` degrees of freedom under the null.
    pvalue : float
        ``P(chi2(df) >= statistic)``.
    df : int
        Rank of the regressor matrix: ``lags + 2`` (constant, lagged hits, VaR) unless
        regressors are collinear (a constant VaR, lags without a breach).
    lags : int
        Lagged hits in the regression.
    breaches : int
        Breaches over all ``days``.
    days : int
        Days given; the regression uses the last ``days - lags``.
    level : float
        VaR level; the null breach probability is ``1 - level``.
    null, alternative : str
        The hypotheses in words.
    """

    statistic: float
    pvalue: float
    df: int
    lags: int
    breaches: int
    days: int
    level: float
    null: str = field(repr=False)
    alternative: str = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"DynamicQuantileResult(DQ={self.statistic:.4g}, pvalue={self.pvalue:.4g}, "
            f"df={self.df}, lags={self.lags}, breaches={self.breaches}/{self.days})"
        )


def dq_test(
    y_true, var, level: float, *, lags: int = 4, side: str = "upper"
) -> DynamicQuantileResult:
    """Engle & Manganelli (2004) dynamic quantile test: are the VaR hits unpredictable?

    With the demeaned hits ``Hit_t = 1{breach on day t} - p``, ``p = 1 - level``, the
    regression of ``Hit_t`` on ``X_t = (1, Hit_{t-1}, ..., Hit_{t-lags}, VaR_t)`` over
    ``t = lags + 1, ..., n`` gives the out-of-sample statistic

    ``DQ = Hit' X (X'X)^{-1} X' Hit / (p (1 - p))``

    (Engle & Manganelli 2004, "CAViaR: conditional autoregressive value at risk by
    regression quantiles", J. Bus. Econ. Stat. 22(4), the out-of-sample DQ test),
    asymptotically chi-squared with ``lags + 2`` degrees of freedom under the null that
    the hits are independent of the past hits and of the VaR with mean zero (correct
    coverage, no clustering). ``(X'X)^{-1}`` is taken as the Moore-Penrose pseudo-inverse:
    ``Hit' X (X'X)^+ X' Hit`` is the squared norm of the projection of ``Hit`` on the
    columns of ``X``, chi-squared with ``rank(X)`` degrees of freedom, so a constant VaR
    (collinear with the constant) or lags without a breach lower ``df`` instead of failing.

    Parameters
    ----------
    y_true : array-like of shape (n_days,)
        Realised values in time order (target for a volatility VaR, return for a return VaR).
    var : array-like of shape (n_days,)
        VaR forecast for each day.
    level : float
        VaR level in (0, 1).
    lags : int, default=4
        Lagged hits in the regression (Engle & Manganelli use 4).
    side : {"upper", "lower"}, default="upper"
        "upper": a breach is ``y_true > var`` (volatility VaR); "lower": ``y_true < var``
        (return VaR), as in :func:`breach_flags`.

    Returns
    -------
    DynamicQuantileResult

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.evaluation import dq_test
    >>> rng = np.random.default_rng(0)
    >>> y = rng.standard_normal(1000)
    >>> var = np.full(1000, -1.645) + 0.01 * rng.standard_normal(1000)
    >>> res = dq_test(y, var, 0.95, side="lower")
    >>> res.df, res.pvalue > 0.05
    (6, True)
    """
    caller = "dq_test"
    level = check_level(level)
    if isinstance(lags, bool) or not isinstance(lags, Integral) or lags < 0:
        raise ValueError(f"{caller}: lags must be a non-negative int, got {lags!r}")
    lags = int(lags)
    flags = breach_flags(y_true, var, side)
    v = _as_float_1d(var, "var")
    n = flags.size
    if n <= lags + 2:
        raise ValueError(
            f"{caller}: {n} days leave too few for a regression on {lags + 2} regressors"
        )
    p = 1.0 - level
    hit = flags.astype(float) - p
    rows = np.arange(lags, n)
    design = np.column_stack(
        [np.ones(rows.size), *(hit[rows - k] for k in range(1, lags + 1)), v[rows]]
    )
    coef, _, rank, _ = np.linalg.lstsq(design, hit[rows], rcond=None)
    fitted = design @ coef
    statistic = float(fitted @ fitted / (p * (1.0 - p)))
    return DynamicQuantileResult(
        statistic=statistic,
        pvalue=float(stats.chi2.sf(statistic, rank)),
        df=int(rank),
        lags=lags,
        breaches=int(flags.sum()),
        days=n,
        level=level,
        null=(
            f"breaches occur with probability {p:g} independently of past breaches and of the VaR"
        ),
        alternative="breaches are predictable from past breaches or the VaR (or miscovered)",
    )
