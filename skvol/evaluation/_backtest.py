"""VaR backtests: Kupiec, Christoffersen, the Basel traffic light and a one-call summary.

A *breach* (exception, hit) is a day on which the realised value lies beyond the VaR. All
tests take the 0/1 breach sequence in time order and the VaR ``level`` (0.95 for a 95%
VaR, so the breach probability under the null is ``p = 1 - level``).

Log-likelihoods use the convention ``0 * log(0) = 0`` (the limit of ``x log x``), so zero
breaches, all breaches and empty transition counts are handled exactly, without clipping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import xlogy

__all__ = [
    "KupiecResult",
    "ChristoffersenIndependenceResult",
    "ConditionalCoverageResult",
    "TrafficLightResult",
    "VaRBacktestResult",
    "breach_flags",
    "kupiec_pof",
    "christoffersen_independence",
    "christoffersen_conditional_coverage",
    "traffic_light",
    "traffic_light_series",
    "var_backtest",
    "var_backtest_table",
]

SIGNIFICANCE = 0.05
"""Size of the two-sided Kupiec test behind :attr:`VaRBacktestResult.verdict`."""
BASEL_LEVEL = 0.99
"""The VaR level the Basel traffic light is defined for."""
BASEL_DAYS = 250
"""The Basel traffic light counts the breaches of the last 250 trading days."""
NOT_APPLICABLE = "n/a"
"""The table's traffic-light entry when the zones do not apply (not 99% VaR, < 250 days)."""


@dataclass(frozen=True)
class KupiecResult:
    """Kupiec (1995) proportion-of-failures test.

    Attributes
    ----------
    statistic : float
        Likelihood ratio ``LR_pof``, asymptotically chi-squared with ``df`` = 1 under the null.
    pvalue : float
        ``P(chi2(1) >= statistic)``.
    df : int
        Degrees of freedom (1).
    breaches : int
        Number of breaches ``x``.
    days : int
        Number of days ``n``.
    level : float
        VaR level; the null breach probability is ``1 - level``.
    """

    statistic: float
    pvalue: float
    df: int
    breaches: int
    days: int
    level: float

    @property
    def expected_breaches(self) -> float:
        """Breaches expected under the null, ``n * (1 - level)``."""
        return self.days * (1.0 - self.level)

    def __repr__(self) -> str:
        return (
            f"KupiecResult(LR={self.statistic:.4g}, pvalue={self.pvalue:.4g}, df={self.df}, "
            f"breaches={self.breaches}/{self.days}, expected={self.expected_breaches:.4g})"
        )


@dataclass(frozen=True)
class ChristoffersenIndependenceResult:
    """Christoffersen (1998) Markov test of independence of breaches.

    Attributes
    ----------
    statistic : float
        Likelihood ratio ``LR_ind``, asymptotically chi-squared with ``df`` = 1.
    pvalue : float
        ``P(chi2(1) >= statistic)``.
    df : int
        Degrees of freedom (1).
    n00, n01, n10, n11 : int
        Transition counts: ``nij`` is the number of days with state ``j`` that follow a day
        with state ``i`` (1 = breach). They sum to ``days - 1``.
    """

    statistic: float
    pvalue: float
    df: int
    n00: int
    n01: int
    n10: int
    n11: int

    def __repr__(self) -> str:
        return (
            f"ChristoffersenIndependenceResult(LR={self.statistic:.4g}, "
            f"pvalue={self.pvalue:.4g}, df={self.df}, "
            f"n00={self.n00}, n01={self.n01}, n10={self.n10}, n11={self.n11})"
        )


@dataclass(frozen=True)
class ConditionalCoverageResult:
    """Christoffersen (1998) conditional coverage test, ``LR_cc = LR_pof + LR_ind``.

    Attributes
    ----------
    statistic : float
        Likelihood ratio ``LR_cc``, asymptotically chi-squared with ``df`` = 2.
    pvalue : float
        ``P(chi2(2) >= statistic)``.
    df : int
        Degrees of freedom (2).
    breaches, days : int
        Counts of breaches and days.
    level : float
        VaR level.
    pof : KupiecResult
        The unconditional coverage part.
    independence : ChristoffersenIndependenceResult
        The independence part.
    """

    statistic: float
    pvalue: float
    df: int
    breaches: int
    days: int
    level: float
    pof: KupiecResult = field(repr=False)
    independence: ChristoffersenIndependenceResult = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"ConditionalCoverageResult(LR={self.statistic:.4g}, pvalue={self.pvalue:.4g}, "
            f"df={self.df}, breaches={self.breaches}/{self.days})"
        )


