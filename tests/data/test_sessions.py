"""Trading sessions: named sessions, validation, bin labels and timestamp placement."""

from __future__ import annotations

import datetime as dt
import functools
import subprocess
import sys
from zoneinfo import ZoneInfo

import exchange_calendars
import numpy as np
import pandas as pd
import pytest

from skvol.data import SESSIONS, Session, get_session
from skvol.data._sessions import _utc_offsets_ns

UTC = dt.timezone.utc


@functools.cache
def exchange_schedule(code: str) -> dict[dt.date, pd.Timestamp]:
    """The calendar's own sessions (2000-2018) and their UTC closes, by date."""
    calendar = exchange_calendars.get_calendar(code, start="2000-01-01", end="2018-12-31")
    return {day.date(): close for day, close in calendar.schedule["close"].items()}


def reference_end(session: Session, day: dt.date, start: dt.datetime, end: dt.datetime):
    """The local end of the session dated ``day`` (``end``, or the calendar's earlier close),
    or None when the date does not trade (weekday or calendar holiday)."""
    if day.weekday() not in session.weekdays:
        return None
    if session.calendar is None:
        return end
    close = exchange_schedule(session.calendar).get(day)
    if close is None:
        return None
    return min(end, close.tz_convert(session.tz).tz_localize(None).to_pydatetime())


def reference_length(session: Session, day: dt.date) -> dt.timedelta:
    """Wall-clock length of the trading session dated ``day`` (shorter on an early close)."""
    midnight = dt.datetime.combine(day, dt.time())
    start_h, start_m = map(int, session.start.split(":"))
    end_h, end_m = map(int, session.end.split(":"))
    start = midnight + dt.timedelta(hours=start_h, minutes=start_m)
    end = midnight + dt.timedelta(hours=end_h, minutes=end_m)
    if end <= start:
        start -= dt.timedelta(days=1)
    return reference_end(session, day, start, end) - start


def reference_locate(session: Session, stamp: dt.datetime):
    """Straightforward placement with datetime/zoneinfo (and the exchange calendar's own
    sessions and closes): (session date or None, offset, opening date or None)."""
    zone = ZoneInfo(session.tz)
    wall = stamp.astimezone(zone).replace(tzinfo=None)
    start_h, start_m = map(int, session.start.split(":"))
    end_h, end_m = map(int, session.end.split(":"))
    found, offset, opening = None, None, None
    for day in (
        wall.date() - dt.timedelta(days=1),
        wall.date(),
        wall.date() + dt.timedelta(days=1),
    ):
        midnight = dt.datetime.combine(day, dt.time())
        end = midnight + dt.timedelta(hours=end_h, minutes=end_m)
        start = midnight + dt.timedelta(hours=start_h, minutes=start_m)
        if end <= start:
            start -= dt.timedelta(days=1)
        end = reference_end(session, day, start, end)
        if end is None:
            continue
        if start < wall <= end:
            found, offset = day, wall - start
        if wall == start:
            opening = day
    return found, offset, opening


def test_named_sessions():
    assert get_session("24h") == Session("00:00", "24:00", "UTC", range(7))
    fx = get_session("fx")
    assert (fx.start, fx.end, fx.tz, fx.weekdays) == (
        "17:00",
        "17:00",
        "America/New_York",
        (0, 1, 2, 3, 4),
    )
    assert fx.length == pd.Timedelta(hours=24)
    assert fx.start_offset == pd.Timedelta(hours=-7)
    equity = get_session("us_equity")
    assert equity.length == pd.Timedelta(hours=6, minutes=30)
    assert equity.start_offset == pd.Timedelta(hours=9, minutes=30)
    assert get_session(equity) is equity
    assert set(SESSIONS) == {"24h", "fx", "us_equity", "us_equity_weekdays"}
    weekdays = get_session("us_equity_weekdays")
    assert weekdays.calendar is None and equity.calendar == "XNYS"
    assert (weekdays.start_offset, weekdays.length) == (equity.start_offset, equity.length)


def test_session_normalises_and_validates():
    s = Session(dt.time(9, 30), "16:00", "America/New_York", [4, 0, 2, 2])
    assert (s.start, s.weekdays) == ("09:30", (0, 2, 4))
    with pytest.raises(ValueError, match="start='9:30' is not a 'HH:MM'"):
        Session("9:30", "16:00")
    with pytest.raises(ValueError, match="end='24:30' is not a time between"):
        Session("09:30", "24:30")
    with pytest.raises(ValueError, match="start='24:00' is not allowed"):
        Session("24:00", "10:00")
    with pytest.raises(ValueError, match="tz='Mars/Olympus' is not a known IANA"):
        Session("09:30", "16:00", "Mars/Olympus")
    with pytest.raises(ValueError, match="weekdays must be a non-empty set of 0"):
        Session("09:30", "16:00", "UTC", (7,))
    with pytest.raises(TypeError, match="weekdays must be integers"):
        Session("09:30", "16:00", "UTC", ("monday",))
    with pytest.raises(ValueError, match="'lse' is not a named session"):
        get_session("lse")
    with pytest.raises(TypeError, match="session must be a name or a Session"):
        get_session(3)


def test_bin_labels_mark_local_bin_ends_with_2400_for_midnight():
    five = pd.Timedelta("5min")
    labels = get_session("24h").bin_labels(five)
    assert len(labels) == 288 and labels[:2] == ["0005", "0010"] and labels[-1] == "2400"
    fx = get_session("fx").bin_labels(pd.Timedelta("60min"))
    assert fx[:2] == ["1800", "1900"] and fx[6] == "2400" and fx[7] == "0100"
    assert fx[-1] == "1700" and len(set(fx)) == 24
    equity = get_session("us_equity").bin_labels(five)
    assert len(equity) == 78 and equity[0] == "0935" and equity[-1] == "1600"
    with pytest.raises(ValueError, match="does not divide the session length"):
        get_session("us_equity").n_bins(pd.Timedelta("7min"))
    with pytest.raises(ValueError, match="whole number of minutes"):
        get_session("24h").n_bins(pd.Timedelta("30s"))


