"""Tests of skvol.data.read_bars: layouts, time conventions, merging and every validation error."""

from __future__ import annotations

import gzip
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skvol.data import read_bars

FIXTURES = Path(__file__).parent / "fixtures"
OANDA = FIXTURES / "oanda_eurusd_2017_01.csv"
BITSTAMP = FIXTURES / "bitstamp_btcusd_2017.csv"
MINUTE = pd.Timedelta("1min")

HISTDATA_LINES = [
    "20170102 020000;1.051550;1.051970;1.051550;1.051900;0",
    "20170102 020100;1.052090;1.052090;1.051770;1.051790;0",
    "20170102 020200;1.051770;1.051980;1.051770;1.051780;0",
]


def write(path: Path, lines, newline="\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((newline.join(lines) + newline).encode())
    return path


def utc(*stamps: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(list(stamps), name="timestamp").tz_localize("UTC").as_unit("ns")


def assert_bars_contract(bars: pd.DataFrame) -> None:
    assert isinstance(bars.index, pd.DatetimeIndex)
    assert bars.index.name == "timestamp"
    assert str(bars.index.tz) == "UTC"
    assert bars.index.is_monotonic_increasing and bars.index.is_unique
    assert all(dtype == np.float64 for dtype in bars.dtypes)


# ----------------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_histdata_folder_acceptance(shared_data):
    bars = read_bars(shared_data / "eurusd_histdata")
    assert_bars_contract(bars)
    assert len(bars) == 186_348
    assert bars.index[0] == pd.Timestamp("2017-01-02 07:01", tz="UTC")
    assert list(bars.columns) == ["open", "high", "low", "close"]
    assert bars.attrs["format"] == "histdata"
    assert bars.attrs["bar_length"] == MINUTE
    # first line of the January file: "20170102 020000;1.051550;1.051970;1.051550;1.051900;0"
    np.testing.assert_array_equal(bars.iloc[0].to_numpy(), [1.05155, 1.05197, 1.05155, 1.0519])


@pytest.mark.realdata
def test_histdata_file_matches_a_plain_pandas_reference(shared_data):
    file = shared_data / "eurusd_histdata" / "DAT_ASCII_EURUSD_M1_201703.csv"
    ref = pd.read_csv(file, sep=";", header=None, names=["t", "open", "high", "low", "close", "v"])
    # New York wall clock (US daylight saving starts on 2017-03-12 inside this file); the
    # stamp is the bar start, the bar is one minute.
    local = pd.DatetimeIndex(pd.to_datetime(ref["t"], format="%Y%m%d %H%M%S"))
    stamps = local.tz_localize("America/New_York").tz_convert("UTC") + MINUTE
    expected = ref[["open", "high", "low", "close"]].set_index(
        pd.DatetimeIndex(stamps, name="timestamp").as_unit("ns")
    )
    pd.testing.assert_frame_equal(read_bars(file), expected)
    # HistData's documented fixed UTC-5 clock, on request
    fixed = (local + pd.Timedelta("5h") + MINUTE).tz_localize("UTC").as_unit("ns")
    np.testing.assert_array_equal(read_bars(file, tz="EST").index.asi8, fixed.asi8)


@pytest.mark.realdata
def test_bitmex_generic_csv_is_not_shifted(shared_data):
    bars = read_bars(shared_data / "btcusd_bitmex")
    assert_bars_contract(bars)
    assert len(bars) == 1_052_640
    assert bars.index[0] == pd.Timestamp("2016-01-01 00:00", tz="UTC")
    assert bars.index[-1] == pd.Timestamp("2017-12-31 23:59", tz="UTC")
    assert list(bars.columns) == ["open", "high", "low", "close", "volume"]
    assert bars.attrs["format"] == "csv"
    assert bars.attrs["bar_length"] is None
    assert bars.attrs["ignored_columns"] == ["trades"]
    assert [Path(f).name for f in bars.attrs["files"]] == [
        "xbtusd_1min_2016.csv.gz",
        "xbtusd_1min_2017.csv.gz",
    ]


@pytest.mark.realdata
def test_nyse_sample_offsets_are_converted_to_utc(shared_data):
    file = shared_data / "nyse_sample_1min" / "market_1min.csv"
    bars = read_bars(file)
    assert_bars_contract(bars)
    assert list(bars.columns) == ["close"]
    ref = pd.read_csv(file)
    assert len(bars) == len(ref) == 8602
    expected = pd.to_datetime(ref["timestamp"], utc=True, format="ISO8601")
    np.testing.assert_array_equal(bars.index.asi8, pd.DatetimeIndex(expected).as_unit("ns").asi8)
    # first row "2001-08-04T09:30:00-04:00,246.02": 09:30 EDT is 13:30 UTC
    assert bars.index[0] == pd.Timestamp("2001-08-04 13:30", tz="UTC")
    np.testing.assert_array_equal(bars["close"].to_numpy(), ref["price"].to_numpy())


# ----------------------------------------------------------------------------- layouts


def test_oanda_fixture_close_first_and_shifted_to_bar_end():
    bars = read_bars(OANDA)
    expected = pd.DataFrame(
        {
            "open": [1.0468, 1.0469, 1.0467, 1.04699, 1.04652],
            "high": [1.04707, 1.04711, 1.0472, 1.04702, 1.0467],
            "low": [1.04675, 1.04674, 1.0466, 1.0465, 1.0465],
            "close": [1.04688, 1.04674, 1.0470, 1.04655, 1.0466],
            "volume": [46.0, 52.0, 30.0, 17.0, 8.0],
        },
        index=utc(
            "2017-01-02 23:02",
            "2017-01-02 23:03",
            "2017-01-02 23:05",
            "2017-01-02 23:06",
            "2017-01-02 23:07",
        ),
    )
    pd.testing.assert_frame_equal(bars, expected)
    assert bars.attrs["format"] == "oanda"
    assert bars.attrs["bar_length"] == MINUTE  # modal spacing, despite the missing minute


def test_bitstamp_fixture_columns_and_bar_end():
    bars = read_bars(BITSTAMP)
    expected = pd.DataFrame(
        {
            "open": [1180.0, 1184.0, 1182.3, 1189.99],
            "high": [1185.5, 1184.0, 1190.0, 1189.99],
            "low": [1179.25, 1181.1, 1182.3, 1186.0],
            "close": [1184.0, 1182.3, 1189.99, 1186.5],
        },
        index=utc("2017-03-01 00:01", "2017-03-01 00:02", "2017-03-01 00:03", "2017-03-01 00:04"),
    )
    pd.testing.assert_frame_equal(bars, expected)
    assert bars.attrs["format"] == "bitstamp"


def test_detection_uses_content_not_file_names(tmp_path):
    misleading = tmp_path / "DAT_ASCII_EURUSD_M1_2017.csv"
    shutil.copy(OANDA, misleading)
    assert read_bars(misleading).attrs["format"] == "oanda"
    hist = write(tmp_path / "oanda-EUR_USD-2017-1.csv", HISTDATA_LINES)
    assert read_bars(hist).attrs["format"] == "histdata"


def test_histdata_clock_is_new_york_by_default_and_a_parameter(tmp_path):
    winter = write(tmp_path / "w", HISTDATA_LINES[:2])
    summer = write(
        tmp_path / "s",
        ["20170703 093000;1.1;1.2;1.0;1.1;0", "20170703 093100;1.1;1.2;1.0;1.1;0"],
    )
    # New York wall clock (the measured default): 09:30 EDT is 13:30 UTC, bar end 13:31;
    # 02:00 EST is 07:00 UTC.
    assert read_bars(summer).index[0] == pd.Timestamp("2017-07-03 13:31", tz="UTC")
    assert read_bars(summer).attrs["tz"] == "America/New_York"
    assert read_bars(winter).index[0] == pd.Timestamp("2017-01-02 07:01", tz="UTC")
    # HistData's documented clock, fixed UTC-5 all year: 09:30 EST is 14:30 UTC in July too.
    assert read_bars(summer, tz="EST").index[0] == pd.Timestamp("2017-07-03 14:31", tz="UTC")
    assert read_bars(winter, tz="EST").index[0] == pd.Timestamp("2017-01-02 07:01", tz="UTC")
    assert read_bars(summer, tz="UTC").index[0] == pd.Timestamp("2017-07-03 09:31", tz="UTC")


def test_histdata_local_time_skipped_by_the_clock_change(tmp_path):
    # 02:30 on 2017-03-12 does not exist in New York (the FX market is shut then)
    file = write(tmp_path / "x", ["20170312 013000;1;1;1;1;0", "20170312 023000;1;1;1;1;0"])
    with pytest.raises(ValueError, match=r"x, line 2: local time '20170312 023000' does not"):
        read_bars(file)
    assert len(read_bars(file, tz="EST")) == 2


def test_explicit_bar_length(tmp_path):
    file = write(tmp_path / "x", HISTDATA_LINES[:1])
    with pytest.raises(ValueError, match="cannot infer the bar length .* pass bar_length"):
        read_bars(file)
    bars = read_bars(file, bar_length="5min")
    assert bars.index[0] == pd.Timestamp("2017-01-02 07:05", tz="UTC")
    assert bars.attrs["bar_length"] == pd.Timedelta("5min")


def test_generic_csv_naive_times_in_a_dst_zone(tmp_path):
    file = write(
        tmp_path / "x.csv",
        ["Timestamp,Price,Volume", "2017-01-03 09:30:00,10.0,5", "2017-07-03 09:30:00,11.0,6"],
    )
    bars = read_bars(file, tz="America/New_York")
    assert list(bars.columns) == ["close", "volume"]
    # EST is UTC-5 in January, EDT is UTC-4 in July
    assert list(bars.index) == list(utc("2017-01-03 14:30", "2017-07-03 13:30"))
    assert list(read_bars(file).index) == list(utc("2017-01-03 09:30", "2017-07-03 09:30"))


def test_generic_csv_keeps_ohlc_ignores_documented_extras(tmp_path):
    file = write(
        tmp_path / "x.csv",
        [
            "date,trades,close,open,low,high",
            "2017-01-03T10:00:00Z,3,2.0,1.5,1.0,2.5",
            "2017-01-03T10:01:00Z,0,2.0,2.0,2.0,2.0",
        ],
    )
    bars = read_bars(file)
    assert list(bars.columns) == ["open", "high", "low", "close"]
    np.testing.assert_array_equal(bars.iloc[0].to_numpy(), [1.5, 2.5, 1.0, 2.0])
    assert bars.attrs["ignored_columns"] == ["trades"]
    assert bars.index[0] == pd.Timestamp("2017-01-03 10:00", tz="UTC")


def test_crlf_bom_and_trailing_blank_lines_are_fine(tmp_path):
    file = tmp_path / "x.csv"
    file.write_bytes(
        b"\xef\xbb\xbftimestamp,price\r\n2017-01-03 10:00,1.5\r\n2017-01-03 10:01,1.6\r\n\r\n"
    )
    bars = read_bars(file)
    assert list(bars["close"]) == [1.5, 1.6]


# ----------------------------------------------------------------------------- directories


def test_directory_of_plain_gzip_and_zip_files_in_time_order(tmp_path):
    lines = OANDA.read_text().splitlines()
    header, rows = lines[0], lines[1:]
    folder = tmp_path / "EUR_USD"
    # the name order (a, b, c) is not the time order: files are ordered by content
    write(folder / "c.csv", [header, *rows[:2]])
    (folder / "2017").mkdir(parents=True)
    (folder / "2017" / "a.csv.gz").write_bytes(
        gzip.compress(("\n".join([header, rows[2]]) + "\n").encode())
    )
    with zipfile.ZipFile(folder / "b.zip", "w") as archive:
        archive.writestr("inner/last.csv", "\n".join([header, *rows[3:]]) + "\n")
        archive.writestr("__MACOSX/._last.csv", "junk")
    write(folder / ".hidden.csv", ["not data"])
    bars = read_bars(folder)
    pd.testing.assert_frame_equal(bars, read_bars(OANDA))
    assert [Path(f.split(":")[0]).name for f in bars.attrs["files"]] == [
        "c.csv",
        "a.csv.gz",
        "b.zip",
    ]
    assert bars.attrs["duplicates_dropped"] == 0


def test_overlapping_files_merge_with_warning_and_count_duplicates(tmp_path):
    rows = OANDA.read_text().splitlines()
    write(tmp_path / "d" / "one.csv", rows[:4])
    write(tmp_path / "d" / "two.csv", [rows[0], *rows[2:]])
    with pytest.warns(UserWarning, match="two.csv overlaps .*one.csv"):
        bars = read_bars(tmp_path / "d")
    pd.testing.assert_frame_equal(bars, read_bars(OANDA))
    assert bars.attrs["duplicates_dropped"] == 2


def test_exact_duplicate_within_a_file_is_dropped_and_counted(tmp_path):
    file = write(tmp_path / "x", [HISTDATA_LINES[0], *HISTDATA_LINES])
    bars = read_bars(file)
    assert len(bars) == 3
    assert bars.attrs["duplicates_dropped"] == 1


def test_conflicting_duplicates_across_files(tmp_path):
    rows = OANDA.read_text().splitlines()
    write(tmp_path / "d" / "one.csv", rows[:3])
    write(tmp_path / "d" / "two.csv", [rows[0], rows[2].replace(",52", ",53")])
    with pytest.warns(UserWarning, match="overlaps"):
        with pytest.raises(ValueError) as info:
            read_bars(tmp_path / "d")
    message = str(info.value)
    assert "conflicting rows for the same time 2017-01-02 23:02:00" in message
    assert re.search(r"one\.csv, line 3 and .*two\.csv, line 2", message)


def test_broken_archives_and_differing_layouts(tmp_path):
    (tmp_path / "broken.gz").write_bytes(gzip.compress(b"timestamp,price\n")[:-6])
    with pytest.raises(ValueError, match="broken.gz starts like gzip but cannot be decompressed"):
        read_bars(tmp_path / "broken.gz")
    with zipfile.ZipFile(tmp_path / "hollow.zip", "w") as archive:
        archive.writestr(".DS_Store", "junk")
    with pytest.raises(ValueError, match="zip archive .*hollow.zip holds no data files"):
        read_bars(tmp_path / "hollow.zip")
    write(tmp_path / "d" / "a.csv", ["timestamp,price", "2017-01-01T00:00:00Z,1"])
    write(tmp_path / "d" / "b.csv", ["timestamp,price,volume", "2017-01-01T00:01:00Z,1,2"])
    with pytest.raises(
        ValueError, match=r"b.csv has columns \['close', 'volume'\] but .*a.csv has"
    ):
        read_bars(tmp_path / "d")


def test_mixed_formats_in_a_directory(tmp_path):
    shutil.copy(OANDA, tmp_path / "a.csv")
    shutil.copy(BITSTAMP, tmp_path / "b.csv")
    with pytest.raises(
        ValueError, match=r"b\.csv looks like a 'bitstamp' file but .*a\.csv is 'oanda'"
    ):
        read_bars(tmp_path)


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("second_line", "message"),
    [
        (
            "20170102 020100;1.05;abc;1.04;1.05;0",
            r"line 2: column 'high': 'abc' is not a finite number",
        ),
        ("20170102 020100;1.05;1.06;1.04;0", r"line 2: 5 fields, expected 6 \(histdata"),
        (
            "2017010x 020100;1.05;1.06;1.04;1.05;0",
            r"line 2: cannot read timestamp '2017010x 020100'",
        ),
        (
            "20170102 020100;1.05;1.06;0;1.05;0",
            r"line 2: column 'low' is 0.0, expected a positive price",
        ),
        (
            "20170102 020100;1.05;1.06;-1.04;1.05;0",
            r"line 2: column 'low' is -1.04, expected a positive",
        ),
        (
            "20170102 020100;1.05;inf;1.04;1.05;0",
            r"line 2: column 'high' is inf, expected a finite number",
        ),
        (
            "20170102 020100;1.05;nan;1.04;1.05;0",
            r"line 2: column 'high': 'nan' is not a finite number",
        ),
        ("20170102 020100;1.05;;1.04;1.05;0", r"line 2: column 'high': '' is not a finite number"),
        ("20170102 020100;1.05;1.03;1.04;1.05;0", r"line 2: high 1.03 is below low 1.04"),
        (
            "20170102 015900;1.05;1.06;1.04;1.05;0",
            r"line 2: timestamp 2017-01-02 06:59:00 is earlier than 2017-01-02 07:00:00 on line 1",
        ),
        ("", r"line 2: the line is empty"),
    ],
)
def test_histdata_errors_name_file_and_line(tmp_path, second_line, message):
    file = write(tmp_path / "bad.txt", [HISTDATA_LINES[0], second_line, HISTDATA_LINES[2]])
    with pytest.raises(ValueError, match=f"bad.txt, {message}"):
        read_bars(file)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "2017-01-02 23:03:00,1.0,1.0,1.0,1.0,-3",
            r"line 3: column 'volume' is -3.0, expected a volume >= 0",
        ),
        ("2017-01-02 23:03:00,1.0,1.0,1.0,1.0", r"line 3: 5 fields, expected 6 \(oanda"),
        ("2017-01-02 23:03:00,1.0,1.0,1.1,1.0,4", r"line 3: high 1.0 is below low 1.1"),
    ],
)
def test_oanda_errors_count_the_header_line(tmp_path, line, message):
    rows = OANDA.read_text().splitlines()
    file = write(tmp_path / "bad.csv", [*rows[:2], line])
    with pytest.raises(ValueError, match=message):
        read_bars(file)


