"""Trading sessions: when an asset trades, and which session date a timestamp belongs to.

A session dated ``D`` runs, in the session's local wall-clock time, from ``start`` to
``end``. When ``end`` is not after ``start`` (for example the ``"fx"`` session, 17:00 to
17:00 New York) the session is *overnight*: it starts on the calendar day before ``D``,
so a session is always dated by the day on which it ends. ``end`` may be ``"24:00"``.

A timestamp ``t`` belongs to the session whose interval ``(start, end]`` contains it
(half open: a bar stamped exactly at ``end`` closes the session; a bar stamped exactly at
``start`` does not trade in the session but its price is the session's *opening price*,
the reference for the session's first return). Session dates whose weekday is not in
``weekdays`` have no session; a timestamp in no session is outside all of them.

Local times follow the IANA time zone ``tz`` including daylight saving: the
``"us_equity"`` session is 09:30-16:00 New York time in winter and in summer.

A session may follow an exchange ``calendar`` (an ``exchange_calendars`` code such as
``"XNYS"``, the New York Stock Exchange, which ``"us_equity"`` uses): only the calendar's
sessions trade, so holidays have no session (their bars are outside all sessions), and on
an early close (13:00 New York before Independence Day, after Thanksgiving and before
Christmas) the session ends at the calendar's close, so the day is a full day with fewer
bins. Late opens are not modelled (the NYSE had none from 2000 to 2017). The library is
imported the first time a calendar is needed (it takes about a second), not with
``skvol.data``; calendars are built once per year range and cached. Clock
changes in the named sessions always fall outside trading (US clocks change at 02:00 on
Sundays). For a custom session whose interval contains a clock change, positions within
the session are wall-clock positions: the skipped hour has no observations and the
repeated hour maps onto the same wall-clock positions as the first pass.
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass, field
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

__all__ = ["SESSIONS", "Session", "get_session"]

NS_PER_SECOND = 1_000_000_000
NS_PER_MINUTE = 60 * NS_PER_SECOND
NS_PER_HOUR = 60 * NS_PER_MINUTE
NS_PER_DAY = 24 * NS_PER_HOUR
ALL_WEEKDAYS = (0, 1, 2, 3, 4, 5, 6)
MONDAY_TO_FRIDAY = (0, 1, 2, 3, 4)
# 1970-01-01, day 0 of the int64 day codes, was a Thursday (weekday 3, Monday = 0).
_EPOCH_WEEKDAY = 3


def _parse_clock(value: object, name: str) -> int:
    """Return a wall-clock time ``"HH:MM"`` (or ``datetime.time``) in minutes after midnight."""
    if isinstance(value, _dt.time):
        if value.second or value.microsecond or value.tzinfo is not None:
            raise ValueError(
                f"Session {name}={value!r} must be a whole minute without time zone "
                "(give the zone in `tz`)"
            )
        return value.hour * 60 + value.minute
    if not isinstance(value, str):
        raise TypeError(f"Session {name} must be a 'HH:MM' string or datetime.time, got {value!r}")
    parts = value.split(":")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise ValueError(f"Session {name}={value!r} is not a 'HH:MM' wall-clock time")
    hours, minutes = int(parts[0]), int(parts[1])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes != 0):
        raise ValueError(f"Session {name}={value!r} is not a time between 00:00 and 24:00")
    return hours * 60 + minutes


@dataclass(frozen=True)
class Session:
    """A daily trading session in a local time zone.

    Parameters
    ----------
    start, end : str or datetime.time
        Local wall-clock start and end, ``"HH:MM"``; ``end`` may be ``"24:00"``. When
        ``end`` is not after ``start`` the session is overnight and starts on the day
        before its date (``Session("17:00", "17:00", ...)`` is 24 hours long).
    tz : str, default="UTC"
        IANA time zone of ``start`` and ``end`` (daylight saving aware).
    weekdays : tuple of int, default=(0, 1, 2, 3, 4, 5, 6)
        Weekdays (Monday = 0) of the session *dates* that have a session.
    calendar : str or None, default=None
        An ``exchange_calendars`` code (``"XNYS"``, ``"XLON"``, ...): a session date
        trades only if it is one of the calendar's sessions (and its weekday is in
        ``weekdays``), and it ends at the calendar's close when that is earlier than
        ``end`` (an early close). None: every date of ``weekdays`` trades, to ``end``.
        The code is checked the first time the calendar is used.

    Attributes
    ----------
    start_offset : pandas.Timedelta
        Start of the session relative to local midnight of its date (negative when
        overnight).
    length : pandas.Timedelta
        Wall-clock length of the session.

    Examples
    --------
    >>> from skvol.data import Session
    >>> s = Session("09:30", "16:00", "America/New_York", (0, 1, 2, 3, 4))
    >>> s.length
    Timedelta('0 days 06:30:00')
    >>> Session("17:00", "17:00", "America/New_York").start_offset
    Timedelta('-1 days +17:00:00')
    """

    start: str
    end: str
    tz: str = "UTC"
    weekdays: tuple[int, ...] = field(default=ALL_WEEKDAYS)
    calendar: str | None = None

    def __post_init__(self) -> None:
        start = _parse_clock(self.start, "start")
        end = _parse_clock(self.end, "end")
        if start == 24 * 60:
            raise ValueError("Session start='24:00' is not allowed; use '00:00'")
        if not isinstance(self.tz, str):
            raise TypeError(f"Session tz must be an IANA time-zone name, got {self.tz!r}")
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"Session tz={self.tz!r} is not a known IANA time zone") from exc
        try:
            weekdays = tuple(sorted({int(w) for w in self.weekdays}))
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"Session weekdays must be integers 0 (Monday) to 6, got {self.weekdays!r}"
            ) from exc
        if not weekdays or weekdays[0] < 0 or weekdays[-1] > 6:
            raise ValueError(
                f"Session weekdays must be a non-empty set of 0 (Monday) to 6, got {self.weekdays!r}"
            )
        if self.calendar is not None and (not isinstance(self.calendar, str) or not self.calendar):
            raise TypeError(
                f"Session calendar must be an exchange_calendars code such as 'XNYS' or None, "
                f"got {self.calendar!r}"
            )
        object.__setattr__(self, "start", f"{start // 60:02d}:{start % 60:02d}")
        object.__setattr__(self, "end", f"{end // 60:02d}:{end % 60:02d}")
        object.__setattr__(self, "weekdays", weekdays)

    @property
    def _start_minute(self) -> int:
        """Start relative to local midnight of the session date, in minutes (may be negative)."""
        start = _parse_clock(self.start, "start")
        return start - 24 * 60 if self._overnight else start

    @property
    def _overnight(self) -> bool:
        return _parse_clock(self.end, "end") <= _parse_clock(self.start, "start")

    @property
    def _length_minutes(self) -> int:
        return _parse_clock(self.end, "end") - self._start_minute

    @property
    def start_offset(self) -> pd.Timedelta:
        """Start relative to local midnight of the session date."""
        return pd.Timedelta(minutes=self._start_minute)

    @property
    def length(self) -> pd.Timedelta:
        """Wall-clock length of the session."""
        return pd.Timedelta(minutes=self._length_minutes)

    def bin_labels(self, step: pd.Timedelta) -> list[str]:
        """Labels ``"HHMM"`` of the bins of width ``step``: each bin's local END time.

        A bin ending at local midnight is labelled ``"2400"`` (it ends the calendar day
        before it), so labels never collide within a session of at most 24 hours.
        """
        n_bins = self.n_bins(step)
        step_min = int(step / pd.Timedelta(minutes=1))
        ends = (self._start_minute + step_min * np.arange(1, n_bins + 1)) % (24 * 60)
        ends[ends == 0] = 24 * 60
        return [f"{m // 60:02d}{m % 60:02d}" for m in ends]

    def n_bins(self, step: pd.Timedelta) -> int:
        """Number of bins of width ``step`` in the session; ``step`` must divide its length.

        ``step`` must be a whole number of minutes (bins are labelled ``"HHMM"``).
        """
        step = pd.Timedelta(step)
        if step <= pd.Timedelta(0) or step % pd.Timedelta(minutes=1) != pd.Timedelta(0):
            raise ValueError(f"freq={step} must be a positive whole number of minutes")
        if self.length % step != pd.Timedelta(0):
            raise ValueError(
                f"freq={step} does not divide the session length {self.length} "
                f"({self.start}-{self.end} {self.tz})"
            )
        return int(self.length // step)

    def locate(self, utc_ns: np.ndarray) -> SessionLocation:
        """Place UTC timestamps (int64 nanoseconds since the epoch) in sessions.

        Returns a :class:`SessionLocation`; see its attributes.
        """
        utc_ns = np.asarray(utc_ns, dtype=np.int64)
        wall = utc_ns + _utc_offsets_ns(utc_ns, self.tz)
        x = wall - self._start_minute * NS_PER_MINUTE
        day = (x - 1) // NS_PER_DAY
        offset = x - day * NS_PER_DAY
        open_day = x // NS_PER_DAY
        trading = np.zeros(7, dtype=bool)
        trading[list(self.weekdays)] = True
        in_session = (offset <= self._length_minutes * NS_PER_MINUTE) & trading[
            (day + _EPOCH_WEEKDAY) % 7
        ]
        is_open = (x % NS_PER_DAY == 0) & trading[(open_day + _EPOCH_WEEKDAY) % 7]
        if self.calendar is not None and utc_ns.size:
            lo, hi = int(min(day.min(), open_day.min())), int(max(day.max(), open_day.max()))
            days, ends = self._calendar_days(lo, hi)
            inside = np.flatnonzero(in_session)
            pos = np.searchsorted(days, day[inside])
            listed = pos < days.size
            listed[listed] = days[pos[listed]] == day[inside][listed]
            listed[listed] = offset[inside][listed] <= ends[pos[listed]]
            in_session[inside] = listed
            opens = np.flatnonzero(is_open)
            is_open[opens] = np.isin(open_day[opens], days)
        return SessionLocation(
            day=day, offset=offset, in_session=in_session, open_day=open_day, is_open=is_open
        )

    def _calendar_days(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """The calendar's session dates in ``[lo, hi]`` (int64 day codes) and each one's end.

        Ends are nanoseconds after the session start: ``length``, or less on an early close.
        """
        first = int(np.datetime64(lo, "D").astype("datetime64[Y]").astype(int)) + 1970
        last = int(np.datetime64(hi, "D").astype("datetime64[Y]").astype(int)) + 1970
        days, closes = _calendar_schedule(self.calendar, first, last)
        starts = days * NS_PER_DAY + self._start_minute * NS_PER_MINUTE
        ends = np.minimum(closes + _utc_offsets_ns(closes, self.tz) - starts, self.length.value)
        keep = (days >= lo) & (days <= hi)
        return days[keep], ends[keep]

    def session_ends(self, days: np.ndarray) -> np.ndarray:
        """When each session date ends, in nanoseconds after the session start.

        ``length`` for an ordinary day; less on a calendar's early close.

        Parameters
        ----------
        days : ndarray of int64
            Session dates (days since 1970-01-01) that trade.

        Returns
        -------
        ndarray of int64

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from skvol.data import get_session
        >>> days = np.array(["2017-11-22", "2017-11-24"], dtype="datetime64[D]").astype(np.int64)
        >>> [str(pd.Timedelta(int(e))) for e in get_session("us_equity").session_ends(days)]
        ['0 days 06:30:00', '0 days 03:30:00']
        """
        days = np.asarray(days, dtype=np.int64)
        ends = np.full(days.shape, self.length.value, dtype=np.int64)
        if self.calendar is None or days.size == 0:
            return ends
        listed, listed_ends = self._calendar_days(int(days.min()), int(days.max()))
        pos = np.searchsorted(listed, days)
        found = pos < listed.size
        found[found] = listed[pos[found]] == days[found]
        ends[found] = listed_ends[pos[found]]
        return ends


@dataclass(frozen=True)
class SessionLocation:
    """Where timestamps fall in a session (all arrays are aligned with the timestamps).

    Attributes
    ----------
    day : ndarray of int64
        Session date (days since 1970-01-01) of the interval ``(start, end]`` the
        timestamp falls in, meaningful where ``in_session``.
    offset : ndarray of int64
        Wall-clock nanoseconds after the session start, in ``(0, length]`` where
        ``in_session``.
    in_session : ndarray of bool
        True where the timestamp lies in a trading session's ``(start, end]``.
    open_day : ndarray of int64
        Session date whose start is exactly this timestamp, meaningful where ``is_open``.
    is_open : ndarray of bool
        True where the timestamp is exactly the start of a trading session (its price is
        that session's opening price).
    """

    day: np.ndarray
    offset: np.ndarray
    in_session: np.ndarray
    open_day: np.ndarray
    is_open: np.ndarray


@functools.lru_cache(maxsize=32)
def _calendar_schedule(code: str, first_year: int, last_year: int) -> tuple[np.ndarray, np.ndarray]:
    """Session dates (int64 day codes) and closes (UTC int64 ns) of an exchange calendar."""
    import exchange_calendars  # about a second to import: only when a calendar is used

    try:
        calendar = exchange_calendars.get_calendar(
            code, start=f"{first_year}-01-01", end=f"{last_year}-12-31"
        )
    except exchange_calendars.errors.InvalidCalendarName:
        raise ValueError(
            f"Session calendar={code!r} is not an exchange_calendars code (such as 'XNYS'; "
            "see exchange_calendars.get_calendar_names())"
        ) from None
    except (ValueError, exchange_calendars.errors.CalendarError) as exc:
        raise ValueError(
            f"Session calendar={code!r} cannot cover {first_year}-{last_year}: {exc}"
        ) from None
    days = pd.DatetimeIndex(calendar.sessions).as_unit("ns").asi8 // NS_PER_DAY
    closes = pd.DatetimeIndex(calendar.closes).as_unit("ns").asi8
    return days, closes


def _utc_offsets_ns(utc_ns: np.ndarray, tz: str) -> np.ndarray:
    """UTC offset of ``tz`` (local minus UTC, int64 ns) at each UTC instant.

    Vectorised and exact to the second: the offset is looked up on an hourly grid over
    the span of the data, each change is located to the second, and every timestamp
    takes the offset in force at its instant (one ``searchsorted``).
    """
    if tz == "UTC" or utc_ns.size == 0:
        return np.zeros(utc_ns.shape, dtype=np.int64)
    lo = int(utc_ns.min()) // NS_PER_HOUR * NS_PER_HOUR
    hi = int(utc_ns.max()) // NS_PER_HOUR * NS_PER_HOUR + NS_PER_HOUR
    hours = lo + NS_PER_HOUR * np.arange((hi - lo) // NS_PER_HOUR + 1, dtype=np.int64)
    hour_offsets = _offsets_at(hours, tz)
    changes = np.flatnonzero(np.diff(hour_offsets))
    instants = [hours[0]]
    values = [hour_offsets[0]]
    for i in changes:  # a handful per year of data: clock changes, not bars
        seconds = hours[i] + NS_PER_SECOND * np.arange(3601, dtype=np.int64)
        sec_offsets = _offsets_at(seconds, tz)
        first_new = int(np.flatnonzero(sec_offsets != sec_offsets[0])[0])
        instants.append(seconds[first_new])
        values.append(sec_offsets[first_new])
    position = np.searchsorted(np.asarray(instants), utc_ns, side="right") - 1
    return np.asarray(values, dtype=np.int64)[position]


def _offsets_at(utc_ns: np.ndarray, tz: str) -> np.ndarray:
    index = pd.DatetimeIndex(utc_ns.astype("datetime64[ns]"), tz="UTC")
    return index.tz_convert(tz).tz_localize(None).as_unit("ns").asi8 - utc_ns


SESSIONS = MappingProxyType(
    {
        "24h": Session("00:00", "24:00", "UTC", ALL_WEEKDAYS),
        "fx": Session("17:00", "17:00", "America/New_York", MONDAY_TO_FRIDAY),
        "us_equity": Session(
            "09:30", "16:00", "America/New_York", MONDAY_TO_FRIDAY, calendar="XNYS"
        ),
        # The same hours on every weekday, without an exchange calendar: the simulated
        # market's S&P 500 (which has no holidays), or data whose holidays were removed.
        "us_equity_weekdays": Session("09:30", "16:00", "America/New_York", MONDAY_TO_FRIDAY),
    }
)
"""The named sessions: ``"24h"`` (UTC calendar days, every day), ``"fx"`` (17:00 New
York roll, the session dated D runs from 17:00 on D-1 to 17:00 on D, Monday to Friday, so
Friday 17:00 to Sunday 17:00 has no session) and ``"us_equity"`` (09:30-16:00 New York on
the New York Stock Exchange's calendar ``"XNYS"``: its holidays have no session and its
early closes end at 13:00)."""


def get_session(session: str | Session) -> Session:
    """Return a :class:`Session` from its name (``"24h"``, ``"fx"``, ``"us_equity"``) or itself.

    Parameters
    ----------
    session : str or Session
        A named session or a ``Session`` object.

    Returns
    -------
    Session
        The session.

    Examples
    --------
    >>> from skvol.data import get_session
    >>> get_session("us_equity").tz
    'America/New_York'
    """
    if isinstance(session, Session):
        return session
    if isinstance(session, str):
        try:
            return SESSIONS[session]
        except KeyError:
            raise ValueError(
                f"session={session!r} is not a named session; use one of "
                f"{sorted(SESSIONS)} or a Session(start, end, tz, weekdays)"
            ) from None
    raise TypeError(f"session must be a name or a Session, got {type(session).__name__}")