@dataclass(frozen=True)
class TrafficLightResult:
    """Basel Committee (1996) traffic-light zone of the breaches of the last 250 days.

    Attributes
    ----------
    zone : {"green", "yellow", "red"}
        Green while ``P(X <= breaches) < 0.95``, red once ``P(X <= breaches) >= 0.9999``,
        yellow in between, with ``X ~ Binomial(days, 1 - level)``.
    cumulative_probability : float
        ``P(X <= breaches)``.
    breaches : int
        Breaches in the last ``days`` days.
    days : int
        Days counted: 250, the last 250 of the sequence.
    level : float
        VaR level (0.99).
    green_max, yellow_max : int
        Largest breach counts still in the green and yellow zones (4 and 9).
    """

    zone: str
    cumulative_probability: float
    breaches: int
    days: int
    level: float
    green_max: int
    yellow_max: int

    def __repr__(self) -> str:
        return (
            f"TrafficLightResult(zone={self.zone!r}, breaches={self.breaches}/{self.days}, "
            f"P(X<=breaches)={self.cumulative_probability:.6g}, "
            f"green 0-{self.green_max}, yellow {self.green_max + 1}-{self.yellow_max}, "
            f"red {self.yellow_max + 1}+)"
        )


@dataclass(frozen=True)
class VaRBacktestResult:
    """Everything one VaR backtest reports (see :func:`var_backtest`).

    Attributes
    ----------
    days : int
        Number of days tested.
    expected_breaches : float
        ``days * (1 - level)``.
    actual_breaches : int
        Number of breaches.
    breach_rate : float
        ``actual_breaches / days``.
    level : float
        VaR level.
    side : {"upper", "lower"}
        Which side counts as a breach.
    kupiec : KupiecResult
    independence : ChristoffersenIndependenceResult
    conditional_coverage : ConditionalCoverageResult
    traffic_light : TrafficLightResult or None
        The Basel zone of the last 250 days, for a 99% VaR over at least 250 days;
        None otherwise (the zones are defined for nothing else).
    verdict : {"calibrated", "overestimates risk", "underestimates risk"}
        From the two-sided Kupiec test at 5%: "calibrated" when not rejected, otherwise
        "overestimates risk" with too few breaches and "underestimates risk" with too many.
    breaches : ndarray of bool
        The breach sequence, in time order.
    """

    days: int
    expected_breaches: float
    actual_breaches: int
    breach_rate: float
    level: float
    side: str
    kupiec: KupiecResult = field(repr=False)
    independence: ChristoffersenIndependenceResult = field(repr=False)
    conditional_coverage: ConditionalCoverageResult = field(repr=False)
    traffic_light: TrafficLightResult | None = field(repr=False)
    verdict: str = ""
    breaches: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros(0))

    @property
    def zone(self) -> str | None:
        """The traffic-light zone of the last 250 days, or None where it does not apply."""
        return None if self.traffic_light is None else self.traffic_light.zone

    def __repr__(self) -> str:
        return (
            f"VaRBacktestResult(level={self.level:g}, side={self.side!r}, days={self.days}, "
            f"expected={self.expected_breaches:.4g}, actual={self.actual_breaches}, "
            f"rate={self.breach_rate:.4g}, kupiec_p={self.kupiec.pvalue:.4g}, "
            f"ind_p={self.independence.pvalue:.4g}, cc_p={self.conditional_coverage.pvalue:.4g}, "
            f"zone={self.zone!r}, verdict={self.verdict!r})"
        )


def check_level(level, name: str = "level") -> float:
    if isinstance(level, bool) or not isinstance(level, Real):
        raise TypeError(f"{name} must be a float in (0, 1), got {type(level).__name__}")
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {level!r}")
    return level


def _check_breaches(breaches) -> np.ndarray:
    """Validate a 0/1 breach sequence and return it as a 1-D bool array."""
    arr = np.asarray(breaches)
    if arr.ndim != 1:
        raise ValueError(f"breaches must be 1-D (one flag per day), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("breaches is empty: a backtest needs at least one day")
    if arr.dtype == bool:
        return arr
    if not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"breaches must be bool or 0/1 numbers, got dtype {arr.dtype}")
    bad = ~np.isin(arr, (0, 1))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise ValueError(f"breaches must be 0/1 flags; position {pos} holds {arr[pos]!r}")
    return arr.astype(bool)


