"""The intraday panel against a straightforward reference loop and on real data."""

from __future__ import annotations

import datetime as dt
import logging
import math
import pickle

import numpy as np
import pandas as pd
import pytest
from test_sessions import reference_length, reference_locate

from skvol.data import Session, get_session, intraday_panel, read_bars

NEW_YORK_DAY = Session("00:00", "24:00", "America/New_York")


def make_bars(stamps, closes) -> pd.DataFrame:
    index = pd.DatetimeIndex(pd.to_datetime(stamps, utc=True), name="timestamp")
    closes = np.asarray(closes, dtype=np.float64)
    frame = pd.DataFrame(
        {"open": closes, "high": closes, "low": closes, "close": closes}, index=index
    )
    return frame.sort_index()


def reference_panel(bars, session, freq_minutes, min_coverage, name=None):
    """One bar at a time: place it with datetime/zoneinfo, keep the last close per bin,
    then chain each day's bins from its opening price."""
    session = get_session(session)
    n_bins = int(session.length / pd.Timedelta(minutes=freq_minutes))
    step = dt.timedelta(minutes=freq_minutes)
    days, opens = {}, {}
    for stamp, price in bars["close"].items():
        day, offset, opening = reference_locate(session, stamp.to_pydatetime())
        if opening is not None:
            opens[opening] = price
        if day is not None:
            record = days.setdefault(day, {"first": price, "bins": {}})
            record["bins"][math.ceil(offset / step) - 1] = price
    labels = session.bin_labels(pd.Timedelta(minutes=freq_minutes))
    columns = [f"{name}__{lab}" if name else lab for lab in labels]
    rows, dropped = {}, []
    for day in sorted(days):
        record = days[day]
        previous = opens.get(day, record["first"])
        values = [np.nan] * n_bins
        for k in sorted(record["bins"]):
            values[k] = math.log(record["bins"][k] / previous)
            previous = record["bins"][k]
        n_expected = math.ceil(reference_length(session, day) / step)
        if len(record["bins"]) / n_expected < min_coverage:
            dropped.append(pd.Timestamp(day))
        else:
            rows[pd.Timestamp(day)] = values
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns, dtype=np.float64)
    frame.index = pd.DatetimeIndex(frame.index, name="date").as_unit("ns")
    return frame, pd.DatetimeIndex(dropped, name="date").as_unit("ns")


def random_bars(session_name, start, end, n, seed, extra=()):
    """Random minute stamps (some inside sessions, some outside, on edges) with prices."""
    rng = np.random.default_rng(seed)
    minutes = (pd.Timestamp(end) - pd.Timestamp(start)) // pd.Timedelta("1min")
    picks = rng.choice(minutes, size=n, replace=False)
    stamps = pd.Timestamp(start, tz="UTC") + pd.to_timedelta(np.sort(picks), unit="min")
    stamps = stamps.union(pd.DatetimeIndex(list(extra), tz="UTC"))
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, len(stamps))))
    return make_bars(stamps, closes)


