"""Tests of skvol.data.read_realized_library on the real files and hand-written ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skvol.data import read_realized_library

OXFORD_HEADER = "date,symbol,open_to_close,rv5,bv,close_price"


def write(path: Path, lines) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.realdata
def test_oxford_man_spx_file(shared_data):
    file = shared_data / "spx_oxfordman" / "spx_realized_library_2000_2017.csv"
    spx = read_realized_library(file)
    assert spx.shape == (4518, 18)
    assert spx.index.name == "date" and spx.index.tz is None
    assert spx.index.is_monotonic_increasing and spx.index.is_unique
    assert spx.index[0] == pd.Timestamp("2000-01-03")
    assert "symbol" not in spx.columns and spx.attrs["symbol"] == ".SPX"
    assert all(dtype == np.float64 for dtype in spx.dtypes)
    # independent reference: pandas' own reader on the same file
    ref = pd.read_csv(
        file, index_col="date", parse_dates=["date"], float_precision="round_trip"
    ).drop(columns="symbol")
    np.testing.assert_array_equal(spx.index.to_numpy(), ref.index.to_numpy())
    np.testing.assert_array_equal(spx[list(ref.columns)].to_numpy(), ref.to_numpy(dtype=float))
    # first line: 2000-01-03,.SPX,-0.011601764068927,...,rv5 = 0.000140814843656457
    assert spx["rv5"].iloc[0] == 0.000140814843656457
    assert spx["open_to_close"].iloc[0] == -0.011601764068927
    assert read_realized_library(file, symbol="SPX").equals(spx)


@pytest.mark.realdata
def test_highfrequency_spy_file(shared_data):
    file = shared_data / "spy_highfrequency" / "spy_realized_measures_2014_2017.csv"
    spy = read_realized_library(file)
    assert spy.shape == (999, 13)
    assert list(spy.columns) == [
        "rv1", "rv5", "bpv1", "bpv5", "medrv1", "medrv5",
        "rk1", "rk5", "rq1", "rq5", "medrq1", "medrq5", "close",
    ]  # fmt: skip
    assert spy.index.name == "date" and spy.index[0] == pd.Timestamp("2014-01-02")
    assert spy["close"].iloc[0] == 182.95
    assert spy.attrs["layout"] == "highfrequency" and spy.attrs["symbol"] is None


def test_symbol_selection_and_missing_values(tmp_path):
    file = write(
        tmp_path / "lib.csv",
        [
            OXFORD_HEADER,
            "2010-01-04,.FTSE,0.001,1e-4,0.9e-4,5500",
            "2010-01-04,.SPX,-0.002,2e-4,NA,1130",
            "2010-01-05,.FTSE,0.003,1.5e-4,1.4e-4,5510",
            "2010-01-05,.SPX,0.004,,2.5e-4,1135",
        ],
    )
    with pytest.raises(
        ValueError, match=r"holds several symbols \['.FTSE', '.SPX'\]; pass symbol="
    ):
        read_realized_library(file)
    spx = read_realized_library(file, symbol="SPX")
    expected = pd.DataFrame(
        {
            "open_to_close": [-0.002, 0.004],
            "rv5": [2e-4, np.nan],
            "bv": [np.nan, 2.5e-4],
            "close_price": [1130.0, 1135.0],
        },
        index=pd.DatetimeIndex(["2010-01-04", "2010-01-05"], name="date").as_unit("ns"),
    )
    pd.testing.assert_frame_equal(spx, expected)
    assert read_realized_library(file, symbol=".FTSE")["close_price"].tolist() == [5500.0, 5510.0]
    with pytest.raises(ValueError, match=r"symbol='DAX' is not in .*lib.csv"):
        read_realized_library(file, symbol="DAX")


def test_dates_with_time_and_offset_keep_the_written_date(tmp_path):
    file = write(
        tmp_path / "x.csv",
        ["DT,RV5", "2010-01-04 00:00:00+01:00,1e-4", "2010-01-05T00:00:00Z,2e-4"],
    )
    measures = read_realized_library(file)
    assert list(measures.index) == [pd.Timestamp("2010-01-04"), pd.Timestamp("2010-01-05")]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "2010-01-05,.SPX,0.1,abc,1e-4,1130",
            r"line 3, column 'rv5': cannot read 'abc' as a number",
        ),
        ("2010-01-05,.SPX,0.1,inf,1e-4,1130", r"line 3, column 'rv5': 'inf' is not finite"),
        ("2010-01-05,.SPX,0.1,-1e-4,1e-4,1130", r"line 3, column 'rv5': -1e-4 is negative"),
        ("2010-01-05,.SPX,0.1,1e-4,1130", r"line 3: 5 fields, expected 6"),
        ("05/01/2010,.SPX,0.1,1e-4,1e-4,1130", r"line 3, column 'date': cannot read '05/01/2010'"),
        (
            "2010-01-04,.SPX,0.1,1e-4,1e-4,1130",
            r"line 3: date 2010-01-04 does not come after 2010-01-04 on line 2",
        ),
        ("", r"line 3: the line is empty"),
    ],
)
def test_errors_name_file_line_and_column(tmp_path, line, message):
    rows = [
        OXFORD_HEADER,
        "2010-01-04,.SPX,-0.2,1e-4,1e-4,1130",
        line,
        "2010-01-06,.SPX,0.1,1e-4,1e-4,1130",
    ]
    file = write(tmp_path / "bad.csv", rows)
    with pytest.raises(ValueError, match=f"bad.csv, {message}"):
        read_realized_library(file)


def test_layout_and_argument_errors(tmp_path):
    unknown = write(tmp_path / "u.csv", ["day,rv", "2010-01-04,1e-4"])
    with pytest.raises(
        ValueError,
        match=r"u.csv, line 1: cannot recognise the layout .*oxford-man: .*highfrequency: ",
    ):
        read_realized_library(unknown)
    (tmp_path / "e.csv").write_text("\n")
    with pytest.raises(ValueError, match="e.csv is empty"):
        read_realized_library(tmp_path / "e.csv")
    header_only = write(tmp_path / "h.csv", ["DT,RV5"])
    with pytest.raises(ValueError, match="h.csv has a header but no data rows"):
        read_realized_library(header_only)
    spy = write(tmp_path / "s.csv", ["DT,RV5", "2010-01-04,1e-4"])
    with pytest.raises(ValueError, match="symbol='SPY' given but .*s.csv has no symbol column"):
        read_realized_library(spy, symbol="SPY")
    with pytest.raises(ValueError, match="is not a file"):
        read_realized_library(tmp_path / "missing.csv")
    with pytest.raises(TypeError, match="path must be a str"):
        read_realized_library(3)