def _kupiec_lr(x: int, n: int, p: float) -> float:
    """``-2 log`` of the Binomial likelihood ratio, with ``0 log 0 = 0``."""
    pi_hat = x / n
    log_null = xlogy(n - x, 1.0 - p) + xlogy(x, p)
    log_alt = xlogy(n - x, 1.0 - pi_hat) + xlogy(x, pi_hat)
    return float(max(-2.0 * (log_null - log_alt), 0.0))


def kupiec_pof(breaches, level: float) -> KupiecResult:
    """Kupiec (1995) proportion-of-failures (POF) likelihood-ratio test.

    With ``x`` breaches in ``n`` days, ``p = 1 - level`` and ``pi = x / n``,

    ``LR_pof = -2 [(n - x) log(1 - p) + x log p - (n - x) log(1 - pi) - x log pi]``

    (Kupiec 1995, "Techniques for verifying the accuracy of risk measurement models",
    J. Derivatives 3(2)), asymptotically chi-squared with one degree of freedom. The
    test is two-sided: too few and too many breaches both raise ``LR``. ``0 log 0 = 0``,
    so ``x = 0`` gives ``LR = -2 n log(1 - p)`` and ``x = n`` gives ``LR = -2 n log p``.

    Parameters
    ----------
    breaches : array-like of bool or 0/1, shape (n_days,)
        Breach flags in time order.
    level : float
        VaR level in (0, 1), e.g. 0.95.

    Returns
    -------
    KupiecResult

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.evaluation import kupiec_pof
    >>> res = kupiec_pof(np.r_[np.ones(7), np.zeros(288)], level=0.95)
    >>> round(res.statistic, 2), round(res.pvalue, 3)
    (5.28, 0.022)
    """
    level = check_level(level)
    flags = _check_breaches(breaches)
    n, x = flags.size, int(flags.sum())
    lr = _kupiec_lr(x, n, 1.0 - level)
    return KupiecResult(
        statistic=lr, pvalue=float(stats.chi2.sf(lr, 1)), df=1, breaches=x, days=n, level=level
    )


def _independence(flags: np.ndarray) -> ChristoffersenIndependenceResult:
    prev, curr = flags[:-1], flags[1:]
    n00 = int(np.sum(~prev & ~curr))
    n01 = int(np.sum(~prev & curr))
    n10 = int(np.sum(prev & ~curr))
    n11 = int(np.sum(prev & curr))
    n0, n1 = n00 + n01, n10 + n11
    total = n0 + n1
    if total == 0:
        lr = 0.0
    else:
        pi = (n01 + n11) / total
        pi01 = n01 / n0 if n0 else 0.0
        pi11 = n11 / n1 if n1 else 0.0
        log_null = xlogy(n00 + n10, 1.0 - pi) + xlogy(n01 + n11, pi)
        log_alt = (
            xlogy(n00, 1.0 - pi01) + xlogy(n01, pi01) + xlogy(n10, 1.0 - pi11) + xlogy(n11, pi11)
        )
        lr = float(max(-2.0 * (log_null - log_alt), 0.0))
    return ChristoffersenIndependenceResult(
        statistic=lr,
        pvalue=float(stats.chi2.sf(lr, 1)),
        df=1,
        n00=n00,
        n01=n01,
        n10=n10,
        n11=n11,
    )


def christoffersen_independence(breaches) -> ChristoffersenIndependenceResult:
    """Christoffersen (1998) first-order Markov test that breaches are independent.

    With transition counts ``nij`` (state ``i`` on day ``t-1``, ``j`` on day ``t``),
    ``pi01 = n01 / (n00 + n01)``, ``pi11 = n11 / (n10 + n11)`` and
    ``pi = (n01 + n11) / (n00 + n01 + n10 + n11)``,

    ``LR_ind = -2 [log L(pi) - log L(pi01, pi11)]``,
    ``L(pi) = (1 - pi)^(n00 + n10) pi^(n01 + n11)``,
    ``L(pi01, pi11) = (1 - pi01)^n00 pi01^n01 (1 - pi11)^n10 pi11^n11``

    (Christoffersen 1998, "Evaluating interval forecasts", Int. Econ. Rev. 39(4)),
    asymptotically chi-squared with one degree of freedom. The ``days - 1`` transitions
    are used, the first day only as a starting state.

    Conventions for empty counts: ``0 log 0 = 0``; when no day follows a breach
    (``n10 + n11 = 0``) or no day follows a calm day (``n00 + n01 = 0``) the corresponding
    row contributes nothing to either likelihood; a sequence with no breach, only breaches
    or a single day gives ``LR_ind = 0`` (p-value 1): there is no evidence of clustering.

    Parameters
    ----------
    breaches : array-like of bool or 0/1, shape (n_days,)
        Breach flags in time order.

    Returns
    -------
    ChristoffersenIndependenceResult

    Examples
    --------
    >>> from skvol.evaluation import christoffersen_independence
    >>> res = christoffersen_independence([0, 0, 1, 1, 0, 0, 0, 1, 1, 0])
    >>> res.n00, res.n01, res.n10, res.n11
    (3, 2, 2, 2)
    """
    return _independence(_check_breaches(breaches))


