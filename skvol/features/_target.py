"""The forecasting target: tomorrow's realized measure, aligned to today's row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from skvol._columns import feature_name, group_assets
from skvol.features import _kernels
from skvol.features._base import raise_non_numeric

_MEASURES = {
    "rv": _kernels.realized_variance,
    "bv": _kernels.bipower_variation,
    "return": _kernels.daily_return,
}
_TRANSFORMS = (None, "log1p", "log")


def next_day_target(
    panel: pd.DataFrame,
    asset: str | None = None,
    measure: str = "rv",
    transform: str | None = "log1p",
    scale: float = 1.0,
) -> pd.Series:
    """Tomorrow's value of a daily measure, aligned to today's row.

    ``y_t = g(m_{t+1})`` where ``m`` is the realized variance (``"rv"``, see
    :class:`RealizedVariance`), the bipower variation (``"bv"``) or the daily return
    (``"return"``, the sum of the intraday returns) computed from the intraday returns
    multiplied by ``scale``, and ``g`` is ``log(1 + m)`` (``"log1p"``, the original
    study's target), ``log m`` (``"log"``) or the identity (None). The next row of the
    panel is "tomorrow" (the panel's session dates). The last row has no target (NaN),
    nor does a row whose next day's measure is undefined (for example a day without
    observations) or, with ``"log"``, not positive.

    Parameters
    ----------
    panel : DataFrame
        The intraday panel (one row per day, columns ``"<asset>__<bin>"``).
    asset : str or None, default=None
        The asset; None is allowed when the panel holds a single asset.
    measure : {"rv", "bv", "return"}, default="rv"
        The daily measure.
    transform : {"log1p", "log"} or None, default="log1p"
        Transform of the measure; must be None for ``"return"``.
    scale : float, default=1.0
        Multiplies the intraday returns first (100 gives percent returns, so RV in
        squared percent).

    Returns
    -------
    target : Series
        Indexed like ``panel``, named ``"<asset>__<transform>_<measure>_next"``
        (e.g. ``"BTC__log1p_rv_next"``; ``"BTC__rv_next"`` without transform).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skvol.features import next_day_target
    >>> days = pd.date_range("2017-01-02", periods=3, freq="B", name="date")
    >>> panel = pd.DataFrame({"BTC__0000": [0.01, 0.02, 0.03],
    ...                       "BTC__0001": [0.0, 0.0, 0.04]}, index=days)
    >>> next_day_target(panel, transform=None).round(6).tolist()
    [0.0004, 0.0025, nan]
    """
    if not isinstance(panel, pd.DataFrame):
        raise TypeError(f"next_day_target: panel must be a pandas DataFrame, got {type(panel)}")
    if isinstance(panel.index, pd.DatetimeIndex) and not panel.index.is_monotonic_increasing:
        raise ValueError(
            "next_day_target: the panel's date index must be sorted (the next row is tomorrow)"
        )
    if measure not in _MEASURES:
        raise ValueError(
            f"next_day_target: measure must be one of {list(_MEASURES)}, got {measure!r}"
        )
    if transform not in _TRANSFORMS:
        raise ValueError(
            f"next_day_target: transform must be one of {list(_TRANSFORMS)}, got {transform!r}"
        )
    if measure == "return" and transform is not None:
        raise ValueError("next_day_target: transform must be None for measure='return'")
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"next_day_target: scale must be a positive finite number, got {scale!r}")
    groups = dict(group_assets([str(c) for c in panel.columns], panel.shape[1]))
    if asset is None:
        if len(groups) != 1:
            raise ValueError(
                f"next_day_target: the panel holds assets {list(groups)}; name one with asset="
            )
        asset = next(iter(groups))
    if asset not in groups:
        raise ValueError(
            f"next_day_target: asset {asset!r} not in the panel (assets: {list(groups)})"
        )
    columns = panel.columns[groups[asset]]
    try:
        r = panel[columns].to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise_non_numeric(panel[columns], "next_day_target", exc)
        raise TypeError(f"next_day_target: columns of {asset!r} must be numeric: {exc}") from exc
    if np.isinf(r).any():
        row, col = np.argwhere(np.isinf(r))[0]
        raise ValueError(
            f"next_day_target: panel contains infinity at row {panel.index[row]!r}, "
            f"column {columns[col]!r}"
        )
    value = _MEASURES[measure](r * scale)
    if transform == "log1p":
        value = np.log1p(np.where(value > -1.0, value, np.nan))
    elif transform == "log":
        positive = value > 0
        value = np.log(np.where(positive, value, 1.0))
        value[~positive] = np.nan
    suffix = f"{measure}_next" if transform is None else f"{transform}_{measure}_next"
    today = pd.Series(value, index=panel.index)
    return today.shift(-1).rename(feature_name(asset, suffix))
