"""Scores for quantile, distribution and variance forecasts (lower is better).

* :func:`pinball_loss`: the quantile (check) loss, strictly consistent for a quantile
  (Koenker & Bassett 1978; Gneiting 2011, "Making and evaluating point forecasts").
* :func:`negative_log_likelihood` and :func:`crps`: proper scores for a whole predicted
  distribution (Gneiting & Raftery 2007), with closed-form CRPS for the Normal and the
  Student-t.
* :func:`qlike_loss` and :func:`mse_loss`: losses for variance forecasts that are robust to
  the noise in a realized-variance proxy (Patton 2011, "Volatility forecast comparison
  using imperfect volatility proxies", J. Econometrics 160(1)), on the variance scale.

Each returns the mean over rows, as a float; with ``per_day=True`` it returns the loss of
each row instead (an ndarray), the input of :func:`diebold_mariano` and
:func:`model_confidence_set`.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import beta as beta_fn

from skvol.evaluation._predict import dist_params, dist_size

__all__ = ["pinball_loss", "negative_log_likelihood", "crps", "qlike_loss", "mse_loss"]


def _as_1d(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        arr = arr[None]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per row), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    bad = ~np.isfinite(arr)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} holds a non-finite value ({arr[pos]!r}) at position {pos}")
    return arr


def _reduce(values: np.ndarray, per_day: bool):
    """The mean as a float, or the per-row values with ``per_day=True``."""
    if per_day:
        return np.asarray(values, dtype=float)
    return float(np.mean(values))


def _pair(y_true, y_pred, name_pred: str) -> tuple[np.ndarray, np.ndarray]:
    y = _as_1d(y_true, "y_true")
    p = np.broadcast_to(_as_1d(y_pred, name_pred), y.shape) if np.size(y_pred) == 1 else None
    if p is None:
        p = _as_1d(y_pred, name_pred)
        if p.shape != y.shape:
            raise ValueError(f"y_true has {y.size} rows but {name_pred} has {p.size}")
    return y, p


def pinball_loss(y_true, quantile, alpha: float, *, per_day: bool = False):
    """Mean pinball (quantile) loss of a forecast of the ``alpha`` quantile.

    ``L_alpha(q, y) = (alpha - 1{y < q}) (y - q)``, averaged over rows. Use
    ``alpha = level`` for a volatility VaR (upper quantile) and ``alpha = 1 - level`` for a
    return VaR (lower quantile).

    Parameters
    ----------
    y_true : array-like of shape (n_rows,)
        Realised values.
    quantile : array-like of shape (n_rows,) or scalar
        Forecast quantiles.
    alpha : float
        Quantile level in (0, 1).
    per_day : bool, default=False
        Return the loss of each row (ndarray of shape (n_rows,)) instead of the mean.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> from skvol.evaluation import pinball_loss
    >>> pinball_loss([1.0, 3.0], [2.0, 2.0], alpha=0.9)  # (0.1 * 1 + 0.9 * 1) / 2
    0.5
    """
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    y, q = _pair(y_true, quantile, "quantile")
    diff = y - q
    return _reduce(np.where(diff < 0, (alpha - 1.0) * diff, alpha * diff), per_day)


def _check_dist(dist, n_rows: int) -> None:
    if not (hasattr(dist, "logpdf") and hasattr(dist, "dist")):
        raise TypeError(
            "dist must be a frozen scipy.stats distribution (as returned by predict_dist), "
            f"got {type(dist).__name__}"
        )
    size = dist_size(dist)
    if size not in (1, n_rows):
        raise ValueError(f"dist has {size} elements but y_true has {n_rows} rows")


def negative_log_likelihood(y_true, dist, *, per_day: bool = False):
    """Mean negative log-likelihood ``-log f(y)`` of the realised values (the log score).

    Parameters
    ----------
    y_true : array-like of shape (n_rows,)
        Realised values.
    dist : frozen scipy.stats distribution
        Predicted distribution, one element per row.
    per_day : bool, default=False
        Return the loss of each row (ndarray of shape (n_rows,)) instead of the mean.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> from scipy import stats
    >>> from skvol.evaluation import negative_log_likelihood
    >>> round(negative_log_likelihood([0.0], stats.norm(0, 1)), 6)  # log(2 pi) / 2
    0.918939
    """
    y = _as_1d(y_true, "y_true")
    _check_dist(dist, y.size)
    return _reduce(-np.broadcast_to(dist.logpdf(y), y.shape), per_day)


def _crps_normal(y: np.ndarray, loc, scale) -> np.ndarray:
    """CRPS of ``N(loc, scale**2)`` (Gneiting & Raftery 2007)."""
    z = (y - loc) / scale
    return scale * (
        z * (2.0 * stats.norm.cdf(z) - 1.0) + 2.0 * stats.norm.pdf(z) - 1.0 / np.sqrt(np.pi)
    )


def _crps_student_t(y: np.ndarray, df, loc, scale) -> np.ndarray:
    """CRPS of a location-scale Student-t, ``df > 1``.

    ``sigma [z (2 F(z) - 1) + 2 f(z) (df + z**2) / (df - 1)
    - 2 sqrt(df) B(1/2, df - 1/2) / ((df - 1) B(1/2, df/2)**2)]`` with ``z = (y - loc) /
    sigma`` and ``F``, ``f`` the standard t cdf and pdf (Jordan, Krueger & Lerch 2019,
    "Evaluating probabilistic forecasts with scoringRules", J. Stat. Softw. 90(12)).
    """
    if np.any(df <= 1):
        raise ValueError("the CRPS of a Student-t is finite only for df > 1")
    z = (y - loc) / scale
    term = (
        z * (2.0 * stats.t.cdf(z, df) - 1.0)
        + 2.0 * stats.t.pdf(z, df) * (df + z**2) / (df - 1.0)
        - 2.0 * np.sqrt(df) * beta_fn(0.5, df - 0.5) / ((df - 1.0) * beta_fn(0.5, df / 2.0) ** 2)
    )
    return scale * term


def crps(y_true, dist, *, per_day: bool = False):
    """Mean continuous ranked probability score of a Normal or Student-t forecast.

    ``CRPS(F, y) = integral (F(x) - 1{x >= y})**2 dx``, in closed form: Normal
    (Gneiting & Raftery 2007, "Strictly proper scoring rules, prediction, and estimation",
    JASA 102(477)) and location-scale Student-t with ``df > 1`` (Jordan, Krueger &
    Lerch 2019, J. Stat. Softw. 90(12)). Lower is better; same units as ``y``.

    Parameters
    ----------
    y_true : array-like of shape (n_rows,)
        Realised values.
    dist : frozen ``scipy.stats.norm`` or ``scipy.stats.t``
        Predicted distribution, one element per row.
    per_day : bool, default=False
        Return the loss of each row (ndarray of shape (n_rows,)) instead of the mean.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> from scipy import stats
    >>> from skvol.evaluation import crps
    >>> round(crps([0.0], stats.norm(0, 1)), 6)  # 2 phi(0) - 1/sqrt(pi)
    0.233695
    """
    y = _as_1d(y_true, "y_true")
    _check_dist(dist, y.size)
    name = dist.dist.name
    p = dist_params(dist)
    if name == "norm":
        values = _crps_normal(y, p["loc"], p["scale"])
    elif name == "t":
        values = _crps_student_t(y, p["df"], p["loc"], p["scale"])
    else:
        raise TypeError(f"crps has closed forms for norm and t only, got scipy.stats.{name}")
    return _reduce(np.broadcast_to(values, y.shape), per_day)


def qlike_loss(realized_variance, forecast_variance, *, per_day: bool = False):
    """Mean QLIKE loss of a variance forecast (Patton 2011).

    ``L(s2, h) = s2 / h - log(s2 / h) - 1`` with ``s2`` the realized variance and ``h``
    the forecast, both on the variance scale; 0 for a perfect forecast. QLIKE is robust to
    noise in the proxy and penalises under-prediction more than over-prediction.

    Parameters
    ----------
    realized_variance : array-like of shape (n_rows,)
        Realized variance proxy, positive.
    forecast_variance : array-like of shape (n_rows,)
        Variance forecast, positive (e.g. from :func:`predicted_variance`).
    per_day : bool, default=False
        Return the loss of each row (ndarray of shape (n_rows,)) instead of the mean.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.evaluation import qlike_loss
    >>> bool(np.isclose(qlike_loss([2.0], [1.0]), 1.0 - np.log(2.0)))
    True
    """
    s2, h = _pair(realized_variance, forecast_variance, "forecast_variance")
    for name, arr in (("realized_variance", s2), ("forecast_variance", h)):
        if np.any(arr <= 0):
            pos = int(np.flatnonzero(arr <= 0)[0])
            raise ValueError(f"{name} must be positive; position {pos} holds {arr[pos]!r}")
    ratio = s2 / h
    return _reduce(ratio - np.log(ratio) - 1.0, per_day)


def mse_loss(realized_variance, forecast_variance, *, per_day: bool = False):
    """Mean squared error of a variance forecast, ``(s2 - h)**2`` (Patton 2011).

    Parameters
    ----------
    realized_variance : array-like of shape (n_rows,)
        Realized variance proxy.
    forecast_variance : array-like of shape (n_rows,)
        Variance forecast.
    per_day : bool, default=False
        Return the loss of each row (ndarray of shape (n_rows,)) instead of the mean.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> from skvol.evaluation import mse_loss
    >>> mse_loss([1.0, 2.0], [1.0, 4.0])
    2.0
    >>> mse_loss([1.0, 2.0], [1.0, 4.0], per_day=True)
    array([0., 4.])
    """
    s2, h = _pair(realized_variance, forecast_variance, "forecast_variance")
    return _reduce((s2 - h) ** 2, per_day)