def christoffersen_conditional_coverage(breaches, level: float) -> ConditionalCoverageResult:
    """Christoffersen (1998) conditional coverage test, ``LR_cc = LR_pof + LR_ind``.

    Joint test of correct breach frequency and independence, asymptotically chi-squared
    with two degrees of freedom (Christoffersen 1998). Convention: ``LR_pof`` is
    Kupiec's statistic on all ``days`` and ``LR_ind`` uses the ``days - 1`` transitions
    (the usual practical form, as in MATLAB's ``varbacktest``); the original paper
    conditions both on the first observation, which differs by at most one day's term.

    Parameters
    ----------
    breaches : array-like of bool or 0/1, shape (n_days,)
        Breach flags in time order.
    level : float
        VaR level in (0, 1).

    Returns
    -------
    ConditionalCoverageResult

    Examples
    --------
    >>> from skvol.evaluation import christoffersen_conditional_coverage
    >>> res = christoffersen_conditional_coverage([0] * 95 + [1] * 5, level=0.95)
    >>> res.df
    2
    """
    level = check_level(level)
    flags = _check_breaches(breaches)
    pof = kupiec_pof(flags, level)
    ind = _independence(flags)
    lr = pof.statistic + ind.statistic
    return ConditionalCoverageResult(
        statistic=lr,
        pvalue=float(stats.chi2.sf(lr, 2)),
        df=2,
        breaches=pof.breaches,
        days=pof.days,
        level=level,
        pof=pof,
        independence=ind,
    )


def _zone_limits(days: int, p: float) -> tuple[int, int]:
    """Largest breach counts in the green and yellow zones."""
    counts = np.arange(days + 1)
    cdf = stats.binom.cdf(counts, days, p)
    green_max = int(np.sum(cdf < 0.95)) - 1
    yellow_max = int(np.sum(cdf < 0.9999)) - 1
    return green_max, yellow_max


def _check_basel_level(level) -> float:
    level = check_level(level)
    if abs(level - BASEL_LEVEL) > 1e-12:
        raise ValueError(
            f"the Basel traffic light is defined for 99% VaR only, got level={level!r}; "
            "backtest other levels with kupiec_pof and christoffersen_conditional_coverage"
        )
    return level


def _basel_flags(breaches, caller: str) -> np.ndarray:
    flags = _check_breaches(breaches)
    if flags.size < BASEL_DAYS:
        raise ValueError(
            f"{caller}: the Basel traffic light counts the breaches of the last "
            f"{BASEL_DAYS} days; got only {flags.size} days"
        )
    return flags


def traffic_light(breaches, level: float = BASEL_LEVEL) -> TrafficLightResult:
    """Basel traffic-light zone of a 99% VaR: the breaches of the last 250 days.

    With ``X ~ Binomial(250, 0.01)`` and ``x`` the breaches of the last 250 days: green
    while ``P(X <= x) < 0.95`` (0-4 breaches), red once ``P(X <= x) >= 0.9999`` (10 or
    more), yellow in between (5-9) (Basel Committee on Banking Supervision 1996,
    "Supervisory framework for the use of backtesting in conjunction with the internal
    models approach", Table 2). The zones are defined for a 99% VaR over 250 trading days
    and for nothing else: another level or fewer than 250 days raise ``ValueError``;
    a longer sequence is judged on its last 250 days (see :func:`traffic_light_series`
    for every 250-day window).

    Parameters
    ----------
    breaches : array-like of bool or 0/1, shape (n_days,)
        Breach flags in time order, ``n_days >= 250``.
    level : float, default=0.99
        VaR level; must be 0.99.

    Returns
    -------
    TrafficLightResult

    Examples
    --------
    >>> from skvol.evaluation import traffic_light
    >>> traffic_light([1] * 5 + [0] * 245).zone
    'yellow'
    >>> traffic_light([1] * 5 + [0] * 250).zone  # the last 250 days hold no breach
    'green'
    """
    level = _check_basel_level(level)
    flags = _basel_flags(breaches, "traffic_light")[-BASEL_DAYS:]
    x = int(flags.sum())
    p = 1.0 - level
    cdf = float(stats.binom.cdf(x, BASEL_DAYS, p))
    zone = "green" if cdf < 0.95 else ("red" if cdf >= 0.9999 else "yellow")
    green_max, yellow_max = _zone_limits(BASEL_DAYS, p)
    return TrafficLightResult(
        zone=zone,
        cumulative_probability=cdf,
        breaches=x,
        days=BASEL_DAYS,
        level=level,
        green_max=green_max,
        yellow_max=yellow_max,
    )