@pytest.mark.parametrize(
    ("session", "start", "end", "freq"),
    [
        ("us_equity", "2017-03-06", "2017-03-17", 5),  # US clocks change on 2017-03-12
        ("us_equity", "2017-10-30", "2017-11-10", 15),  # and on 2017-11-05
        # NYSE holidays (4 July, 23 November) and early closes (3 July, 24 November)
        ("us_equity", "2017-06-28", "2017-07-08", 5),
        ("us_equity", "2017-11-20", "2017-11-29", 65),  # early close: 3.2 bins
        ("fx", "2017-03-08", "2017-03-16", 30),
        ("fx", "2017-11-01", "2017-11-09", 60),
        ("24h", "2016-12-29", "2017-01-04", 5),
        # Custom sessions that contain a clock change: skipped and repeated wall-clock hours.
        (NEW_YORK_DAY, "2017-03-10", "2017-03-15", 5),
        (NEW_YORK_DAY, "2017-11-03", "2017-11-08", 10),
    ],
    ids=[
        "equity-spring",
        "equity-autumn",
        "equity-july",
        "equity-thanksgiving",
        "fx-spring",
        "fx-autumn",
        "24h",
        "ny-spring",
        "ny-autumn",
    ],
)
def test_panel_matches_reference_loop(session, start, end, freq):
    tz = get_session(session).tz
    edges = [
        pd.Timestamp("2017-03-13 09:30", tz=tz),  # us_equity opening price
        pd.Timestamp("2017-03-13 16:00", tz=tz),  # us_equity last bin
        pd.Timestamp("2017-03-13 16:01", tz=tz),  # after the close: outside
        pd.Timestamp("2017-03-12 17:00", tz=tz),  # fx: Monday's opening (Sunday 17:00)
        pd.Timestamp("2017-03-10 17:00", tz=tz),  # fx: Friday's last bin
        pd.Timestamp("2017-03-11 12:00", tz=tz),  # weekend
        pd.Timestamp("2017-01-01 00:00", tz=tz),  # 24h: a day's end and the next one's opening
        pd.Timestamp("2017-07-03 13:00", tz=tz),  # us_equity early close: the last bar
        pd.Timestamp("2017-07-03 13:01", tz=tz),  # after it: outside
        pd.Timestamp("2017-07-04 09:30", tz=tz),  # a holiday: not an opening price
        pd.Timestamp("2017-11-24 13:00", tz=tz),
    ]
    bars = random_bars(session, start, end, 4000, seed=freq, extra=edges)
    panel = intraday_panel(bars, freq=f"{freq}min", session=session, asset="X", min_coverage=0.3)
    expected, dropped = reference_panel(bars, session, freq, 0.3, name="X")
    assert len(expected) > 3
    pd.testing.assert_frame_equal(panel, expected, rtol=0, atol=1e-15)
    pd.testing.assert_index_equal(panel.attrs["dropped_days"]["X"], dropped)
    # Outside: in no session bin, and not the opening price of a date with bars in bins.
    where = [reference_locate(get_session(session), t.to_pydatetime()) for t in bars.index]
    dates_with_bins = {day for day, _, _ in where if day is not None}
    n_outside = sum(day is None and opening not in dates_with_bins for day, _, opening in where)
    if len(get_session(session).weekdays) < 7:  # else every instant is in some session
        assert n_outside > 0
    assert panel.attrs["outside_session"]["X"] == n_outside


def test_hand_computed_us_equity_day_across_dst():
    # Winter (EST, UTC-5) and summer (EDT, UTC-4) days: the same local bins.
    rows = []
    for day, utc_open in (("2017-03-10", "14:30"), ("2017-03-13", "13:30")):
        base = pd.Timestamp(f"{day} {utc_open}", tz="UTC")
        rows += [
            (base, 100.0),  # 09:30: the opening price, in no bin
            (base + pd.Timedelta("3min"), 101.0),  # bin 0935
            (base + pd.Timedelta("5min"), 102.0),  # 09:35 is the END of bin 0935
            (base + pd.Timedelta("17min"), 99.0),  # bin 0950 (0940 and 0945 empty)
            (base + pd.Timedelta("390min"), 98.0),  # 16:00: the last bin
            (base + pd.Timedelta("391min"), 500.0),  # 16:01: outside
        ]
    rows.append((pd.Timestamp("2017-03-11 15:00", tz="UTC"), 7.0))  # Saturday: outside
    bars = make_bars([r[0] for r in rows], [r[1] for r in rows])
    panel = intraday_panel(bars, freq="5min", session="us_equity", asset="SPX", min_coverage=0)
    assert panel.index.tolist() == [pd.Timestamp("2017-03-10"), pd.Timestamp("2017-03-13")]
    for _, row in panel.iterrows():
        assert row["SPX__0935"] == pytest.approx(math.log(102 / 100), abs=1e-15)
        assert row["SPX__0950"] == pytest.approx(math.log(99 / 102), abs=1e-15)
        assert row["SPX__1600"] == pytest.approx(math.log(98 / 99), abs=1e-15)
        assert row.notna().sum() == 3
        assert row.sum() == pytest.approx(math.log(98 / 100), abs=1e-15)
    assert panel.attrs["outside_session"] == {"SPX": 3}
    assert panel.attrs["coverage"]["SPX"].tolist() == [3 / 78, 3 / 78]