def test_first_error_in_the_file_is_reported(tmp_path):
    # a bad price on line 3 and a backwards time on line 2: line 2 is reported
    file = write(
        tmp_path / "x",
        [HISTDATA_LINES[1], HISTDATA_LINES[0], "20170102 020300;1.05;1.06;1.07;1.05;0"],
    )
    with pytest.raises(ValueError, match="line 2: timestamp"):
        read_bars(file)


def test_iso_timestamp_errors(tmp_path):
    mixed = write(
        tmp_path / "m.csv", ["timestamp,price", "2017-01-01T00:00:00Z,1", "2017-01-01 00:01:00,2"]
    )
    with pytest.raises(
        ValueError, match=r"m.csv, line 3: timestamp '2017-01-01 00:01:00' has none but"
    ):
        read_bars(mixed)
    bad = write(tmp_path / "b.csv", ["timestamp,price", "2017-01-01 00:00,1", "2017-13-01 00:01,2"])
    with pytest.raises(
        ValueError, match=r"b.csv, line 3: cannot read timestamp '2017-13-01 00:01'"
    ):
        read_bars(bad)


def test_empty_inputs(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match="empty.csv is empty"):
        read_bars(tmp_path / "empty.csv")
    write(tmp_path / "header.csv", ["timestamp,price"])
    with pytest.raises(ValueError, match="header.csv has a header but no data rows"):
        read_bars(tmp_path / "header.csv")
    (tmp_path / "folder").mkdir()
    with pytest.raises(ValueError, match="folder holds no data files"):
        read_bars(tmp_path / "folder")
    with pytest.raises(ValueError, match="does not exist"):
        read_bars(tmp_path / "missing")


