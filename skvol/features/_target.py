"""The forecasting target: tomorrow's daily measure, defined once by :class:`NextDayTarget`.

Every step that needs the target (building ``y``, mapping a predicted distribution back to
variance, the return VaR and Expected Shortfall, scoring) takes the same target object, so
the units of a VaR cannot disagree with the model's. The transform ``g`` and its inverse
are written here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from skvol._columns import SEP, feature_name, group_assets
from skvol.features import _implied, _kernels
from skvol.features._base import raise_non_numeric

_PANEL_MEASURES = {
    "rv": _kernels.realized_variance,
    "bv": _kernels.bipower_variation,
    "return": _kernels.daily_return,
}
#: Column suffix of each measure in a daily-measures frame (see ``daily_measures``).
_FRAME_SUFFIX = {"rv": "rv", "bv": "bv", "return": "ret"}
TRANSFORMS = ("log", "log1p", None)
#: Default upper quantile at which heavy-tailed mean forecasts of the variance are truncated.
TRUNCATE = 0.999


def _check_level(level: float, low: float = 0.0) -> float:
    try:
        level = float(level)
    except (TypeError, ValueError):
        raise TypeError(f"level must be a number, got {level!r}") from None
    if not low < level < 1.0:
        raise ValueError(f"level must lie in ({low:g}, 1), got {level!r}")
    return level


def _check_dist(dist) -> None:
    if not (hasattr(dist, "ppf") and hasattr(dist, "isf") and hasattr(dist, "cdf")):
        raise TypeError(
            "dist must be a frozen scipy.stats distribution (as returned by predict_dist), "
            f"got {type(dist).__name__}"
        )


@dataclass(frozen=True)
class NextDayTarget:
    """Tomorrow's daily measure, transformed: the one definition of a forecasting target.

    ``Y_t = g(scale**2 * m_{t+1})`` for a variance measure (``m`` the realized variance
    ``"rv"`` or bipower variation ``"bv"`` of the intraday log returns, in squared decimal
    units, so ``scale=100`` gives squared percent) and ``Y_t = scale * m_{t+1}`` for the
    daily return (``"return"``, the sum of the intraday log returns; no transform). ``g``
    is ``log`` (``"log"``), ``log(1 + .)`` (``"log1p"``, the original study's target) or
    the identity (None). "Tomorrow" is the asset's next trading day: the next row on which
    its measure is defined. A row on which the asset did not trade, the last trading day,
    and, with ``"log"``, a day whose next measure is not positive, have no target (NaN).

    The inverse ``V = g^{-1}(Y) / scale**2`` maps a predicted target back to tomorrow's
    return variance in squared decimal log returns; for ``"log1p"`` and the identity a
    predicted distribution may put mass where ``g^{-1}(Y) < 0``, read as ``V = 0``.

    Parameters
    ----------
    measure : {"rv", "bv", "return"}, default="rv"
        The daily measure.
    transform : {"log", "log1p"} or None, default="log"
        The transform ``g``; must be None for ``"return"``.
    scale : float, default=100.0
        Multiplies the returns first (100: percent returns, RV in squared percent).

    See Also
    --------
    next_day_target : the same target for one asset of an intraday panel, as a function.
    daily_measures : the daily-measures frame ``from_measures`` reads.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from scipy import stats
    >>> import skvol
    >>> days = pd.bdate_range("2017-01-02", periods=3, name="date")
    >>> frame = pd.DataFrame({"SPX__rv": [1e-4, 4e-4, 1e-4]}, index=days)
    >>> target = skvol.NextDayTarget(transform="log", scale=100.0)
    >>> target.from_measures(frame).round(4).tolist()
    [1.3863, 0.0, nan]
    >>> float(target.to_variance(np.log(4.0)))  # back to squared decimal returns
    0.0004
    >>> target.return_var(stats.norm([np.log(4.0)], 1e-6), 0.95).round(4)  # -1.645 * 2%
    array([-0.0329])
    """

    measure: str = "rv"
    transform: str | None = "log"
    scale: float = 100.0

    def __post_init__(self) -> None:
        if self.measure not in _PANEL_MEASURES:
            raise ValueError(
                f"NextDayTarget: measure must be one of {list(_PANEL_MEASURES)}, "
                f"got {self.measure!r}"
            )
        if self.transform not in TRANSFORMS:
            raise ValueError(
                f"NextDayTarget: transform must be one of {list(TRANSFORMS)}, "
                f"got {self.transform!r}"
            )
        if self.measure == "return" and self.transform is not None:
            raise ValueError("NextDayTarget: transform must be None for measure='return'")
        if isinstance(self.scale, bool) or not isinstance(self.scale, int | float | np.number):
            raise TypeError(f"NextDayTarget: scale must be a number, got {self.scale!r}")
        if not np.isfinite(self.scale) or self.scale <= 0:
            raise ValueError(
                f"NextDayTarget: scale must be a positive finite number, got {self.scale!r}"
            )
        object.__setattr__(self, "scale", float(self.scale))

    # -- names and the transform ------------------------------------------------------
    @property
    def is_variance(self) -> bool:
        """Whether the measure is a variance (``"rv"``, ``"bv"``), not the return."""
        return self.measure != "return"

    def name(self, asset: str = "") -> str:
        """Column name of the target: ``"<asset>__<transform>_<measure>_next"``.

        >>> from skvol import NextDayTarget
        >>> NextDayTarget().name("BTC"), NextDayTarget("return", None).name("BTC")
        ('BTC__log_rv_next', 'BTC__return_next')
        """
        suffix = (
            f"{self.measure}_next"
            if self.transform is None
            else f"{self.transform}_{self.measure}_next"
        )
        return feature_name(asset, suffix)

    def apply(self, measure) -> np.ndarray:
        """``g(scale**2 m)`` (``scale * m`` for the return); NaN where ``g`` is undefined."""
        m = np.asarray(measure, dtype=float)
        if not self.is_variance:
            return self.scale * m
        value = self.scale**2 * m
        if self.transform == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(value > 0, np.log(np.where(value > 0, value, 1.0)), np.nan)
        if self.transform == "log1p":
            return np.where(value > -1.0, np.log1p(np.where(value > -1.0, value, 0.0)), np.nan)
        return value

    def to_variance(self, y) -> np.ndarray:
        """The inverse: tomorrow's variance ``max(g^{-1}(y), 0) / scale**2`` (decimal units).

        Monotone non-decreasing in ``y``, so it maps quantiles of the target to quantiles
        of the variance.
        """
        self._require_variance("to_variance")
        y = np.asarray(y, dtype=float)
        with np.errstate(over="ignore"):
            if self.transform == "log":
                v = np.exp(y)
            elif self.transform == "log1p":
                v = np.expm1(y)
            else:
                v = np.array(y, dtype=float)
        return np.maximum(v, 0.0) / self.scale**2

    @property
    def _y_zero(self) -> float | None:
        """The largest target value that maps to ``V = 0`` (None: ``V > 0`` everywhere)."""
        return None if self.transform == "log" else 0.0

    def _require_variance(self, what: str) -> None:
        if not self.is_variance:
            raise ValueError(
                f"NextDayTarget.{what} needs a variance target (measure 'rv' or 'bv'), "
                f"not measure={self.measure!r}"
            )

    # -- building y ---------------------------------------------------------------------
    def from_panel(self, panel: pd.DataFrame, asset: str | Sequence[str] | None = None):
        """The target from an intraday panel (columns ``"<asset>__<bin>"``).

        Parameters
        ----------
        panel : DataFrame
            One row per session date (sorted), intraday log returns per bin.
        asset : str, sequence of str or None, default=None
            One asset gives a Series; several (or None with several assets in the panel)
            give a DataFrame with one column per asset. None with a single asset gives
            its Series.

        Returns
        -------
        Series or DataFrame
            Indexed like ``panel``, named by :meth:`name`.
        """
        caller = "NextDayTarget.from_panel"
        self._check_frame(panel, caller, "panel")
        groups = dict(group_assets([str(c) for c in panel.columns], panel.shape[1]))
        names, single = self._assets(asset, list(groups), caller, "panel")
        out = {}
        for name in names:
            columns = panel.columns[groups[name]]
            r = _numeric(panel[columns], caller)
            out[self.name(name)] = self._next(_PANEL_MEASURES[self.measure](r))
        return self._result(out, panel.index, single)

    def from_measures(self, frame: pd.DataFrame, asset: str | Sequence[str] | None = None):
        """The target from a daily-measures frame (columns ``"<asset>__rv"``, ``__bv``, ``__ret``).

        Reads ``<asset>__rv`` (``__bv``, ``__ret`` for those measures) in decimal units;
        a NaN marks a date on which the asset did not trade, so assets with different
        calendars on one frame each get their own next trading day.

        Parameters
        ----------
        frame : DataFrame
            A daily-measures frame (see :func:`daily_measures`), sorted by date.
        asset : str, sequence of str or None, default=None
            As in :meth:`from_panel`; None takes every asset that has the measure.

        Returns
        -------
        Series or DataFrame
        """
        caller = "NextDayTarget.from_measures"
        self._check_frame(frame, caller, "frame")
        suffix = SEP + _FRAME_SUFFIX[self.measure]
        available = [str(c)[: -len(suffix)] for c in frame.columns if str(c).endswith(suffix)]
        if not available and f"{_FRAME_SUFFIX[self.measure]}" in map(str, frame.columns):
            available = [""]
        names, single = self._assets(asset, available, caller, "frame")
        out = {}
        for name in names:
            column = feature_name(name, _FRAME_SUFFIX[self.measure])
            values = _numeric(frame[[column]], caller)[:, 0]
            out[self.name(name)] = self._next(values)
        return self._result(out, frame.index, single)

    def _check_frame(self, frame, caller: str, what: str) -> None:
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{caller}: {what} must be a pandas DataFrame, got {type(frame)}")
        if isinstance(frame.index, pd.DatetimeIndex) and not frame.index.is_monotonic_increasing:
            raise ValueError(
                f"{caller}: the {what}'s date index must be sorted (the next row is tomorrow)"
            )

    def _assets(self, asset, available: list[str], caller: str, what: str):
        if asset is None:
            if not available:
                raise ValueError(f"{caller}: the {what} has no {self.measure!r} column")
            return available, len(available) == 1
        names = [asset] if isinstance(asset, str) else list(asset)
        for name in names:
            if name not in available:
                raise ValueError(
                    f"{caller}: asset {name!r} not in the {what} (assets: {available})"
                )
        return names, isinstance(asset, str)

    def _next(self, measure: np.ndarray) -> np.ndarray:
        """Row t gets ``g`` of the measure on the next row where it is defined (not NaN)."""
        n = measure.shape[0]
        traded = ~np.isnan(measure)
        positions = np.flatnonzero(traded)
        nxt = np.searchsorted(positions, np.arange(n), side="right")
        has_next = traded & (nxt < positions.size)
        out = np.full(n, np.nan)
        out[has_next] = self.apply(measure[positions[nxt[has_next]]])
        return out

    def _result(self, columns: dict[str, np.ndarray], index: pd.Index, single: bool):
        if single:
            ((name, values),) = columns.items()
            return pd.Series(values, index=index, name=name)
        return pd.DataFrame(columns, index=index)

    # -- what a predicted distribution implies ------------------------------------------
    def variance_quantile(self, dist, level: float) -> np.ndarray:
        """The ``level`` quantile of tomorrow's variance: ``to_variance(dist.ppf(level))``."""
        _check_dist(dist)
        return self.to_variance(dist.ppf(_check_level(level)))

    def expected_variance(
        self, dist, truncate: float = TRUNCATE, n_nodes: int = _implied.N_NODES
    ) -> np.ndarray:
        """Expected variance ``E[V]`` implied by a predicted distribution of the target.

        The forecast to score with QLIKE or MSE against realized variance (Patton, 2011).
        In closed form for a Normal ``Y`` with ``"log"`` (``exp(mu + s**2/2) / scale**2``,
        the log-normal mean) and for the identity; otherwise by Gauss-Hermite quadrature
        after the quantile transform. For a distribution that is not Normal (Student-t,
        a mixture from an ensemble) under ``"log"``/``"log1p"``, ``E[exp(Y)]`` may be
        infinite (it is for every Student-t), so the mean is taken below the ``truncate``
        quantile of ``Y``: ``E[V | Y <= F^{-1}(truncate)]``, finite and close to the
        median-based forecasts (docs/design.md shows its sensitivity to ``truncate``).

        Parameters
        ----------
        dist : frozen scipy.stats distribution
            Predicted distribution of the target, one element per row.
        truncate : float, default=0.999
            Upper quantile of the truncation for non-Normal distributions, in (0.5, 1].
        n_nodes : int, default=64
            Quadrature nodes.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        self._require_variance("expected_variance")
        _check_dist(dist)
        truncate = self._truncation(dist, truncate)
        name = getattr(getattr(dist, "dist", None), "name", "")
        if name == "norm" and self.transform in ("log", None):
            mu, s = np.atleast_1d(dist.mean()), np.atleast_1d(dist.std())
            if self.transform == "log":
                return np.exp(mu + 0.5 * s**2) / self.scale**2
            if self.transform is None:
                # E[max(Y, 0)] for Y ~ N(mu, s): mu Phi(mu/s) + s phi(mu/s).
                z = mu / s
                return (mu * ndtr(z) + s * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)) / (
                    self.scale**2
                )
        return _implied.expected_variance(dist, self.to_variance, self._y_zero, n_nodes, truncate)

    def return_var(self, dist, level: float, n_nodes: int = _implied.N_NODES) -> np.ndarray:
        """Return VaR: the ``1 - level`` quantile of tomorrow's return under the mixture.

        ``P(r < q) = E_V[Phi(q / sqrt(V))] = 1 - level`` with ``V = to_variance(Y)`` and
        ``Y`` the predicted target (``r | V ~ N(0, V)``, decimal log returns), solved row
        by row (see :func:`skvol.evaluation.return_var`). A return below zero; a breach is
        a realised return below it.
        """
        self._require_variance("return_var")
        _check_dist(dist)
        level = _check_level(level, 0.5)
        return _implied.return_quantile(dist, level, self.to_variance, self._y_zero, n_nodes)

    def return_es(
        self,
        dist,
        level: float,
        truncate: float = TRUNCATE,
        n_nodes: int = _implied.N_NODES,
    ) -> np.ndarray:
        """Return Expected Shortfall ``E[r | r <= VaR]`` at ``level`` under the mixture.

        ``ES = -E_V[sqrt(V) phi(q / sqrt(V))] / (1 - level)`` with ``q`` the return VaR:
        the Normal partial expectation mixed over the predicted variance, by the same
        quadrature as :meth:`return_var` (Basel FRTB regulates on ES at 97.5%). Exact for a
        Normal forecast. For any other distribution under ``"log"``/``"log1p"`` the
        variances above the ``truncate`` quantile of ``Y`` are left out of the average, as
        in :meth:`expected_variance`: under a Student-t forecast of log RV
        ``E[exp(Y / 2)]`` diverges, so the exact return ES is minus infinity.
        """
        self._require_variance("return_es")
        _check_dist(dist)
        level = _check_level(level, 0.5)
        truncate = self._truncation(dist, truncate)
        return _implied.return_shortfall(
            dist, level, self.to_variance, self._y_zero, n_nodes, truncate
        )

    def _truncation(self, dist, truncate: float) -> float:
        """The truncation quantile in force: 1 (none) for a Normal or an identity target."""
        truncate = float(truncate)
        if not 0.5 < truncate <= 1.0:
            raise ValueError(f"truncate must lie in (0.5, 1], got {truncate!r}")
        name = getattr(getattr(dist, "dist", None), "name", "")
        return 1.0 if name == "norm" or self.transform is None else truncate


def _numeric(frame: pd.DataFrame, caller: str) -> np.ndarray:
    try:
        values = frame.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise_non_numeric(frame, caller, exc)
        raise TypeError(f"{caller}: columns must be numeric: {exc}") from exc
    if np.isinf(values).any():
        row, col = np.argwhere(np.isinf(values))[0]
        raise ValueError(
            f"{caller}: infinity at row {frame.index[row]!r}, column {frame.columns[col]!r}"
        )
    return values


def next_day_target(
    panel: pd.DataFrame,
    asset: str | None = None,
    measure: str = "rv",
    transform: str | None = "log1p",
    scale: float = 1.0,
) -> pd.Series:
    """Tomorrow's value of a daily measure for one asset of a panel, aligned to today's row.

    A thin convenience over :class:`NextDayTarget`:
    ``NextDayTarget(measure, transform, scale).from_panel(panel, asset)``, with the
    original study's defaults (``log(1 + RV)``, unscaled returns). Prefer the target
    object: the same object then maps forecasts back to variance and gives the VaR.

    Parameters
    ----------
    panel : DataFrame
        The intraday panel (one row per day, columns ``"<asset>__<bin>"``).
    asset : str or None, default=None
        The asset; None is allowed when the panel holds a single asset.
    measure : {"rv", "bv", "return"}, default="rv"
    transform : {"log1p", "log"} or None, default="log1p"
    scale : float, default=1.0

    Returns
    -------
    target : Series
        Indexed like ``panel``, named ``"<asset>__<transform>_<measure>_next"``.

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
    if asset is None:
        assets = [a for a, _ in group_assets([str(c) for c in panel.columns], panel.shape[1])]
        if len(assets) != 1:
            raise ValueError(
                f"next_day_target: the panel holds assets {assets}; name one with asset="
            )
        asset = assets[0]
    try:
        target = NextDayTarget(measure=measure, transform=transform, scale=scale)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"next_day_target: {str(exc).split(': ', 1)[1]}") from None
    try:
        return target.from_panel(panel, asset)
    except (TypeError, ValueError) as exc:
        message = str(exc).replace("NextDayTarget.from_panel", "next_day_target")
        raise type(exc)(message) from None