def test_24h_midnight_ends_one_day_and_opens_the_next():
    stamps = ["2017-01-01 23:55", "2017-01-02 00:00", "2017-01-02 00:03", "2017-01-02 23:58"]
    bars = make_bars(stamps, [10.0, 11.0, 12.0, 13.0])
    panel = intraday_panel(bars, freq="5min", asset="BTC", how="outer", min_coverage=0)
    first, second = panel.loc["2017-01-01"], panel.loc["2017-01-02"]
    assert first.notna().sum() == 2 and first["BTC__2400"] == pytest.approx(math.log(11 / 10))
    assert second["BTC__0005"] == pytest.approx(math.log(12 / 11))
    assert second["BTC__2400"] == pytest.approx(math.log(13 / 12))
    assert panel.attrs["outside_session"] == {"BTC": 0}


def test_first_return_starts_from_first_observed_price_without_an_opening_bar():
    bars = make_bars(["2017-01-02 00:07", "2017-01-02 00:09", "2017-01-02 00:12"], [10, 11, 12.0])
    panel = intraday_panel(bars, freq="5min", asset="A", min_coverage=0)
    assert panel.loc["2017-01-02", "A__0010"] == pytest.approx(math.log(11 / 10))
    assert panel.loc["2017-01-02", "A__0015"] == pytest.approx(math.log(12 / 11))


def test_coverage_drops_and_reports_days(caplog):
    full = pd.date_range("2017-01-02 00:05", "2017-01-03 00:00", freq="5min", tz="UTC")
    thin = pd.date_range("2017-01-03 00:05", "2017-01-03 12:00", freq="5min", tz="UTC")
    bars = make_bars(full.append(thin), np.linspace(100, 120, len(full) + len(thin)))
    with caplog.at_level(logging.WARNING, logger="skvol.data._panel"):
        panel = intraday_panel(bars, asset="BTC", min_coverage=0.8)
    assert panel.index.tolist() == [pd.Timestamp("2017-01-02")]
    assert panel.attrs["dropped_days"]["BTC"].tolist() == [pd.Timestamp("2017-01-03")]
    assert panel.attrs["coverage"]["BTC"].tolist() == [1.0, 144 / 288]
    assert "BTC: dropped 1 session date(s) with bin coverage below 0.80" in caplog.text
    kept = intraday_panel(bars, asset="BTC", min_coverage=0.5)
    assert len(kept) == 2 and kept.attrs["dropped_days"]["BTC"].empty


def test_outside_bars_are_reported(caplog):
    bars = make_bars(["2017-03-13 13:31", "2017-03-13 20:01", "2017-03-18 15:00"], [1, 2, 3.0])
    with caplog.at_level(logging.WARNING, logger="skvol.data._panel"):
        panel = intraday_panel(bars, session="us_equity", asset="S", min_coverage=0)
    assert len(panel) == 1 and panel.attrs["outside_session"] == {"S": 2}
    assert "S: dropped 2 bar(s) outside any 09:30-16:00 America/New_York session" in caplog.text