def test_undetectable_format_lists_the_formats(tmp_path):
    file = write(tmp_path / "x.csv", ["a,b,c", "1,2,3"])
    with pytest.raises(ValueError) as info:
        read_bars(file)
    message = str(info.value)
    assert "cannot detect the format of" in message and "'a,b,c'" in message
    for name in ("histdata:", "oanda:", "bitstamp:", "csv:"):
        assert name in message


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("timestamp,open,close", r"missing \['high', 'low'\]"),
        ("timestamp,price,close", r"has both 'price' and \['close'\]"),
        ("date,time,price", r"exactly one time column"),
    ],
)
def test_generic_csv_header_errors(tmp_path, header, message):
    file = write(tmp_path / "x.csv", [header, "2017-01-01,1,2"])
    with pytest.raises(ValueError, match=message):
        read_bars(file, format="csv")


def test_parameter_errors(tmp_path):
    file = write(tmp_path / "x.csv", ["timestamp,price", "2017-01-01T00:00:00Z,1"])
    with pytest.raises(ValueError, match="format='excel' is not one of"):
        read_bars(file, format="excel")
    with pytest.raises(ValueError, match="tz='Mars/Base' is not a known time zone"):
        read_bars(file, tz="Mars/Base")
    with pytest.raises(ValueError, match="carry UTC offsets .* tz='UTC' contradicts them"):
        read_bars(file, tz="UTC")
    with pytest.raises(ValueError, match="applies only to naive timestamps of generic 'csv'"):
        read_bars(OANDA, tz="UTC")
    with pytest.raises(ValueError, match="taken as bar ends: leave bar_length=None"):
        read_bars(file, bar_length="1min")
    with pytest.raises(ValueError, match="must be a positive time span"):
        read_bars(OANDA, bar_length="-1min")
    with pytest.raises(ValueError, match="is not the bitstamp header"):
        read_bars(OANDA, format="bitstamp")
    with pytest.raises(TypeError, match="path must be a str"):
        read_bars(42)


