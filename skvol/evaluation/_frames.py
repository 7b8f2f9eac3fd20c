"""Per-day losses and distributions from a walk-forward frame (``walk_forward_predict``).

A frame holds, per test day, ``y_true``, the predicted distribution's ``mean`` and
``scale`` (and ``df`` for a Student-t), the VaR columns and, for a return VaR, the realised
``return``. These helpers rebuild the distribution and score it day by day, the input of
:func:`diebold_mariano` and :func:`model_confidence_set`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from skvol.evaluation._backtest import check_level
from skvol.evaluation._fz import fz0_loss
from skvol.evaluation._scores import (
    crps,
    mse_loss,
    negative_log_likelihood,
    pinball_loss,
    qlike_loss,
)
from skvol.evaluation._var import check_target
from skvol.evaluation._walk_forward import level_suffix

__all__ = ["walk_forward_dist", "daily_loss"]

LOSSES = ("qlike", "mse", "nll", "crps", "pinball", "fz0")


def _column(frame: pd.DataFrame, name: str, caller: str, why: str) -> np.ndarray:
    if name not in frame.columns:
        raise ValueError(f"{caller}: the frame has no {name!r} column ({why})")
    values = frame[name].to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{caller}: column {name!r} is not finite on {frame.index[pos]!r}")
    return values


def walk_forward_dist(frame: pd.DataFrame):
    """The predicted distribution of each row of a walk-forward frame.

    ``scipy.stats.norm(mean, scale)``, or ``scipy.stats.t(df, mean, scale)`` when the frame
    has a ``df`` column (the mean of a Student-t with ``df > 1`` is its ``loc``).

    Parameters
    ----------
    frame : DataFrame
        Output of :func:`walk_forward_predict` for a probabilistic model.

    Returns
    -------
    frozen scipy.stats distribution
        One element per row of ``frame``.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvol.evaluation import walk_forward_dist
    >>> frame = pd.DataFrame({"y_true": [0.1, 0.3], "mean": [0.0, 0.2], "scale": [1.0, 2.0]})
    >>> walk_forward_dist(frame).std().tolist()
    [1.0, 2.0]
    """
    caller = "walk_forward_dist"
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{caller}: frame must be a DataFrame from walk_forward_predict")
    why = "a probabilistic model's walk_forward_predict output has mean and scale"
    mean = _column(frame, "mean", caller, why)
    scale = _column(frame, "scale", caller, why)
    if "df" in frame.columns:
        return stats.t(_column(frame, "df", caller, why), mean, scale)
    return stats.norm(mean, scale)


def daily_loss(
    frame: pd.DataFrame, loss: str, *, target=None, level: float | None = None
) -> pd.Series:
    """The loss of each day of a walk-forward frame (lower is better).

    * ``"qlike"``, ``"mse"``: :func:`qlike_loss` / :func:`mse_loss` of ``E[V]``
      (``target.expected_variance``) against the realised variance
      ``target.to_variance(y_true)`` (Patton 2011); need ``target``.
    * ``"nll"``, ``"crps"``: :func:`negative_log_likelihood` / :func:`crps` of the
      predicted distribution at ``y_true``, in target units.
    * ``"pinball"``: :func:`pinball_loss` of the ``var_<level>`` column; against the
      ``return`` column at ``alpha = 1 - level`` for a return-VaR frame, else against
      ``y_true`` at ``alpha = level``; needs ``level``.
    * ``"fz0"``: :func:`fz0_loss` of :func:`return_var` and :func:`return_es` at
      ``level`` against the ``return`` column; needs ``target`` and ``level`` and a frame
      made with ``kind="return"``.

    Parameters
    ----------
    frame : DataFrame
        Output of :func:`walk_forward_predict`.
    loss : {"qlike", "mse", "nll", "crps", "pinball", "fz0"}
    target : NextDayTarget or None, default=None
        The target that built ``y`` (for "qlike", "mse", "fz0").
    level : float or None, default=None
        VaR/ES level (for "pinball", "fz0").

    Returns
    -------
    Series
        Indexed like ``frame``, named ``loss``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skvol import NextDayTarget
    >>> from skvol.evaluation import daily_loss
    >>> frame = pd.DataFrame({"y_true": np.log([2e-4, 1e-4]), "mean": np.log([1e-4, 1e-4]),
    ...                       "scale": [1e-8, 1e-8]})
    >>> daily_loss(frame, "qlike", target=NextDayTarget(scale=1.0)).round(4).tolist()
    [0.3069, 0.0]
    """
    caller = "daily_loss"
    if loss not in LOSSES:
        raise ValueError(f"{caller}: loss must be one of {LOSSES}, got {loss!r}")
    dist = walk_forward_dist(frame)
    y = _column(frame, "y_true", caller, "the realised target")
    if loss in ("pinball", "fz0"):
        if level is None:
            raise ValueError(f"{caller}: loss={loss!r} needs level=")
        level = check_level(level)
    if loss in ("qlike", "mse", "fz0"):
        target = check_target(target, f"{caller} (loss={loss!r})")
    if loss in ("qlike", "mse"):
        rv = target.to_variance(y)
        h = target.expected_variance(dist)
        values = (qlike_loss if loss == "qlike" else mse_loss)(rv, h, per_day=True)
    elif loss == "nll":
        values = negative_log_likelihood(y, dist, per_day=True)
    elif loss == "crps":
        values = crps(y, dist, per_day=True)
    elif loss == "pinball":
        var = _column(frame, f"var_{level_suffix(level)}", caller, f"level={level}")
        if "return" in frame.columns:
            realised, alpha = _column(frame, "return", caller, ""), 1.0 - level
        else:
            realised, alpha = y, level
        values = pinball_loss(realised, var, alpha, per_day=True)
    else:
        realised = _column(
            frame, "return", caller, "fz0 scores returns: use walk_forward_predict(kind='return')"
        )
        var = target.return_var(dist, level)
        es = target.return_es(dist, level)
        values = fz0_loss(realised, var, es, level, per_day=True)
    return pd.Series(values, index=frame.index, name=loss)