def traffic_light_series(breaches, level: float = BASEL_LEVEL) -> pd.DataFrame:
    """The Basel traffic light of every 250-day window: the zone as it evolves over time.

    Row ``t`` (from the 250th day on) counts the breaches of days ``t - 249, ..., t`` and
    gives their zone as :func:`traffic_light` does (green 0-4, yellow 5-9, red 10+). The
    last row equals ``traffic_light(breaches)``.

    Parameters
    ----------
    breaches : array-like or Series of bool or 0/1, shape (n_days,)
        Breach flags in time order, ``n_days >= 250``; a Series keeps its index (dates).
    level : float, default=0.99
        VaR level; must be 0.99.

    Returns
    -------
    DataFrame
        Indexed by the last day of each window (the Series' index, else positions), with
        columns ``breaches`` (count in the window) and ``zone``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.evaluation import traffic_light_series
    >>> out = traffic_light_series(np.r_[np.ones(10), np.zeros(260)])
    >>> out["zone"].iloc[[0, 5, -1]].tolist(), len(out)
    (['red', 'yellow', 'green'], 21)
    """
    level = _check_basel_level(level)
    flags = _basel_flags(breaches, "traffic_light_series")
    index = breaches.index if isinstance(breaches, pd.Series) else pd.RangeIndex(flags.size)
    total = np.concatenate([[0], np.cumsum(flags, dtype=np.int64)])
    counts = total[BASEL_DAYS:] - total[:-BASEL_DAYS]
    green_max, yellow_max = _zone_limits(BASEL_DAYS, 1.0 - level)
    zone = np.where(counts <= green_max, "green", np.where(counts <= yellow_max, "yellow", "red"))
    return pd.DataFrame(
        {"breaches": counts, "zone": zone.astype(object)}, index=index[BASEL_DAYS - 1 :]
    )


def _as_float_1d(values, name: str) -> np.ndarray:
    arr = (
        np.asarray(values, dtype=float)
        if not isinstance(values, pd.Series)
        else values.to_numpy(dtype=float)
    )
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per day), got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} holds a non-finite value ({arr[pos]!r}) at position {pos}; "
            "drop or fill such days before backtesting"
        )
    return arr


def breach_flags(y_true, var, side: str = "upper") -> np.ndarray:
    """Breach flags: ``y_true > var`` for ``side="upper"``, ``y_true < var`` for ``"lower"``.

    Parameters
    ----------
    y_true : array-like of shape (n_days,)
        Realised values.
    var : array-like of shape (n_days,)
        VaR forecasts for the same days.
    side : {"upper", "lower"}, default="upper"
        "upper" for an upper quantile (volatility VaR), "lower" for a lower quantile
        (return VaR).

    Returns
    -------
    ndarray of bool, shape (n_days,)
        A value equal to its VaR is not a breach.

    Examples
    --------
    >>> from skvol.evaluation import breach_flags
    >>> breach_flags([0.5, 1.0, 1.5], [1.0, 1.0, 1.0]).tolist()
    [False, False, True]
    >>> breach_flags([-3.0, -1.0], [-2.0, -2.0], side="lower").tolist()
    [True, False]
    """
    if side not in ("upper", "lower"):
        raise ValueError(f"side must be 'upper' or 'lower', got {side!r}")
    if isinstance(y_true, pd.Series) and isinstance(var, pd.Series):
        if not y_true.index.equals(var.index):
            raise ValueError(
                "y_true and var are Series with different indexes; align them first "
                "(e.g. var.reindex(y_true.index)) so each day meets its own VaR"
            )
    y = _as_float_1d(y_true, "y_true")
    v = _as_float_1d(var, "var")
    if y.shape != v.shape:
        raise ValueError(f"y_true has {y.size} days but var has {v.size}")
    if y.size == 0:
        raise ValueError("y_true is empty: a backtest needs at least one day")
    return y > v if side == "upper" else y < v