def test_nonexistent_local_time(tmp_path):
    # 02:30 on 2017-03-12 does not exist in New York (clocks jump from 02:00 to 03:00)
    file = write(tmp_path / "x.csv", ["time,price", "2017-03-12 01:30,1", "2017-03-12 02:30,2"])
    with pytest.raises(
        ValueError, match=r"x.csv, line 3: local time '2017-03-12 02:30' does not exist"
    ):
        read_bars(file, tz="America/New_York")


# ----------------------------------------------------------------------------- issue 12


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        ("20170230 000000", "day 30 does not exist in February 2017"),
        ("20170229 120000", "day 29 does not exist in February 2017"),  # 2017 is no leap year
        ("20170102 020061", "second 61 does not exist"),
        ("20170102 026000", "minute 60 does not exist"),
        ("20170102 240000", "hour 24 does not exist"),
        ("20171302 020000", "month 13 does not exist"),
        ("20170100 020000", "day 0 does not exist in January 2017"),
    ],
)
def test_histdata_impossible_dates_are_errors_not_re_dated(tmp_path, stamp, reason):
    # strptime-style parsers read 20170230 as 2 March and second 61 as the next minute
    lines = [*HISTDATA_LINES[:2], f"{stamp};1.05;1.06;1.04;1.05;0", HISTDATA_LINES[2]]
    file = write(tmp_path / "dates.csv", lines)
    with pytest.raises(ValueError) as info:
        read_bars(file)
    assert str(info.value) == (f"{file}, line 3: timestamp {stamp!r} is impossible: {reason}")


