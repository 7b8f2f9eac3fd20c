"""The daily-measures frame: the common currency between data and models.

One row per session date, columns ``"<asset>__<measure>"`` in decimal units:

==========  ==========================================================================
``rv``      realized variance (:class:`RealizedVariance`)
``bv``      bipower variation (:class:`BipowerVariation`)
``rs_neg``  downside realized semivariance (:class:`RealizedSemivariance`)
``rs_pos``  upside realized semivariance
``ret``     the day's log return (:class:`DailyReturn`)
``jumps``   intraday jumps at 4 local standard deviations (:class:`JumpCounter`)
``rq``      realized quarticity (:class:`RealizedQuarticity`)
``tq``      tripower quarticity (:class:`TripowerQuarticity`)
==========  ==========================================================================

The same names come from minute bars (through :class:`DailyMeasures`) and from a file of
daily realized measures (:func:`skvol.data.read_daily_measures`, which has no ``jumps``,
``rq`` or ``tq``). Assets with different calendars meet on the union of their dates
(:func:`daily_measures`), NaN where an asset did not trade.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from skvol._columns import SEP, asset_of
from skvol.features._base import PanelTransformer
from skvol.features._jumps import JumpCounter
from skvol.features._realized import (
    BipowerVariation,
    DailyReturn,
    RealizedQuarticity,
    RealizedSemivariance,
    RealizedVariance,
    TripowerQuarticity,
)

#: Every measure of the frame, in column order, and the transformer output it is.
MEASURES: dict[str, tuple[type, int]] = {
    "rv": (RealizedVariance, 0),
    "bv": (BipowerVariation, 0),
    "rs_neg": (RealizedSemivariance, 0),
    "rs_pos": (RealizedSemivariance, 1),
    "ret": (DailyReturn, 0),
    "jumps": (JumpCounter, 0),
    "rq": (RealizedQuarticity, 0),
    "tq": (TripowerQuarticity, 0),
}
DEFAULT_MEASURES = tuple(MEASURES)


def _check_measures(measures, who: str) -> tuple[str, ...]:
    if isinstance(measures, str):
        measures = (measures,)
    measures = tuple(measures)
    unknown = [m for m in measures if m not in MEASURES]
    if not measures or unknown or len(set(measures)) != len(measures):
        raise ValueError(
            f"{who}: measures must be distinct names from {list(MEASURES)}, got {measures!r}"
        )
    return measures


class DailyMeasures(PanelTransformer):
    """The daily-measures frame of an intraday panel: RV, BV, semivariances, return, jumps.

    A row-local transformer: each day's row of intraday returns maps to that day's
    measures ``"<asset>__rv"``, ``"__bv"``, ``"__rs_neg"``, ``"__rs_pos"``, ``"__ret"``,
    ``"__jumps"``, ``"__rq"``, ``"__tq"`` (each as the transformer named in
    ``skvol.features._measures`` defines it; decimal units). ``fit`` learns only the
    intraday volatility pattern of the jump count (Boudt, Croux & Laurent, 2011), so in a
    Pipeline the pattern comes from the training rows alone.

    Parameters
    ----------
    measures : sequence of str, default=all eight
        Which measures, in output order per asset.
    jump_threshold : float, default=4.0
        Jump threshold in local standard deviations (the original study's 4).
    periodicity : bool, default=True
        Scale the jump test by the intraday pattern learned in ``fit``.

    Attributes
    ----------
    assets_ : list of str
        Assets found in ``fit``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skvol.features import DailyMeasures
    >>> days = pd.bdate_range("2017-01-02", periods=2, name="date")
    >>> panel = pd.DataFrame({"SPX__0001": [0.01, -0.02], "SPX__0002": [-0.01, 0.01]},
    ...                      index=days)
    >>> out = DailyMeasures(measures=("rv", "ret")).set_output(transform="pandas")
    >>> out.fit_transform(panel).round(6).to_dict("list")
    {'SPX__rv': [0.0002, 0.0005], 'SPX__ret': [0.0, -0.01]}
    """

    _parameter_constraints: dict = {
        "measures": ["array-like", str],
        "jump_threshold": [float, int],
        "periodicity": ["boolean"],
    }

    def __init__(self, measures=DEFAULT_MEASURES, jump_threshold=4.0, periodicity=True):
        self.measures = measures
        self.jump_threshold = jump_threshold
        self.periodicity = periodicity

    def _components(self) -> dict[type, PanelTransformer]:
        measures = _check_measures(self.measures, type(self).__name__)
        if not np.isfinite(self.jump_threshold) or self.jump_threshold <= 0:
            raise ValueError(
                f"DailyMeasures: jump_threshold must be a positive number, "
                f"got {self.jump_threshold!r}"
            )
        kinds = dict.fromkeys(MEASURES[m][0] for m in measures)
        return {
            kind: (
                JumpCounter(threshold=self.jump_threshold, periodicity=self.periodicity)
                if kind is JumpCounter
                else kind()
            )
            for kind in kinds
        }

    def _output_suffixes(self) -> tuple[str, ...]:
        return tuple(self.measures) if not isinstance(self.measures, str) else (self.measures,)

    def _fit_asset(self, r: np.ndarray) -> object:
        return {kind: t._fit_asset(r) for kind, t in self._components().items()}

    def _compute(self, r: np.ndarray, state: object) -> np.ndarray:
        components = self._components()
        outputs = {kind: t._compute(r, state[kind]) for kind, t in components.items()}
        columns = []
        for m in self._output_suffixes():
            kind, column = MEASURES[m]
            columns.append(
                np.asarray(outputs[kind], dtype=float).reshape(r.shape[0], -1)[:, column]
            )
        return np.column_stack(columns)


def _is_measures_frame(frame: pd.DataFrame) -> bool:
    """Whether every column is ``"<asset>__<measure>"`` with a known measure."""
    return frame.shape[1] > 0 and all(
        SEP in str(c) and str(c).rsplit(SEP, 1)[1] in MEASURES for c in frame.columns
    )


def daily_measures(
    *sources: pd.DataFrame,
    measures: Sequence[str] = DEFAULT_MEASURES,
    fit_until=None,
    jump_threshold: float = 4.0,
) -> pd.DataFrame:
    """One daily-measures frame from intraday panels and daily-measures frames.

    Each source is either an intraday panel (columns ``"<asset>__<bin>"``, from
    :func:`skvol.data.intraday_panel`), turned into measures by :class:`DailyMeasures`, or
    a frame that already holds daily measures (columns ``"<asset>__<measure>"``, e.g. from
    :func:`skvol.data.read_daily_measures`), taken as it is. The results are joined on the
    union of their dates, sorted, NaN where an asset did not trade (BTC every day, EUR/USD
    and the S&P 500 on weekdays).

    No look-ahead: every measure of day t uses day t's returns only, except the intraday
    pattern that scales the jump test, which is learned from the rows dated up to
    ``fit_until``. Without ``fit_until`` no pattern is learned (a flat pattern, so no row
    sees later rows); inside a walk-forward Pipeline use :class:`DailyMeasures`, which
    learns it in ``fit`` from the training rows.

    Parameters
    ----------
    *sources : DataFrame
        Intraday panels and/or daily-measures frames, each with a sorted DatetimeIndex
        of session dates. An asset may appear in one source only.
    measures : sequence of str, default=all eight
        The measures computed from panels.
    fit_until : date-like or None, default=None
        Learn the jump test's intraday pattern from the panel rows dated up to this day.
    jump_threshold : float, default=4.0

    Returns
    -------
    DataFrame
        Sorted DatetimeIndex named ``"date"`` (the union of the sources' dates), columns
        ``"<asset>__<measure>"`` grouped by asset in the order of the sources.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skvol.features import daily_measures
    >>> btc = pd.DataFrame({"BTC__0001": [0.01, 0.02, -0.01], "BTC__0002": [0.0, 0.01, 0.02]},
    ...                    index=pd.date_range("2017-01-06", periods=3, name="date"))
    >>> spx = pd.DataFrame({"SPX__rv": [1e-4, 2e-4]},
    ...                    index=pd.DatetimeIndex(["2017-01-06", "2017-01-09"], name="date"))
    >>> frame = daily_measures(btc, spx, measures=("rv",))
    >>> [str(d.date()) for d in frame.index]
    ['2017-01-06', '2017-01-07', '2017-01-08', '2017-01-09']
    >>> frame.round(6).to_dict("list")
    {'BTC__rv': [0.0001, 0.0005, 0.0005, nan], 'SPX__rv': [0.0001, nan, nan, 0.0002]}
    """
    measures = _check_measures(measures, "daily_measures")
    if not sources:
        raise ValueError("daily_measures: give at least one panel or daily-measures frame")
    frames = []
    for k, source in enumerate(sources):
        where = f"daily_measures: source {k}"
        if not isinstance(source, pd.DataFrame):
            raise TypeError(f"{where} must be a pandas DataFrame, got {type(source).__name__}")
        if not isinstance(source.index, pd.DatetimeIndex):
            raise TypeError(f"{where} must have a DatetimeIndex of session dates")
        if not source.index.is_monotonic_increasing or source.index.has_duplicates:
            raise ValueError(f"{where}: its dates must be sorted and unique")
        if _is_measures_frame(source):
            frames.append(source.astype(float))
            continue
        transformer = DailyMeasures(
            measures=measures, jump_threshold=jump_threshold, periodicity=fit_until is not None
        ).set_output(transform="pandas")
        if fit_until is None:
            transformer.fit(source)
        else:
            rows = source.loc[: pd.Timestamp(fit_until)]
            if rows.empty:
                raise ValueError(f"{where}: no row dated up to fit_until={fit_until!r}")
            transformer.fit(rows)
        frames.append(transformer.transform(source))
    seen: dict[str, int] = {}
    for k, frame in enumerate(frames):
        for asset in dict.fromkeys(asset_of(str(c)) for c in frame.columns):
            if asset in seen:
                raise ValueError(
                    f"daily_measures: asset {asset!r} appears in sources {seen[asset]} and {k}"
                )
            seen[asset] = k
    out = pd.concat(frames, axis=1, join="outer", sort=True)
    out.index.name = "date"
    return out