def test_assets_with_own_sessions_inner_and_outer():
    btc = make_bars(
        pd.date_range("2017-03-10 00:01", "2017-03-14 00:00", freq="1min", tz="UTC"),
        np.linspace(1000, 1100, 4 * 1440),
    )
    spx = make_bars(
        pd.date_range("2017-03-13 13:30", "2017-03-13 20:00", freq="1min", tz="UTC"),
        np.linspace(2300, 2310, 391),
    )
    sessions = {"BTC": "24h", "SPX": "us_equity"}
    inner = intraday_panel({"BTC": btc, "SPX": spx}, freq="5min", session=sessions)
    assert inner.index.tolist() == [pd.Timestamp("2017-03-13")]
    assert inner.shape == (1, 288 + 78)
    assert inner.columns[287] == "BTC__2400" and inner.columns[288] == "SPX__0935"
    assert len(inner.attrs["unshared_days"]["BTC"]) == 3
    outer = intraday_panel({"BTC": btc, "SPX": spx}, freq="5min", session=sessions, how="outer")
    assert len(outer) == 4 and outer.filter(like="SPX__").notna().any(axis=1).sum() == 1
    alone = intraday_panel(btc, freq="5min", asset="BTC")
    pd.testing.assert_frame_equal(outer.filter(like="BTC__"), alone)


def test_unnamed_asset_and_custom_session():
    session = Session("08:00", "16:30", "Europe/London", (0, 1, 2, 3, 4))
    stamps = pd.date_range("2017-03-27 07:00", "2017-03-27 15:30", freq="1min", tz="UTC")
    bars = make_bars(stamps, np.linspace(1, 2, len(stamps)))
    panel = intraday_panel(bars, freq="30min", session=session)
    assert panel.columns[0] == "0830" and panel.columns[-1] == "1630" and panel.shape == (1, 17)
    assert panel.iloc[0].sum() == pytest.approx(math.log(2.0), abs=1e-12)


def test_bad_input_errors():
    good = make_bars(["2017-01-02 00:05", "2017-01-02 00:10"], [1.0, 2.0])
    naive = good.tz_localize(None)
    with pytest.raises(ValueError, match=r"bars\['A'\] has a tz-naive index"):
        intraday_panel({"A": naive})
    backwards = good.iloc[::-1]
    with pytest.raises(ValueError, match="2017-01-02 00:05:00.* at row 1 is out of order"):
        intraday_panel(backwards, asset="A")
    duplicated = pd.concat([good, good.iloc[[1]]])
    with pytest.raises(ValueError, match="at row 2 is duplicated"):
        intraday_panel(duplicated, asset="A")
    bad = good.copy()
    bad.iloc[1, bad.columns.get_loc("close")] = -1.0
    with pytest.raises(ValueError, match=r"close=-1.0 at 2017-01-02 00:10:00\+00:00 \(row 1\)"):
        intraday_panel(bad, asset="A")
    with pytest.raises(ValueError, match="has no 'close' column"):
        intraday_panel(good.drop(columns="close"), asset="A")
    with pytest.raises(ValueError, match="freq=0 days 00:07:00 does not divide"):
        intraday_panel(good, freq="7min", asset="A")
    with pytest.raises(ValueError, match="freq='often' is not a time span"):
        intraday_panel(good, freq="often", asset="A")
    with pytest.raises(ValueError, match="how='left' must be 'inner' or 'outer'"):
        intraday_panel(good, how="left")
    with pytest.raises(ValueError, match=r"min_coverage=1.5 must be in \[0, 1\]"):
        intraday_panel(good, min_coverage=1.5)
    with pytest.raises(ValueError, match=r"session dict has no entry for asset\(s\) \['B'\]"):
        intraday_panel({"A": good, "B": good}, session={"A": "24h"})
    with pytest.raises(ValueError, match="asset must be None when bars is a dict"):
        intraday_panel({"A": good}, asset="A")
    with pytest.raises(TypeError, match="bars must be a DataFrame or a dict"):
        intraday_panel(good["close"])
    with pytest.raises(ValueError, match=r"bars\['A'\] has no bars"):
        intraday_panel({"A": good.iloc[:0]})