def test_histdata_leap_day_is_a_date(tmp_path):
    file = write(tmp_path / "x", ["20160229 235900;1;1;1;1;0", "20160301 000000;1;1;1;1;0"])
    assert read_bars(file).index[0] == pd.Timestamp("2016-03-01 05:00", tz="UTC")


def test_truncated_bitstamp_last_line_is_reported_not_kept(tmp_path):
    # the file was cut inside the last field: 13890.43 became 138, a -4.6 log return
    text = BITSTAMP.read_text().rstrip("\n")
    good_close = text.rsplit(",", 1)[1]
    cut = tmp_path / "2017.csv"
    cut.write_text(text[: -len(good_close) + 2])
    n_lines = len(text.splitlines())
    with pytest.raises(ValueError) as info:
        read_bars(cut)
    message = str(info.value)
    assert message.startswith(f"{cut}, line {n_lines}: close {float(good_close[:2])} is outside")
    assert "the file looks truncated" in message
    # the same bad row with a final newline is an error too, without the truncation hint
    cut.write_text(text[: -len(good_close) + 2] + "\n")
    with pytest.raises(ValueError, match=f"line {n_lines}: close .* is outside") as info:
        read_bars(cut)
    assert "looks truncated" not in str(info.value)


def test_last_line_cut_in_its_fields_is_reported_as_truncated(tmp_path):
    file = tmp_path / "cut.csv"
    file.write_text(
        "timestamp,open,high,low,close\n2017-01-03T10:00:00Z,1.5,1.6,1.4,1.5\n2017-01-03T10:01:00Z,1.5,1."
    )
    with pytest.raises(
        ValueError, match=r"cut.csv, line 3: 3 fields, expected 5 .*looks truncated"
    ):
        read_bars(file)


