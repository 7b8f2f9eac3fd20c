"""Numbers the study reports, computed from walk-forward forecast frames.

Plain functions over the frames that :func:`skvol.evaluation.walk_forward_predict`
returns (columns ``y_true``, ``mean`` and, for distribution forecasts, ``scale`` and
``df``), so every number in the report can be recomputed by hand from the CSV files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from skvol.evaluation import mse_loss, qlike_loss, walk_forward_dist
from skvol.features import NextDayTarget


def point_accuracy(frame: pd.DataFrame, target: NextDayTarget) -> dict[str, float]:
    """RMSE, MAE and QLIKE of a forecast on the variance scale, in squared percent.

    The variance forecast is the plug-in ``target.to_variance(mean)`` of the predicted
    mean of the target, the same rule for every model (so point and distribution forecasts are
    compared alike); realised and forecast variances are multiplied by ``100**2``
    (daily variance of percent returns) so the errors read in %^2. QLIKE and MSE are
    :func:`skvol.evaluation.qlike_loss` and :func:`skvol.evaluation.mse_loss` (Patton 2011).

    A ``log1p`` forecast below 0 implies a negative variance, which the target's inverse
    reads as 0: such days are counted (``nonpositive``), and QLIKE, which needs a positive
    forecast, averages over the other days.
    """
    v_true = target.to_variance(frame["y_true"]) * 1e4
    v_hat = target.to_variance(frame["mean"]) * 1e4
    positive = v_hat > 0
    clipped = np.maximum(v_hat, 0.0)
    return {
        "rmse": float(np.sqrt(mse_loss(v_true, clipped))),
        "mae": float(np.mean(np.abs(clipped - v_true))),
        "qlike": qlike_loss(v_true[positive], v_hat[positive]) if positive.any() else float("nan"),
        "nonpositive": int((~positive).sum()),
        "days": int(len(frame)),
    }


def pit_values(frame: pd.DataFrame) -> np.ndarray:
    """Probability integral transforms ``F_t(y_t)`` of the realised targets."""
    return np.asarray(
        walk_forward_dist(frame).cdf(frame["y_true"].to_numpy(dtype=float)), dtype=float
    )


def interval_coverage(frame: pd.DataFrame, levels=(0.5, 0.8, 0.9, 0.95, 0.99)) -> dict[str, float]:
    """Share of days whose target fell inside the central interval at each level."""
    dist = walk_forward_dist(frame)
    y = frame["y_true"].to_numpy(dtype=float)
    out = {}
    for level in levels:
        lo, hi = dist.interval(level)
        out[f"{level:g}"] = float(np.mean((y >= lo) & (y <= hi)))
    return out