def test_index_time_zone_and_resolution_do_not_matter():
    stamps = pd.date_range("2017-03-10 14:00", "2017-03-13 21:00", freq="1min", tz="UTC")
    bars = make_bars(stamps, np.exp(np.sin(np.arange(len(stamps)) / 50.0)))
    expected = intraday_panel(bars, session="us_equity", asset="S")
    tokyo = bars.tz_convert("Asia/Tokyo")
    pd.testing.assert_frame_equal(intraday_panel(tokyo, session="us_equity", asset="S"), expected)
    seconds = bars.set_axis(bars.index.as_unit("s"))
    pd.testing.assert_frame_equal(intraday_panel(seconds, session="us_equity", asset="S"), expected)


def test_report_is_shared_read_only_and_survives_pickling():
    bars = make_bars(["2017-01-02 00:05", "2017-01-02 12:00", "2017-01-03 00:00"], [1, 2, 3.0])
    panel = intraday_panel(bars, asset="A", min_coverage=0.5)
    assert panel.empty and panel.attrs["dropped_days"]["A"].tolist() == [pd.Timestamp("2017-01-02")]
    derived = panel * 2
    assert derived.attrs["dropped_days"] is panel.attrs["dropped_days"]
    with pytest.raises(TypeError, match="the panel report is read-only"):
        panel.attrs["dropped_days"]["A"] = None
    restored = pickle.loads(pickle.dumps(panel))
    assert restored.attrs["outside_session"] == {"A": 0}
    assert restored.attrs["freq"] == pd.Timedelta("5min")


def _check_row_sums(panel, bars, session, prefix):
    """Row sum = log(last close / opening price) per session date, by a pandas groupby."""
    where = get_session(session)
    since_start = bars.index.tz_convert(where.tz).tz_localize(None) - where.start_offset
    day = (since_start - pd.Timedelta(1, "ns")).normalize()
    inside = np.asarray(since_start - day <= where.length) & np.isin(day.weekday, where.weekdays)
    close = pd.Series(bars["close"].to_numpy()[inside], index=day[inside])
    last = close.groupby(level=0).last()
    first = close.groupby(level=0).first()
    # A bar exactly at a session start is the opening price of the session it starts.
    at_start = np.asarray(since_start == since_start.normalize())
    opening = pd.Series(bars["close"].to_numpy()[at_start], index=since_start[at_start])
    opening = opening[opening.index.isin(first.index)]
    first[opening.index] = opening
    expected = np.log(last / first).reindex(panel.index)
    assert expected.notna().all()
    got = panel.filter(like=prefix).sum(axis=1)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-12)


@pytest.mark.realdata
def test_btc_file_row_sums_equal_daily_log_return(shared_data):
    bars = read_bars(shared_data / "btcusd_bitmex")
    panel = intraday_panel(bars, freq="5min", session="24h", asset="BTC")
    assert panel.shape == (731, 288)
    assert panel.index[0] == pd.Timestamp("2016-01-01")
    assert panel.index[-1] == pd.Timestamp("2017-12-31")
    # The first bar (2016-01-01 00:00) ends 2015-12-31: one bin of that day, reported.
    assert panel.attrs["dropped_days"]["BTC"].tolist() == [pd.Timestamp("2015-12-31")]
    assert panel.attrs["outside_session"]["BTC"] == 0
    assert panel.iloc[:-1].notna().all().all()  # every minute is in the file
    _check_row_sums(panel, bars, "24h", "BTC__")


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["market_1min.csv", "stock_1min.csv"])
def test_nyse_sample_row_sums_equal_open_to_close(shared_data, name):
    bars = read_bars(shared_data / "nyse_sample_1min" / name)
    panel = intraday_panel(bars, freq="5min", session="us_equity", asset="S")
    # The sample's 22 dates include 10 weekend dates and Labor Day, 2001-09-03 (the R
    # package's sample dates are synthetic): us_equity trades on NYSE sessions, so their
    # bars are reported.
    assert panel.shape == (11, 78)
    assert pd.Timestamp("2001-09-03") not in panel.index
    assert panel.attrs["outside_session"]["S"] == 11 * 391
    assert panel.attrs["early_closes"]["S"].empty
    assert panel.notna().all().all()
    _check_row_sums(panel, bars, "us_equity", "S__")
    every_day = Session("09:30", "16:00", "America/New_York", range(7))
    all_days = intraday_panel(bars, freq="5min", session=every_day, asset="S")
    assert all_days.shape == (22, 78) and all_days.attrs["outside_session"]["S"] == 0
    _check_row_sums(all_days, bars, every_day, "S__")
    day = all_days.index[0]
    local = bars.index.tz_convert("America/New_York")
    closes = bars["close"][local.normalize().tz_localize(None) == day]
    assert all_days.loc[day].sum() == pytest.approx(
        math.log(closes.iloc[-1] / closes.iloc[0]), abs=1e-12
    )