@pytest.mark.parametrize(
    ("fmt", "row", "message"),
    [
        ("oanda", "2017-01-02 23:09:00,1.0471,1.0470,1.0465,1.0466,5", "close 1.0471 is outside"),
        ("oanda", "2017-01-02 23:09:00,1.0466,1.0470,1.0465,1.0464,5", "open 1.0464 is outside"),
        ("histdata", "20170102 020300;1.05;1.06;1.04;1.07;0", "close 1.07 is outside"),
        ("histdata", "20170102 020300;1.03;1.06;1.04;1.05;0", "open 1.03 is outside"),
        ("csv", "2017-01-03T10:02:00Z,1.5,1.6,1.4,1.3", "close 1.3 is outside"),
    ],
)
def test_open_and_close_must_lie_within_low_high(tmp_path, fmt, row, message):
    head = {
        "oanda": OANDA.read_text().splitlines()[:3],
        "histdata": HISTDATA_LINES[:2],
        "csv": ["timestamp,open,high,low,close", "2017-01-03T10:00:00Z,1.5,1.6,1.4,1.5"],
    }[fmt]
    file = write(tmp_path / "x", [*head, row])
    with pytest.raises(ValueError, match=f"x, line {len(head) + 1}: {message} " + r"\[low, high\]"):
        read_bars(file)