def var_backtest(y_true, var, level: float, side: str = "upper") -> VaRBacktestResult:
    """Backtest a VaR forecast: counts, Kupiec, Christoffersen, traffic light and a verdict.

    Parameters
    ----------
    y_true : array-like of shape (n_days,)
        Realised values, in time order (the realised target for a volatility VaR, the
        realised return for a return VaR).
    var : array-like of shape (n_days,)
        The VaR forecast for each day.
    level : float
        VaR level in (0, 1); the expected breach rate is ``1 - level``.
    side : {"upper", "lower"}, default="upper"
        "upper": a breach is ``y_true > var`` (volatility VaR, an upper quantile);
        "lower": a breach is ``y_true < var`` (return VaR, a lower quantile).

    Returns
    -------
    VaRBacktestResult
        The Basel traffic light is given (on the last 250 days) for a 99% VaR over at
        least 250 days, and is None otherwise. The verdict comes from the two-sided Kupiec
        test at 5%.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.evaluation import var_backtest
    >>> y = np.r_[np.full(7, 2.0), np.zeros(288)]
    >>> var_backtest(y, np.ones(295), level=0.95).verdict
    'overestimates risk'
    """
    level = check_level(level)
    flags = breach_flags(y_true, var, side)
    cc = christoffersen_conditional_coverage(flags, level)
    pof = cc.pof
    if pof.pvalue >= SIGNIFICANCE:
        verdict = "calibrated"
    elif pof.breaches < pof.expected_breaches:
        verdict = "overestimates risk"
    else:
        verdict = "underestimates risk"
    return VaRBacktestResult(
        days=pof.days,
        expected_breaches=pof.expected_breaches,
        actual_breaches=pof.breaches,
        breach_rate=pof.breaches / pof.days,
        level=level,
        side=side,
        kupiec=pof,
        independence=cc.independence,
        conditional_coverage=cc,
        traffic_light=(
            traffic_light(flags, level)
            if abs(level - BASEL_LEVEL) <= 1e-12 and flags.size >= BASEL_DAYS
            else None
        ),
        verdict=verdict,
        breaches=flags,
    )


TABLE_COLUMNS = [
    "Asset",
    "Total Days",
    "Expected Breaches",
    "Actual Breaches",
    "Breach Rate",
    "Result",
    "Kupiec p",
    "Christoffersen ind p",
    "CC p",
    "Traffic light",
]


def var_backtest_table(results: Mapping[str, VaRBacktestResult]) -> pd.DataFrame:
    """Lay out several backtests as the study's table, one row per asset (or model).

    Parameters
    ----------
    results : mapping of str to VaRBacktestResult
        Name (asset or model) to backtest, in the order the rows should appear.

    Returns
    -------
    DataFrame
        Columns: Asset, Total Days, Expected Breaches, Actual Breaches, Breach Rate,
        Result (the verdict), Kupiec p, Christoffersen ind p, CC p, Traffic light (the
        Basel zone of the last 250 days for a 99% VaR over at least 250 days, "n/a"
        otherwise).

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.evaluation import var_backtest, var_backtest_table
    >>> res = var_backtest(np.zeros(100), np.ones(100), level=0.95)
    >>> var_backtest_table({"BTC": res})["Result"].tolist()
    ['overestimates risk']
    """
    if not isinstance(results, Mapping):
        raise TypeError(
            f"results must be a mapping {{name: VaRBacktestResult}}, got {type(results).__name__}"
        )
    rows = []
    for name, res in results.items():
        if not isinstance(res, VaRBacktestResult):
            raise TypeError(
                f"results[{name!r}] must be a VaRBacktestResult (from var_backtest), "
                f"got {type(res).__name__}"
            )
        rows.append(
            [
                name,
                res.days,
                res.expected_breaches,
                res.actual_breaches,
                res.breach_rate,
                res.verdict,
                res.kupiec.pvalue,
                res.independence.pvalue,
                res.conditional_coverage.pvalue,
                NOT_APPLICABLE if res.traffic_light is None else res.traffic_light.zone,
            ]
        )
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)
