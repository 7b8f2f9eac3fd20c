"""The intraday panel: minute bars to one row per session date of intraday log returns."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from skvol._columns import SEP
from skvol.data._sessions import NS_PER_DAY, Session, get_session

__all__ = ["intraday_panel"]

logger = logging.getLogger(__name__)


class _SharedReport(dict):
    """A read-only dict for ``panel.attrs``.

    pandas deep-copies ``attrs`` into the result of every operation; a report that copies
    as itself keeps that at a few microseconds instead of a millisecond per operation.
    """

    def __deepcopy__(self, memo: dict) -> _SharedReport:
        return self

    def __copy__(self) -> _SharedReport:
        return self

    def __reduce__(self):
        return (type(self), (dict(self),))

    def _read_only(self, *args, **kwargs):
        raise TypeError("the panel report is read-only")

    __setitem__ = __delitem__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only


def intraday_panel(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame],
    freq: str | pd.Timedelta = "5min",
    session: str | Session | Mapping[str, str | Session] = "24h",
    asset: str | None = None,
    how: str = "inner",
    min_coverage: float = 0.8,
) -> pd.DataFrame:
    """Turn intraday bars into one row per session date of intraday log returns.

    For each asset and session date the session is cut into bins of width ``freq``
    (wall-clock, session-local); bin ``k`` covers ``(start + k*freq, start + (k+1)*freq]``,
    so a bar stamped exactly on a bin edge belongs to the bin it ends. The bin's value is
    the log return of the last close in the bin over the last close before it in the same
    session (the last observed bin before it, or the session's opening price for the
    first observed bin), NaN where the bin has no observation. The opening price is the
    close stamped exactly at the session start when there is one, else the session's first
    observed close. No return spans two sessions, and each row's ``nansum`` telescopes to
    ``log(last close / opening price)`` of that session.

    Parameters
    ----------
    bars : DataFrame or dict of str to DataFrame
        Bars as returned by :func:`skvol.data.read_bars`: a tz-aware, strictly increasing
        ``DatetimeIndex`` marking each bar's END and a positive finite ``close`` column.
        A dict maps asset names to frames.
    freq : str or pandas.Timedelta, default="5min"
        Bin width, a whole number of minutes dividing each session's length.
    session : str, Session or dict, default="24h"
        ``"24h"``, ``"fx"``, ``"us_equity"``, a :class:`Session`, or a dict giving each
        asset its own session.
    asset : str or None, default=None
        Name of the asset when ``bars`` is one frame; None gives unprefixed columns
        (one unnamed asset). Must be None when ``bars`` is a dict.
    how : {"inner", "outer"}, default="inner"
        ``"inner"`` keeps the session dates every asset has; ``"outer"`` keeps all of them
        (NaN for an asset without that date).
    min_coverage : float in [0, 1], default=0.8
        A session date of an asset with a share of observed bins below this is dropped.
        The share counts the bins the session date has: on an exchange calendar's early
        close (``"us_equity"``: 13:00 New York) the bins up to the close, so a full early
        close day is a full day.

    Returns
    -------
    panel : DataFrame
        Index ``date`` (tz-naive midnight session dates, sorted), columns
        ``"<asset>__<HHMM>"`` where ``HHMM`` is the bin's END in session-local time
        (``"2400"`` for a bin ending at midnight), float64. ``panel.attrs`` reports what
        was left out:

        - ``"dropped_days"``: dict asset -> ``DatetimeIndex`` of session dates dropped for
          coverage below ``min_coverage`` (also logged as a warning);
        - ``"coverage"``: dict asset -> Series of the share of observed bins of every
          session date with data, kept or dropped;
        - ``"early_closes"``: dict asset -> ``DatetimeIndex`` of the session dates with
          data, kept or dropped, on which the session's exchange calendar closed early
          (their bins after the close are NaN and not expected; empty without a calendar);
        - ``"outside_session"``: dict asset -> number of bars that are in no trading
          session and are not the opening price of a session date with bars (logged as a
          warning when non-zero);
        - ``"unshared_days"``: dict asset -> ``DatetimeIndex`` of its kept dates that
          ``how="inner"`` removed because another asset lacks them;
        - ``"freq"`` and ``"sessions"`` (asset -> :class:`Session`).

        The per-asset dicts are read-only and shared (not copied) by the frames pandas
        derives from the panel, so carrying the report costs nothing per operation.

    Raises
    ------
    ValueError
        For a tz-naive, unsorted or duplicated index, a missing, non-finite or
        non-positive close, a ``freq`` that does not divide a session, or bad options.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skvol.data import intraday_panel
    >>> index = pd.date_range("2017-01-02 00:00", "2017-01-03 00:00", freq="1min",
    ...                       tz="UTC", name="timestamp")
    >>> close = 100 * np.exp(np.cumsum(np.full(len(index), 1e-4)))
    >>> bars = pd.DataFrame({"close": close}, index=index)
    >>> panel = intraday_panel(bars, freq="5min", asset="BTC")
    >>> panel.shape
    (1, 288)
    >>> panel.columns[[0, -1]].tolist()
    ['BTC__0005', 'BTC__2400']
    >>> round(float(panel.iloc[0].sum()), 10)
    0.144
    """
    if how not in ("inner", "outer"):
        raise ValueError(f"how={how!r} must be 'inner' or 'outer'")
    if isinstance(min_coverage, bool) or not isinstance(min_coverage, (int, float)):
        raise TypeError(f"min_coverage must be a number in [0, 1], got {min_coverage!r}")
    if not 0.0 <= float(min_coverage) <= 1.0:
        raise ValueError(f"min_coverage={min_coverage} must be in [0, 1]")
    try:
        step = pd.Timedelta(freq)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"freq={freq!r} is not a time span such as '5min'") from exc
    frames = _as_frames(bars, asset)
    sessions = _as_sessions(session, frames)

    blocks: dict[str | None, pd.DataFrame] = {}
    dropped: dict[str | None, pd.DatetimeIndex] = {}
    coverage: dict[str | None, pd.Series] = {}
    early: dict[str | None, pd.DatetimeIndex] = {}
    outside: dict[str | None, int] = {}
    for name, frame in frames.items():  # a handful of assets, not days or bars
        block, cov, n_outside, early_days = _asset_panel(
            name, frame, sessions[name], step, float(min_coverage)
        )
        blocks[name] = block
        coverage[name] = cov
        early[name] = early_days
        dropped[name] = cov.index[(cov < min_coverage).to_numpy()]
        outside[name] = n_outside
        label = name if name is not None else "bars"
        if len(dropped[name]):
            logger.warning(
                "intraday_panel: %s: dropped %d session date(s) with bin coverage below %.2f "
                "(see panel.attrs['dropped_days'])",
                label,
                len(dropped[name]),
                min_coverage,
            )
        if n_outside:
            logger.warning(
                "intraday_panel: %s: dropped %d bar(s) outside any %s session "
                "(see panel.attrs['outside_session'])",
                label,
                n_outside,
                _describe(sessions[name]),
            )

    index = None
    for block in blocks.values():
        if index is None:
            index = block.index
        elif how == "inner":
            index = index.intersection(block.index)
        else:
            index = index.union(block.index)
    index = pd.DatetimeIndex(index.sort_values().to_numpy(), name="date")  # no freq
    unshared = {name: block.index.difference(index) for name, block in blocks.items()}
    for name, days in unshared.items():
        if len(days):
            logger.info(
                "intraday_panel: how='inner' removed %d session date(s) of %s that other "
                "assets lack",
                len(days),
                name,
            )
    panel = pd.concat([block.reindex(index) for block in blocks.values()], axis=1)
    panel.index.name = "date"
    report = {
        "dropped_days": dropped,
        "coverage": coverage,
        "early_closes": early,
        "outside_session": outside,
        "unshared_days": unshared,
        "sessions": dict(sessions),
    }
    panel.attrs = {key: _SharedReport(value) for key, value in report.items()}
    panel.attrs["freq"] = step
    return panel


def _describe(session: Session) -> str:
    return f"{session.start}-{session.end} {session.tz}"


def _as_frames(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame], asset: str | None
) -> dict[str | None, pd.DataFrame]:
    if isinstance(bars, pd.DataFrame):
        if asset is not None and (not isinstance(asset, str) or not asset):
            raise ValueError(f"asset={asset!r} must be a non-empty string or None")
        return {asset: bars}
    if isinstance(bars, Mapping):
        if asset is not None:
            raise ValueError("asset must be None when bars is a dict {asset: frame}")
        if not bars:
            raise ValueError("bars is an empty dict; give at least one asset")
        for name, frame in bars.items():
            if not isinstance(name, str) or not name:
                raise ValueError(f"asset names must be non-empty strings, got {name!r}")
            if not isinstance(frame, pd.DataFrame):
                raise TypeError(
                    f"bars[{name!r}] must be a DataFrame of bars, got {type(frame).__name__}"
                )
        return dict(bars)
    raise TypeError(f"bars must be a DataFrame or a dict of DataFrames, got {type(bars).__name__}")


def _as_sessions(
    session: str | Session | Mapping[str, str | Session], frames: Mapping[str | None, object]
) -> dict[str | None, Session]:
    if isinstance(session, Mapping):
        missing = [name for name in frames if name not in session]
        if missing:
            raise ValueError(f"session dict has no entry for asset(s) {missing}")
        extra = sorted(set(session) - set(frames))
        if extra:
            raise ValueError(f"session dict names asset(s) {extra} that are not in bars")
        return {name: get_session(session[name]) for name in frames}
    resolved = get_session(session)
    return dict.fromkeys(frames, resolved)


def _validated_arrays(name: str | None, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    label = f"bars[{name!r}]" if name is not None else "bars"
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError(f"{label} must have a DatetimeIndex of bar END times (as read_bars gives)")
    if index.tz is None:
        raise ValueError(
            f"{label} has a tz-naive index; localize it (read_bars returns UTC) rather than "
            "let the panel guess the time zone"
        )
    if "close" not in frame.columns:
        raise ValueError(f"{label} has no 'close' column (columns: {list(frame.columns)})")
    if len(index) == 0:
        raise ValueError(f"{label} has no bars")
    ns = index.as_unit("ns").asi8
    steps = np.diff(ns)
    if steps.size and steps.min() <= 0:
        bad = int(np.flatnonzero(steps <= 0)[0]) + 1
        kind = "duplicated" if steps[bad - 1] == 0 else "out of order"
        raise ValueError(
            f"{label}: timestamp {index[bad]} at row {bad} is {kind}; the index must be "
            "strictly increasing"
        )
    close = frame["close"].to_numpy(dtype=np.float64, na_value=np.nan)
    bad_price = ~(np.isfinite(close) & (close > 0))
    if bad_price.any():
        first = int(np.flatnonzero(bad_price)[0])
        raise ValueError(
            f"{label}: close={close[first]} at {index[first]} (row {first}) is not a positive "
            "finite price"
        )
    return ns, close


def _asset_panel(
    name: str | None, frame: pd.DataFrame, session: Session, step: pd.Timedelta, min_coverage: float
) -> tuple[pd.DataFrame, pd.Series, int, pd.DatetimeIndex]:
    """One asset's block of the panel, its per-date coverage, its count of unused bars and
    its early-close dates."""
    n_bins = session.n_bins(step)
    labels = session.bin_labels(step)
    columns = [f"{name}{SEP}{lab}" if name is not None else lab for lab in labels]
    ns, close = _validated_arrays(name, frame)
    where = session.locate(ns)

    in_bin = where.in_session
    day = where.day[in_bin]
    key = day * n_bins + (where.offset[in_bin] - 1) // step.value
    price = close[in_bin]
    if key.size > 1 and np.any(key[1:] < key[:-1]):
        # Only when a clock change repeats wall-clock time inside a custom session.
        order = np.argsort(key, kind="stable")
        key, price, day = key[order], price[order], day[order]

    n = key.size
    last = np.ones(n, dtype=bool)
    last[:-1] = key[1:] != key[:-1]
    first_of_day = np.ones(n, dtype=bool)
    first_of_day[1:] = day[1:] != day[:-1]
    days = day[first_of_day]
    open_price = price[first_of_day].copy()
    # A close stamped exactly at a session start is that session's opening price.
    open_days = where.open_day[where.is_open]
    pos = np.searchsorted(days, open_days)
    has_day = pos < days.size
    has_day[has_day] = days[pos[has_day]] == open_days[has_day]
    open_price[pos[has_day]] = close[where.is_open][has_day]
    used_open = np.zeros(ns.size, dtype=bool)
    used_open[np.flatnonzero(where.is_open)[has_day]] = True
    n_outside = int(np.count_nonzero(~in_bin & ~used_open))

    bin_key = key[last]
    bin_last = price[last]
    bin_day = bin_key // n_bins
    row = np.searchsorted(days, bin_day)
    previous = np.empty_like(bin_last)
    previous[1:] = bin_last[:-1]
    new_day = np.ones(bin_key.size, dtype=bool)
    new_day[1:] = bin_day[1:] != bin_day[:-1]
    previous[new_day] = open_price[row[new_day]]

    values = np.full((days.size, n_bins), np.nan)
    values[row, bin_key % n_bins] = np.log(bin_last / previous)
    ends = session.session_ends(days)
    expected = -(-ends // step.value)  # bins that start before the day's close
    observed = np.bincount(row, minlength=days.size) / expected
    dates = pd.DatetimeIndex((days * NS_PER_DAY).astype("datetime64[ns]"), name="date")
    coverage = pd.Series(observed, index=dates, name="coverage")
    keep = observed >= min_coverage
    block = pd.DataFrame(values[keep], index=dates[keep], columns=columns)
    return block, coverage, n_outside, dates[ends < session.length.value]