def test_generic_csv_open_may_be_the_previous_close(tmp_path):
    # BitMEX bars open at the previous bar's close, which may lie outside [low, high]
    file = write(
        tmp_path / "x.csv",
        [
            "timestamp,open,high,low,close",
            "2017-01-03T10:00:00Z,1.5,1.6,1.4,1.5",
            "2017-01-03T10:01:00Z,1.5,1.8,1.7,1.75",
        ],
    )
    assert read_bars(file)["open"].tolist() == [1.5, 1.5]


def test_corrupt_gzip_names_the_file(tmp_path):
    # valid gzip magic and header, garbage deflate data: zlib.error, not an OSError
    data = gzip.compress(b"timestamp,price\n2017-01-01T00:00:00Z,1\n" * 50)
    corrupt = tmp_path / "bars.csv.gz"
    corrupt.write_bytes(data[:10] + bytes(range(256))[::-1] * 2 + data[-8:])
    with pytest.raises(
        ValueError, match=r"bars.csv.gz starts like gzip but cannot be decompressed"
    ):
        read_bars(corrupt)


def test_corrupt_gzip_is_one_line_from_the_command_line(tmp_path, capsys):
    from skvol.study._cli import main

    data = gzip.compress(b"timestamp,price\n2017-01-01T00:00:00Z,1\n" * 50)
    (tmp_path / "BTC.csv.gz").write_bytes(data[:10] + bytes(range(256))[::-1] * 2 + data[-8:])
    code = main(["study", "--data", str(tmp_path), "--assets", "BTC", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1
    # one line after the progress bar (which rewrites its own line with "\r")
    assert err.count("\n") == 1 and "Traceback" not in err
    message = err.split("\r")[-1]
    assert message.startswith("skvol: error: ") and "BTC.csv.gz" in message


@pytest.mark.parametrize("layout", ["folder", "zip"])
def test_two_instruments_in_one_input_are_refused(tmp_path, layout):
    eur = ["20170102 020000;1.05;1.06;1.04;1.05;0", "20170102 020100;1.05;1.06;1.04;1.05;0"]
    gbp = ["20170103 020000;1.23;1.24;1.22;1.23;0", "20170103 020100;1.23;1.24;1.22;1.23;0"]
    names = ("DAT_ASCII_EURUSD_M1_201701.csv", "DAT_ASCII_GBPUSD_M1_201701.csv")
    if layout == "folder":
        write(tmp_path / "in" / names[0], eur)
        write(tmp_path / "in" / "more" / names[1], gbp)
        target = tmp_path / "in"
    else:
        target = tmp_path / "in.zip"
        with zipfile.ZipFile(target, "w") as archive:
            archive.writestr(names[0], "\n".join(eur) + "\n")
            archive.writestr(names[1], "\n".join(gbp) + "\n")
    with pytest.raises(
        ValueError,
        match=r"GBPUSD_M1_201701.csv is named for instrument 'GBPUSD' but .*EURUSD_M1_201701.csv for 'EURUSD'",
    ):
        read_bars(target)


def test_oanda_pairs_in_one_folder_are_refused_same_pair_is_read(tmp_path):
    rows = OANDA.read_text().splitlines()
    write(tmp_path / "d" / "2017" / "oanda-EUR_USD-2017-1.csv", rows[:3])
    write(tmp_path / "d" / "2017" / "oanda-EUR_USD-2017-2.csv", [rows[0], *rows[3:]])
    assert len(read_bars(tmp_path / "d")) == len(rows) - 1
    write(
        tmp_path / "d" / "oanda-GBP_USD-2017-3.csv",
        [rows[0], rows[-1].replace("2017-01", "2017-03")],
    )
    with pytest.raises(ValueError, match=r"is named for instrument '(GBP|EUR)_USD' but"):
        read_bars(tmp_path / "d")


@pytest.mark.parametrize(
    ("lines", "fmt", "message"),
    [
        (
            ["timestamp,open,high,low,close", "2017-01-01T00:00:00Z,1,1,1,1"],
            "histdata",
            r"line 1: 'timestamp,open,high,low,close' does not fit format='histdata', which "
            r"expects no header, ';'-separated .*looks like a 'csv' file: pass format='csv'",
        ),
        (
            HISTDATA_LINES,
            "csv",
            r"line 1 .*expected exactly one time column.*looks like a 'histdata' file",
        ),
        (
            HISTDATA_LINES,
            "oanda",
            r"line 1: header .* is not the oanda header .*looks like a 'histdata' file",
        ),
    ],
)
def test_a_format_that_does_not_fit_the_file_says_so(tmp_path, lines, fmt, message):
    file = write(tmp_path / "x.csv", lines)
    with pytest.raises(ValueError, match=message) as info:
        read_bars(file, format=fmt)
    assert str(info.value).startswith(str(file))


def test_histdata_stamp_arithmetic_matches_datetime():
    # every day of 1896-2104 (leap years, 1900 and 2100 not leap, 2000 leap) at random times
    from skvol.data._readers import _histdata_stamps

    days = pd.date_range("1896-01-01", "2104-12-31", freq="D")
    rng = np.random.default_rng(0)
    stamps = days + pd.to_timedelta(rng.integers(0, 86_400, len(days)), unit="s")
    text = "".join(stamps.strftime("%Y%m%d %H%M%S"))
    chars = np.frombuffer(text.encode(), dtype=np.uint8).reshape(len(days), 15)
    wall, formed, impossible = _histdata_stamps(chars)
    assert formed.all() and not impossible.any()
    np.testing.assert_array_equal(wall, stamps.as_unit("ns").asi8)
    for bad in ("19000229 000000", "21000229 000000", "20170431 000000", "2017 101 000000"):
        _, formed, impossible = _histdata_stamps(np.frombuffer(bad.encode(), np.uint8)[None, :])
        assert not (formed & ~impossible).any()


@pytest.mark.realdata
def test_histdata_weeks_close_and_open_at_17_new_york_in_winter_and_summer(shared_data):
    # The evidence for the New York clock (docs/data.md): each week's last bar ends at
    # Friday 17:00 New York and the next week's first bar ends at Sunday 17:01, before and
    # after the 2017-03-12 clock change alike.
    bars = read_bars(shared_data / "eurusd_histdata")
    local = bars.index.tz_convert("America/New_York")
    gap = np.flatnonzero(np.diff(bars.index.asi8) > pd.Timedelta("1D").value)
    closes, opens = local[gap], local[gap + 1]
    assert len(gap) == 25
    assert (closes.dayofweek == 4).all() and (opens.dayofweek == 6).all()
    assert set(opens.strftime("%H:%M")) == {"17:01"}
    # the week of 2017-03-31 has no bar in its last minute
    assert closes.strftime("%H:%M").value_counts().to_dict() == {"17:00": 24, "16:59": 1}
    summer = closes >= pd.Timestamp("2017-03-12", tz="America/New_York")
    assert summer.sum() == 15 and (~summer).sum() == 10


def test_no_line_with_the_right_field_count_is_still_named(tmp_path):
    # every line short: the diagnosis used to fail with AttributeError (.str on floats)
    file = write(tmp_path / "x", ["20170102 020000;1.05;1.06", "20170102 020100;1.05;1.06"])
    with pytest.raises(ValueError, match=r"x, line 1: 3 fields, expected 6 \(histdata"):
        read_bars(file)