def test_us_equity_holidays_and_early_closes():
    # Every minute of 3-6 July 2017 from 09:30 to 16:00 New York: Monday 3 July closes at
    # 13:00, Tuesday 4 July is Independence Day.
    days = ["2017-07-03", "2017-07-04", "2017-07-05", "2017-07-06"]
    local = pd.DatetimeIndex(
        [t for d in days for t in pd.date_range(f"{d} 09:30", f"{d} 16:00", freq="1min")]
    ).tz_localize("America/New_York")
    bars = make_bars(local.tz_convert("UTC"), 100 + np.arange(len(local)) * 0.01)
    panel = intraday_panel(bars, freq="5min", session="us_equity", asset="SPX")
    assert panel.index.tolist() == [
        pd.Timestamp(d) for d in ("2017-07-03", "2017-07-05", "2017-07-06")
    ]
    assert panel.attrs["early_closes"]["SPX"].tolist() == [pd.Timestamp("2017-07-03")]
    assert panel.attrs["dropped_days"]["SPX"].empty
    coverage = panel.attrs["coverage"]["SPX"]
    assert coverage.index.tolist() == panel.index.tolist() and (coverage == 1.0).all()
    early = panel.loc["2017-07-03"]
    assert early.notna().sum() == 42 and early.last_valid_index() == "SPX__1300"
    assert early.sum() == pytest.approx(math.log(bars["close"].iloc[210] / bars["close"].iloc[0]))
    # 13:01-16:00 of the early close and the whole holiday are outside the session
    assert panel.attrs["outside_session"]["SPX"] == 180 + 391
    # A weekday-only session sees the holiday as a day and the early close as a short one.
    weekdays = Session("09:30", "16:00", "America/New_York", (0, 1, 2, 3, 4))
    plain = intraday_panel(bars, freq="5min", session=weekdays, asset="SPX")
    assert len(plain) == 4 and plain.attrs["early_closes"]["SPX"].empty


@pytest.mark.realdata
def test_eurusd_histdata_fx_session_keeps_every_summer_friday_bar(shared_data):
    bars = read_bars(shared_data / "eurusd_histdata")
    panel = intraday_panel(bars, freq="5min", session="fx", asset="EURUSD")
    assert panel.shape == (129, 288)
    # On the New York clock every bar is inside an fx session; read as fixed UTC-5, the
    # last hour of every summer Friday (955 bars, 20 Fridays) falls after 17:00.
    assert panel.attrs["outside_session"]["EURUSD"] == 0
    fixed = intraday_panel(read_bars(shared_data / "eurusd_histdata", tz="EST"), session="fx")
    assert fixed.attrs["outside_session"][None] == 955
    coverage = panel.attrs["coverage"]["EURUSD"]
    # 2017-01-02 opens at 02:00 after the New Year holiday; every other date is complete.
    assert panel.attrs["dropped_days"]["EURUSD"].tolist() == [pd.Timestamp("2017-01-02")]
    fridays = coverage[coverage.index.dayofweek == 4]
    assert len(fridays) == 26 and (fridays == 1.0).all()
