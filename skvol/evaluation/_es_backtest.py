"""Expected Shortfall backtests: Acerbi & Szekely (2014) Z1 and Z2, McNeil & Frey (2000).

Both judge a return ES at a ``level`` (0.975 as Basel's FRTB) against realised returns,
with ``alpha = 1 - level`` the tail probability. Signs follow skvol's return convention:
the VaR ``v_t`` and the ES ``e_t`` are returns below zero, ``e_t <= v_t``, and day ``t``
is a breach when ``r_t < v_t``.

The model is given as its predictive distribution for each day, in one of two forms:

* ``dist`` alone: a frozen scipy distribution *of the return* (``norm``, ``t``; for
  example a GARCH model's), one element per day;
* ``dist`` and ``target``: skvol's forecast, a frozen distribution of the *target* ``Y``
  and the :class:`skvol.NextDayTarget` that built it. The return is the mixture
  ``r | V ~ N(0, V)``, ``V = target.to_variance(Y)``, as in :func:`return_var` and
  :func:`return_es`; draws take ``Y`` from ``dist`` and then ``r``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
import pandas as pd

from skvol.evaluation._backtest import _as_float_1d, check_level
from skvol.evaluation._predict import dist_size
from skvol.evaluation._var import check_target, return_es, return_var

__all__ = [
    "AcerbiSzekelyResult",
    "McNeilFreyResult",
    "acerbi_szekely",
    "mcneil_frey",
]

#: Simulated returns held in memory at once (simulations x days), to bound memory.
_CHUNK = 2_000_000


@dataclass(frozen=True)
class AcerbiSzekelyResult:
    """Acerbi & Szekely (2014) ES backtest (see :func:`acerbi_szekely`).

    Attributes
    ----------
    statistic : float
        ``Z1`` or ``Z2``; 0 is expected under the null, below 0 when ES underestimates
        the risk. NaN for ``Z1`` without a breach (it averages over breaches).
    pvalue : float
        Simulated ``P(Z <= statistic)`` under the model's own predictive distributions,
        ``(1 + #{Z_sim <= Z}) / (1 + n_simulations)``; NaN when ``statistic`` is.
    test : {"Z1", "Z2"}
        Which statistic.
    breaches : int
        Days with ``r_t < VaR_t``.
    days : int
        Days tested.
    level : float
        ES level; ``alpha = 1 - level``.
    n_simulations : int
        Simulated samples behind the p-value (for ``Z1``, those with at least one breach).
    null, alternative : str
        The hypotheses in words.
    """

    statistic: float
    pvalue: float
    test: str
    breaches: int
    days: int
    level: float
    n_simulations: int
    null: str = field(repr=False)
    alternative: str = field(repr=False)

    @property
    def expected_breaches(self) -> float:
        """Breaches expected under the null, ``days * (1 - level)``."""
        return self.days * (1.0 - self.level)

    def __repr__(self) -> str:
        return (
            f"AcerbiSzekelyResult({self.test}={self.statistic:.4g}, pvalue={self.pvalue:.4g}, "
            f"breaches={self.breaches}/{self.days}, expected={self.expected_breaches:.4g}, "
            f"n_simulations={self.n_simulations})"
        )


@dataclass(frozen=True)
class McNeilFreyResult:
    """McNeil & Frey (2000) exceedance-residual test (see :func:`mcneil_frey`).

    Attributes
    ----------
    statistic : float
        ``t = mean(z) / (sd(z) / sqrt(n))`` of the exceedance residuals ``z``; NaN with
        fewer than two breaches.
    pvalue : float
        One-sided bootstrap ``P(t* >= t)``, ``(1 + #{t* >= t}) / (1 + n_bootstrap)``.
    mean_residual : float
        ``mean(z)``: above zero when the realised tail losses exceed the ES.
    breaches : int
        Days with ``r_t < VaR_t``, the residuals tested.
    days : int
        Days given.
    level : float
        ES level.
    n_bootstrap : int
        Bootstrap resamples.
    null, alternative : str
        The hypotheses in words.
    """

    statistic: float
    pvalue: float
    mean_residual: float
    breaches: int
    days: int
    level: float
    n_bootstrap: int
    null: str = field(repr=False)
    alternative: str = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"McNeilFreyResult(t={self.statistic:.4g}, pvalue={self.pvalue:.4g}, "
            f"mean_residual={self.mean_residual:.4g}, breaches={self.breaches}/{self.days}, "
            f"n_bootstrap={self.n_bootstrap})"
        )


class _ReturnModel:
    """The predictive distribution of each day's return: VaR, ES, sd and draws."""

    def __init__(self, dist, target, n_days: int, caller: str):
        if not (hasattr(dist, "ppf") and hasattr(dist, "rvs") and hasattr(dist, "dist")):
            raise TypeError(
                f"{caller}: dist must be a frozen scipy.stats distribution, one element per "
                f"day, got {type(dist).__name__}"
            )
        size = dist_size(dist)
        if size not in (1, n_days):
            raise ValueError(f"{caller}: dist has {size} elements but returns has {n_days} days")
        self.dist = dist
        self.target = None if target is None else check_target(target, caller)
        self.n_days = n_days
        self.caller = caller

    def _days(self, values) -> np.ndarray:
        return np.broadcast_to(np.asarray(values, dtype=float), (self.n_days,))

    def var(self, level: float) -> np.ndarray:
        return self._days(return_var(self.dist, level, self.target))

    def es(self, level: float) -> np.ndarray:
        try:
            return self._days(return_es(self.dist, level, self.target))
        except TypeError as err:
            raise TypeError(f"{self.caller}: {err}; give es= explicitly") from None

    def sd(self) -> np.ndarray:
        if self.target is not None:
            sd = np.sqrt(self.target.expected_variance(self.dist))
        else:
            sd = np.asarray(self.dist.std(), dtype=float)
        sd = self._days(sd)
        bad = ~(np.isfinite(sd) & (sd > 0))
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{self.caller}: the predicted return sd is {sd[pos]!r} on day {pos}; the "
                "residuals need a finite positive sd (a Student-t needs df > 2), or give sd="
            )
        return sd

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` simulated samples of all days' returns, shape (n, n_days)."""
        if self.target is None:
            return np.asarray(self.dist.rvs(size=(n, self.n_days), random_state=rng), float)
        y = self.dist.rvs(size=(n, self.n_days), random_state=rng)
        return np.sqrt(self.target.to_variance(y)) * rng.standard_normal((n, self.n_days))


def _forecasts(returns, dist, target, level, var, es, caller):
    level = check_level(level)
    if level <= 0.5:
        raise ValueError(f"{caller}: level must lie in (0.5, 1) for a return ES, got {level!r}")
    r = _as_float_1d(returns, "returns")
    if r.size == 0:
        raise ValueError(f"{caller}: returns is empty")
    model = _ReturnModel(dist, target, r.size, caller)
    out = []
    for name, given, compute in (("var", var, model.var), ("es", es, model.es)):
        values = compute(level) if given is None else _as_float_1d(given, name)
        if values.shape != r.shape:
            raise ValueError(f"{caller}: returns has {r.size} days but {name} has {values.size}")
        out.append(values)
    v, e = out
    if np.any(e >= 0):
        pos = int(np.flatnonzero(e >= 0)[0])
        raise ValueError(f"{caller}: the ES must be below zero; day {pos} has es={e[pos]!r}")
    if isinstance(returns, pd.Series) and isinstance(var, pd.Series):
        if not returns.index.equals(var.index):
            raise ValueError(f"{caller}: returns and var are Series with different indexes")
    return level, r, v, e, model


def _positive_int(value, name: str, caller: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{caller}: {name} must be a positive int, got {value!r}")
    return int(value)


def _z(r: np.ndarray, v: np.ndarray, e: np.ndarray, alpha: float, test: str) -> np.ndarray:
    """``Z1`` or ``Z2`` of each row of ``r`` (shape (..., n_days))."""
    hit = r < v
    total = np.where(hit, r / e, 0.0).sum(axis=-1)
    if test == "z2":
        return 1.0 - total / (r.shape[-1] * alpha)
    count = hit.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, 1.0 - total / count, np.nan)


def acerbi_szekely(
    returns,
    dist,
    level: float = 0.975,
    *,
    target=None,
    test: str = "z2",
    var=None,
    es=None,
    n_simulations: int = 1000,
    random_state: int | np.random.Generator | None = None,
) -> AcerbiSzekelyResult:
    """Acerbi & Szekely (2014) ES backtest, Z1 or Z2, with a simulated p-value.

    With breaches ``I_t = 1{r_t < v_t}``, ``N = sum I_t`` and ``T`` days, in skvol's
    signs (Acerbi & Szekely 2014, "Backtesting expected shortfall", Risk, eqs. for
    ``Z1`` and ``Z2`` with their positive VaR and ES replaced by ``-v`` and ``-e``):

    ``Z1 = 1 - (1/N) sum_t I_t r_t / e_t``  (the tail given the VaR; NaN when ``N = 0``),

    ``Z2 = 1 - sum_t I_t r_t / (T alpha e_t)``  (frequency and size of the tail together).

    Both have mean zero when the ES (and, for ``Z2``, the VaR) are right and are negative
    when the realised tail is worse. The test is one-sided: the p-value is the share of
    samples simulated from the model's own predictive distributions, each scored with the
    model's own VaR and ES, whose statistic is at most the observed one,
    ``(1 + #{Z_sim <= Z}) / (1 + M)`` (for ``Z1`` among the samples with a breach).
    The draws come from the full predictive distribution; for a heavy-tailed target
    forecast (a Student-t of ``log V``) :func:`return_es` leaves out the variances above
    its ``truncate`` quantile (the exact ES is infinite), so there the ES tested is the
    truncated one.

    Parameters
    ----------
    returns : array-like of shape (n_days,)
        Realised returns, in the units of the forecast (decimal log returns for skvol).
    dist : frozen scipy.stats distribution
        The predictive distribution for each day: of the return itself (``norm``, ``t``,
        any with ``rvs``), or, with ``target``, of skvol's target ``Y``.
    level : float, default=0.975
        ES level in (0.5, 1); ``alpha = 1 - level``.
    target : NextDayTarget or None, default=None
        Given: ``dist`` is of the target, the return is the mixture ``r | V ~ N(0, V)``
        with ``V = target.to_variance(Y)``, and VaR/ES are :func:`return_var` /
        :func:`return_es`.
    test : {"z1", "z2"}, default="z2"
        Which statistic.
    var, es : array-like of shape (n_days,) or None, default=None
        The model's VaR and ES; None computes them from ``dist`` (closed forms for a
        Normal or Student-t return, the mixture's with ``target``).
    n_simulations : int, default=1000
        Simulated samples ``M`` for the p-value.
    random_state : int, Generator or None, default=None
        Seed of the simulation.

    Returns
    -------
    AcerbiSzekelyResult

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> from skvol.evaluation import acerbi_szekely
    >>> rng = np.random.default_rng(0)
    >>> r = 0.01 * rng.standard_normal(500)
    >>> right = acerbi_szekely(r, stats.norm(0, 0.01), 0.975, random_state=1)
    >>> narrow = acerbi_szekely(r, stats.norm(0, 0.007), 0.975, random_state=1)
    >>> bool(right.pvalue > 0.05), bool(narrow.pvalue < 0.01)
    (True, True)
    """
    caller = "acerbi_szekely"
    if test not in ("z1", "z2"):
        raise ValueError(f"{caller}: test must be 'z1' or 'z2', got {test!r}")
    n_simulations = _positive_int(n_simulations, "n_simulations", caller)
    level, r, v, e, model = _forecasts(returns, dist, target, level, var, es, caller)
    alpha = 1.0 - level
    observed = float(_z(r, v, e, alpha, test))
    rng = np.random.default_rng(random_state)
    chunk = max(1, _CHUNK // r.size)
    simulated = np.concatenate(
        [
            _z(model.draw(min(chunk, n_simulations - start), rng), v, e, alpha, test)
            for start in range(0, n_simulations, chunk)
        ]
    )
    simulated = simulated[np.isfinite(simulated)]
    if np.isnan(observed) or simulated.size == 0:
        pvalue = float("nan")
    else:
        pvalue = float((1 + np.sum(simulated <= observed)) / (1 + simulated.size))
    if test == "z1":
        null = "given a breach, the realised return averages the ES (E[Z1] = 0)"
        alternative = "the tail beyond the VaR is worse than the ES says (Z1 < 0)"
    else:
        null = "VaR and ES are right: the tail's frequency and size match (E[Z2] = 0)"
        alternative = "the ES underestimates the risk (Z2 < 0)"
    return AcerbiSzekelyResult(
        statistic=observed,
        pvalue=pvalue,
        test=test.upper(),
        breaches=int(np.sum(r < v)),
        days=r.size,
        level=level,
        n_simulations=int(simulated.size),
        null=null,
        alternative=alternative,
    )


def mcneil_frey(
    returns,
    dist,
    level: float = 0.975,
    *,
    target=None,
    var=None,
    es=None,
    sd=None,
    n_bootstrap: int = 1000,
    random_state: int | np.random.Generator | None = None,
) -> McNeilFreyResult:
    """McNeil & Frey (2000) exceedance-residual test of an ES, with a bootstrap p-value.

    On the breach days (``r_t < v_t``) the exceedance residuals, in McNeil & Frey's loss
    convention (loss ``-r_t``, ES ``-e_t``), are

    ``z_t = (e_t - r_t) / sd_t``,

    with ``sd_t`` the predicted standard deviation of the return. Under the null they have
    mean zero; an ES that underestimates the tail gives a positive mean. The one-sided
    test is the bootstrap test of McNeil & Frey (2000), "Estimation of tail-related risk
    measures for heteroscedastic financial time series: an extreme value approach",
    J. Empirical Finance 7, Section 5 (after Efron & Tibshirani 1993, p. 224): with
    ``t = mean(z) / (sd(z) / sqrt(n))`` (``sd`` with ``n - 1``), resample the centred
    residuals ``z - mean(z)`` with replacement ``B`` times and take
    ``(1 + #{t* >= t}) / (1 + B)``.

    Parameters
    ----------
    returns : array-like of shape (n_days,)
        Realised returns.
    dist : frozen scipy.stats distribution
        As in :func:`acerbi_szekely`: of the return, or of the target with ``target``.
    level : float, default=0.975
        ES level in (0.5, 1).
    target : NextDayTarget or None, default=None
        As in :func:`acerbi_szekely`; the return sd is then ``sqrt(E[V])``
        (:func:`predicted_variance`).
    var, es, sd : array-like of shape (n_days,) or None, default=None
        The model's VaR, ES and return sd; None computes them from ``dist``.
    n_bootstrap : int, default=1000
        Bootstrap resamples ``B``.
    random_state : int, Generator or None, default=None
        Seed of the bootstrap.

    Returns
    -------
    McNeilFreyResult

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> from skvol.evaluation import mcneil_frey
    >>> rng = np.random.default_rng(0)
    >>> r = 0.01 * rng.standard_t(4, size=2000)
    >>> res = mcneil_frey(r, stats.norm(0, r.std()), 0.975, random_state=1)
    >>> bool(res.mean_residual > 0), bool(res.pvalue < 0.05)  # Normal tails are too thin
    (True, True)
    """
    caller = "mcneil_frey"
    n_bootstrap = _positive_int(n_bootstrap, "n_bootstrap", caller)
    level, r, v, e, model = _forecasts(returns, dist, target, level, var, es, caller)
    s = model.sd() if sd is None else _as_float_1d(sd, "sd")
    if s.shape != r.shape or np.any(s <= 0):
        raise ValueError(f"{caller}: sd must hold one positive value per day")
    hit = r < v
    z = ((e - r) / s)[hit]
    n = z.size
    words = {
        "null": "on breach days the realised return averages the ES: E[z] = 0",
        "alternative": "the realised tail is worse than the ES: E[z] > 0",
    }
    if n < 2:
        return McNeilFreyResult(
            statistic=float("nan"),
            pvalue=float("nan"),
            mean_residual=float(z.mean()) if n else float("nan"),
            breaches=n,
            days=r.size,
            level=level,
            n_bootstrap=n_bootstrap,
            **words,
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        t_obs = z.mean() / (z.std(ddof=1) / np.sqrt(n))
        rng = np.random.default_rng(random_state)
        centred = z - z.mean()
        resampled = centred[rng.integers(0, n, size=(n_bootstrap, n))]
        t_star = resampled.mean(axis=1) / (resampled.std(axis=1, ddof=1) / np.sqrt(n))
    pvalue = (1 + np.sum(t_star >= t_obs)) / (1 + n_bootstrap)
    return McNeilFreyResult(
        statistic=float(t_obs),
        pvalue=float(pvalue),
        mean_residual=float(z.mean()),
        breaches=n,
        days=r.size,
        level=level,
        n_bootstrap=n_bootstrap,
        **words,
    )