@pytest.mark.parametrize(
    "session",
    [
        get_session("24h"),
        get_session("fx"),
        get_session("us_equity"),
        Session("08:00", "16:30", "Europe/London", (0, 1, 2, 3, 4)),
        Session("22:00", "06:00", "Australia/Sydney", (1, 2, 3, 4, 5)),
    ],
    ids=["24h", "fx", "us_equity", "london", "sydney_overnight"],
)
def test_locate_matches_a_datetime_reference_across_clock_changes(session):
    rng = np.random.default_rng(0)
    # Around the 2017 US, UK and Australian clock changes and US holidays and early closes
    # (3-4 July, 23-24 November, 24-25 December), plus exact session edges.
    spans = [
        ("2017-03-08", "2017-03-30"),
        ("2017-09-28", "2017-11-08"),
        ("2017-06-29", "2017-07-07"),
        ("2017-11-20", "2017-11-28"),
        ("2017-12-21", "2017-12-28"),
    ]
    stamps = np.concatenate(
        [
            pd.Timestamp(a, tz="UTC").value
            + 60_000_000_000
            * rng.integers(0, (pd.Timestamp(b) - pd.Timestamp(a)) // pd.Timedelta("1min"), 1500)
            for a, b in spans
        ]
    )
    edges = [
        pd.Timestamp(f"2017-03-{d} {t}", tz=session.tz).tz_convert("UTC").value
        for d in range(10, 16)
        for t in (session.start, session.end if session.end != "24:00" else "00:00")
    ] + [
        pd.Timestamp(f"2017-{day} {t}", tz="America/New_York").tz_convert("UTC").value
        for day in ("07-03", "07-04", "11-24", "12-25")
        for t in ("09:30", "12:59", "13:00", "13:01", "16:00")
    ]
    stamps = np.sort(np.concatenate([stamps, edges]))
    where = session.locate(stamps)
    for i, ns in enumerate(stamps):
        day, offset, opening = reference_locate(
            session, dt.datetime.fromtimestamp(ns / 1e9, tz=UTC)
        )
        assert where.in_session[i] == (day is not None)
        if day is not None:
            assert where.day[i] == (day - dt.date(1970, 1, 1)).days
            assert where.offset[i] == offset // dt.timedelta(microseconds=1) * 1000
        assert where.is_open[i] == (opening is not None)
        if opening is not None:
            assert where.open_day[i] == (opening - dt.date(1970, 1, 1)).days


def test_utc_offsets_match_pandas_at_every_second_near_a_change():
    change = pd.Timestamp("2017-11-05 06:00", tz="UTC").value  # 02:00 EDT -> 01:00 EST
    stamps = change + 1_000_000_000 * np.arange(-7200, 7200, 7)
    stamps = np.concatenate([stamps, [pd.Timestamp("2016-07-01", tz="UTC").value]])
    stamps.sort()
    expected = (
        pd.DatetimeIndex(stamps.astype("datetime64[ns]"), tz="UTC")
        .tz_convert("America/New_York")
        .tz_localize(None)
        .as_unit("ns")
        .asi8
        - stamps
    )
    np.testing.assert_array_equal(_utc_offsets_ns(stamps, "America/New_York"), expected)


def test_us_equity_follows_the_nyse_calendar():
    equity = get_session("us_equity")
    assert equity.calendar == "XNYS"
    new_york = [
        "2017-07-03 13:00",  # early close (the day before Independence Day): last bar
        "2017-07-03 13:01",  # after the early close: outside
        "2017-07-04 10:00",  # Independence Day: no session
        "2017-07-05 10:00",
        "2017-11-24 13:00",  # the day after Thanksgiving closes at 13:00
        "2017-04-14 09:30",  # Good Friday: not the opening of a session
    ]
    stamps = pd.DatetimeIndex(new_york).tz_localize("America/New_York").as_unit("ns")
    where = equity.locate(stamps.asi8)
    assert where.in_session.tolist() == [True, False, False, True, True, False]
    assert not where.is_open.any()
    weekdays_only = Session("09:30", "16:00", "America/New_York", (0, 1, 2, 3, 4))
    assert weekdays_only.locate(stamps.asi8).in_session.tolist() == [True] * 5 + [False]
    days = np.array(["2017-07-03", "2017-07-05", "2017-11-24"], dtype="datetime64[D]")
    ends = equity.session_ends(days.astype(np.int64))
    assert [pd.Timedelta(int(e)) for e in ends] == [
        pd.Timedelta("3h30min"),
        pd.Timedelta("6h30min"),
        pd.Timedelta("3h30min"),
    ]
    np.testing.assert_array_equal(
        weekdays_only.session_ends(days.astype(np.int64)), [equity.length.value] * 3
    )


def test_calendar_is_checked_and_imported_lazily():
    with pytest.raises(TypeError, match="calendar must be an exchange_calendars code"):
        Session("09:30", "16:00", "America/New_York", calendar=42)
    mars = Session("09:30", "16:00", "America/New_York", calendar="MARS")
    with pytest.raises(ValueError, match="calendar='MARS' is not an exchange_calendars code"):
        mars.locate(np.array([pd.Timestamp("2017-01-03 15:00", tz="UTC").value]))
    code = (
        "import sys, skvol.data; "
        "assert 'exchange_calendars' not in sys.modules, 'imported with skvol.data'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
