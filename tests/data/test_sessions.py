"""Trading sessions: named sessions, validation, bin labels and timestamp placement."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from skvol.data import SESSIONS, Session, get_session
from skvol.data._sessions import _utc_offsets_ns

UTC = dt.timezone.utc


def reference_locate(session: Session, stamp: dt.datetime):
    """Straightforward placement with datetime/zoneinfo: (session date or None, offset,
    opening date or None)."""
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
        if day.weekday() not in session.weekdays:
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
    assert set(SESSIONS) == {"24h", "fx", "us_equity"}


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
    # Around the 2017 US, UK and Australian clock changes, plus exact session edges.
    spans = [("2017-03-08", "2017-03-30"), ("2017-09-28", "2017-11-08")]
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
