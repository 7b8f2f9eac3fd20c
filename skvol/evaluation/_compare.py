"""Comparing forecasts: the Diebold-Mariano test and the Model Confidence Set.

Both take *per-day losses* (lower is better): one value per day and model, for example
QLIKE of each model's walk-forward forecasts (:func:`daily_loss`). The Diebold-Mariano test
compares two models; the Model Confidence Set (Hansen, Lunde & Nason, 2011) keeps the
models that are statistically tied for best, computed by ``arch.bootstrap.MCS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "DieboldMarianoResult",
    "ModelConfidenceSetResult",
    "diebold_mariano",
    "model_confidence_set",
]

ALTERNATIVES = ("two-sided", "less", "greater")


@dataclass(frozen=True)
class DieboldMarianoResult:
    """Diebold-Mariano test of equal predictive accuracy (see :func:`diebold_mariano`).

    Attributes
    ----------
    statistic : float
        The Harvey-Leybourne-Newbold corrected statistic, compared with ``t(n - 1)``.
    pvalue : float
        p-value for ``tail``.
    mean_difference : float
        Mean loss differential ``mean(loss_a - loss_b)``: below zero when A has the
        smaller average loss.
    long_run_variance : float
        Newey-West estimate of the long-run variance of the loss differential.
    lag : int
        Newey-West truncation lag (Bartlett weights ``1 - k / (lag + 1)``).
    horizon : int
        Forecast horizon ``h`` of the Harvey-Leybourne-Newbold correction.
    n : int
        Number of days.
    df : int
        Degrees of freedom of the t reference, ``n - 1``.
    tail : {"two-sided", "less", "greater"}
        The alternative tested.
    null, alternative : str
        The hypotheses in words.
    """

    statistic: float
    pvalue: float
    mean_difference: float
    long_run_variance: float
    lag: int
    horizon: int
    n: int
    df: int
    tail: str
    null: str = field(repr=False)
    alternative: str = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"DieboldMarianoResult(statistic={self.statistic:.4g}, pvalue={self.pvalue:.4g}, "
            f"mean_difference={self.mean_difference:.4g}, lag={self.lag}, n={self.n}, "
            f"tail={self.tail!r})"
        )


def _loss_vector(values, name: str) -> tuple[np.ndarray, pd.Index | None]:
    index = values.index if isinstance(values, pd.Series) else None
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"diebold_mariano: {name} must hold numbers: {exc}") from None
    if arr.ndim != 1:
        raise ValueError(f"diebold_mariano: {name} must be 1-D (one loss per day), got {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        where = f"on {index[pos]!r}" if index is not None else f"at position {pos}"
        raise ValueError(f"diebold_mariano: {name} is not finite {where} ({arr[pos]!r})")
    return arr, index


def newey_west_variance(d: np.ndarray, lag: int) -> float:
    """Newey-West (1987) long-run variance of ``d`` with Bartlett weights.

    ``gamma_0 + 2 sum_{k=1}^{lag} (1 - k / (lag + 1)) gamma_k`` with the autocovariances
    ``gamma_k = sum_{t=k+1}^{n} (d_t - dbar)(d_{t-k} - dbar) / n`` (divisor ``n``, which
    keeps the estimate non-negative).
    """
    u = d - d.mean()
    n = u.size
    gammas = np.array([u[k:] @ u[: n - k] for k in range(lag + 1)]) / n
    weights = 1.0 - np.arange(1, lag + 1) / (lag + 1.0)
    return float(gammas[0] + 2.0 * weights @ gammas[1:])


def diebold_mariano(
    loss_a,
    loss_b,
    lag: int | None = None,
    alternative: str = "two-sided",
    *,
    horizon: int = 1,
) -> DieboldMarianoResult:
    """Diebold-Mariano test of equal predictive accuracy, with the HLN correction.

    With the loss differential ``d_t = loss_a_t - loss_b_t`` over ``n`` days, its mean
    ``dbar`` and the Newey-West (1987) long-run variance ``S`` (Bartlett weights
    ``1 - k / (lag + 1)``, autocovariances with divisor ``n``),

    ``DM = dbar / sqrt(S / n)``  (Diebold & Mariano 1995, JBES 13(3)),

    ``DM* = DM sqrt((n + 1 - 2h + h(h - 1) / n) / n)``

    (Harvey, Leybourne & Newbold 1997, "Testing the equality of prediction mean squared
    errors", Int. J. Forecasting 13(2)), compared with Student's t with ``n - 1`` degrees
    of freedom. ``h`` is the forecast horizon (1 for next-day forecasts, so the factor is
    ``sqrt((n - 1) / n)``); the lag, ``floor(n ** (1/3))`` by default, absorbs the serial
    correlation that persistent volatility gives the loss differential even at ``h = 1``.

    Parameters
    ----------
    loss_a, loss_b : array-like or Series of shape (n_days,)
        Per-day losses of models A and B (lower is better), in time order. Two Series
        must share their index.
    lag : int or None, default=None
        Newey-West truncation lag; None for ``floor(n ** (1/3))``.
    alternative : {"two-sided", "less", "greater"}, default="two-sided"
        "less": A is more accurate (``E[d] < 0``, A's loss is smaller); "greater": B is
        more accurate (``E[d] > 0``); "two-sided": they differ.
    horizon : int, default=1
        Forecast horizon ``h`` of the HLN correction.

    Returns
    -------
    DieboldMarianoResult

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.evaluation import diebold_mariano
    >>> rng = np.random.default_rng(0)
    >>> a = rng.chisquare(1, size=500)
    >>> b = a + 0.3 + 0.5 * rng.standard_normal(500)  # B's loss is larger
    >>> res = diebold_mariano(a, b, alternative="less")  # is A better?
    >>> res.pvalue < 0.01, res.lag
    (True, 7)
    """
    caller = "diebold_mariano"
    if alternative not in ALTERNATIVES:
        raise ValueError(
            f"{caller}: alternative must be one of {ALTERNATIVES}, got {alternative!r}"
        )
    a, index_a = _loss_vector(loss_a, "loss_a")
    b, index_b = _loss_vector(loss_b, "loss_b")
    if index_a is not None and index_b is not None and not index_a.equals(index_b):
        raise ValueError(
            f"{caller}: loss_a and loss_b are Series with different indexes; align them "
            "(e.g. loss_b.reindex(loss_a.index)) so each day meets its own loss"
        )
    if a.size != b.size:
        raise ValueError(f"{caller}: loss_a has {a.size} days but loss_b has {b.size}")
    n = a.size
    if n < 3:
        raise ValueError(f"{caller}: needs at least 3 days, got {n}")
    if lag is None:
        lag = int(np.floor(n ** (1.0 / 3.0) + 1e-9))
    elif isinstance(lag, bool) or not isinstance(lag, Integral) or not 0 <= lag < n:
        raise ValueError(f"{caller}: lag must be an int in [0, {n - 1}], got {lag!r}")
    if isinstance(horizon, bool) or not isinstance(horizon, Integral) or not 1 <= horizon < n:
        raise ValueError(f"{caller}: horizon must be an int in [1, {n - 1}], got {horizon!r}")
    lag, horizon = int(lag), int(horizon)
    d = a - b
    variance = newey_west_variance(d, lag)
    if not variance > 0:
        raise ValueError(
            f"{caller}: the loss differential is constant ({d[0]!r} every day), so its "
            "variance is zero and the test is undefined"
        )
    dm = d.mean() / np.sqrt(variance / n)
    statistic = float(dm * np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n))
    t = stats.t(n - 1)
    if alternative == "two-sided":
        pvalue = 2.0 * t.sf(abs(statistic))
        words = "the two models' expected losses differ"
    elif alternative == "less":
        pvalue = t.cdf(statistic)
        words = "model A is more accurate: E[loss_a - loss_b] < 0"
    else:
        pvalue = t.sf(statistic)
        words = "model B is more accurate: E[loss_a - loss_b] > 0"
    return DieboldMarianoResult(
        statistic=statistic,
        pvalue=float(pvalue),
        mean_difference=float(d.mean()),
        long_run_variance=variance,
        lag=lag,
        horizon=horizon,
        n=n,
        df=n - 1,
        tail=alternative,
        null="equal predictive accuracy: E[loss_a - loss_b] = 0",
        alternative=words,
    )


@dataclass(frozen=True)
class ModelConfidenceSetResult:
    """The Model Confidence Set of Hansen, Lunde & Nason (2011) (see :func:`model_confidence_set`).

    Attributes
    ----------
    included : tuple of str
        Models in the set at ``size``: those whose MCS p-value is at least ``size``.
    excluded : tuple of str
        Models eliminated, in the order they were eliminated.
    pvalues : Series
        MCS p-value of every model, indexed by model name, in elimination order (the
        last is the best model, with p-value 1).
    size : float
        Size of the set (0.1 for a 90% set).
    method : {"R", "max"}
        Elimination statistic.
    bootstrap : str
        Block bootstrap used.
    block_size : int
        Bootstrap block length.
    reps : int
        Bootstrap replications.
    null, alternative : str
        The hypotheses of each elimination step, in words.
    """

    included: tuple
    excluded: tuple
    pvalues: pd.Series = field(repr=False, compare=False)
    size: float
    method: str
    bootstrap: str
    block_size: int
    reps: int
    null: str = field(repr=False)
    alternative: str = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"ModelConfidenceSetResult(size={self.size:g}, included={list(self.included)}, "
            f"excluded={list(self.excluded)}, method={self.method!r}, reps={self.reps})"
        )


def _check_losses_frame(losses, caller: str) -> pd.DataFrame:
    if not isinstance(losses, pd.DataFrame):
        raise TypeError(
            f"{caller}: losses must be a DataFrame of per-day losses, one column per model, "
            f"got {type(losses).__name__}"
        )
    if losses.shape[1] < 2:
        raise ValueError(f"{caller}: needs at least two models (columns), got {losses.shape[1]}")
    if losses.columns.has_duplicates:
        dup = losses.columns[losses.columns.duplicated()][0]
        raise ValueError(f"{caller}: model names must be unique; {dup!r} repeats")
    if losses.shape[0] < 2:
        raise ValueError(f"{caller}: needs at least two days, got {losses.shape[0]}")
    try:
        values = losses.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{caller}: losses must be numeric: {exc}") from None
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(
            f"{caller}: loss of model {losses.columns[col]!r} is not finite on "
            f"{losses.index[row]!r}; compare the models on the days they all forecast"
        )
    return losses


def model_confidence_set(
    losses: pd.DataFrame,
    size: float = 0.1,
    *,
    reps: int = 1000,
    block_size: int | None = None,
    method: str = "R",
    bootstrap: str = "stationary",
    random_state: int | np.random.Generator | None = None,
) -> ModelConfidenceSetResult:
    """The Model Confidence Set (Hansen, Lunde & Nason 2011), computed by ``arch.bootstrap.MCS``.

    Starting from all models, each step tests whether all remaining models have equal
    expected loss; while that is rejected at ``size`` the worst model is eliminated. The
    MCS p-value of a model is the largest test p-value up to its elimination; the set
    keeps the models whose p-value is at least ``size`` (Hansen, Lunde & Nason 2011, "The
    model confidence set", Econometrica 79(2)). The bootstrap and the statistics are
    arch's (Sheppard's ``arch`` package), unchanged: this wrapper validates the losses,
    names the models and returns a result object.

    Parameters
    ----------
    losses : DataFrame of shape (n_days, n_models)
        Per-day losses (lower is better), one column per model, on the days all models
        forecast (e.g. ``pd.DataFrame({name: daily_loss(frame, "qlike", target)})``).
    size : float, default=0.1
        Size of the set, in (0, 1): 0.1 gives the 90% Model Confidence Set.
    reps : int, default=1000
        Bootstrap replications.
    block_size : int or None, default=None
        Bootstrap block length; None: ``int(sqrt(n_days))`` (arch's default).
    method : {"R", "max"}, default="R"
        Elimination statistic: "R" (range, ``T_R``) or "max" (``T_max``).
    bootstrap : {"stationary", "circular", "moving block"}, default="stationary"
        Block bootstrap for the loss differentials.
    random_state : int, Generator or None, default=None
        Seed of the bootstrap (arch's ``seed``).

    Returns
    -------
    ModelConfidenceSetResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skvol.evaluation import model_confidence_set
    >>> rng = np.random.default_rng(0)
    >>> base = rng.chisquare(2, size=(400, 1))
    >>> losses = pd.DataFrame(base + rng.normal(0, 0.2, (400, 3)) + [0.0, 0.02, 1.0],
    ...                       columns=["good", "tied", "bad"])
    >>> res = model_confidence_set(losses, size=0.1, reps=200, random_state=1)
    >>> sorted(res.included), list(res.excluded)
    (['good', 'tied'], ['bad'])
    """
    caller = "model_confidence_set"
    losses = _check_losses_frame(losses, caller)
    if isinstance(size, bool) or not isinstance(size, Real) or not 0.0 < size < 1.0:
        raise ValueError(f"{caller}: size must be a float in (0, 1), got {size!r}")
    if isinstance(reps, bool) or not isinstance(reps, Integral) or reps < 1:
        raise ValueError(f"{caller}: reps must be a positive int, got {reps!r}")
    if block_size is not None and (
        isinstance(block_size, bool)
        or not isinstance(block_size, Integral)
        or not 1 <= block_size <= len(losses)
    ):
        raise ValueError(
            f"{caller}: block_size must be None or an int in [1, {len(losses)}], got {block_size!r}"
        )
    if method not in ("R", "max"):
        raise ValueError(f"{caller}: method must be 'R' or 'max', got {method!r}")
    if bootstrap not in ("stationary", "circular", "moving block"):
        raise ValueError(
            f"{caller}: bootstrap must be 'stationary', 'circular' or 'moving block', "
            f"got {bootstrap!r}"
        )
    # arch costs seconds to import: loaded here, so `import skvol` stays light.
    from arch.bootstrap import MCS

    names = [str(c) for c in losses.columns]
    frame = pd.DataFrame(losses.to_numpy(dtype=float), columns=names)
    mcs = MCS(
        frame,
        float(size),
        reps=int(reps),
        block_size=block_size,
        method=method,
        bootstrap=bootstrap,
        seed=random_state,
    )
    mcs.compute()
    pvalues = mcs.pvalues["Pvalue"].astype(float).rename("pvalue")
    pvalues.index.name = "model"
    included = tuple(str(name) for name in mcs.included)
    excluded = tuple(str(name) for name in mcs.excluded)
    return ModelConfidenceSetResult(
        included=included,
        excluded=excluded,
        pvalues=pvalues,
        size=float(size),
        method=method,
        bootstrap=bootstrap,
        block_size=int(mcs.block_size),
        reps=int(reps),
        null="the remaining models have equal expected loss",
        alternative="some remaining model has a larger expected loss than another",
    )
