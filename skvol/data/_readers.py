"""Read minute-bar files (HistData, Oanda, Bitstamp, generic CSV) into validated UTC bars.

The public entry point is :func:`read_bars`. Each file is parsed by pyarrow's CSV reader
(single-threaded, typed columns) and checked with vectorised numpy; only when that fast
pass finds a problem is the file re-read line by line (still vectorised, with pandas
string methods) to name the first offending line.
"""

from __future__ import annotations

import calendar
import gzip
import io
import logging
import os
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

logger = logging.getLogger(__name__)

FORMATS = ("histdata", "oanda", "bitstamp", "csv")
"""File formats :func:`read_bars` understands (plus ``"auto"``)."""

_LAYOUTS = {
    "histdata": "no header, ';'-separated 'YYYYMMDD HHMMSS;open;high;low;close;volume' "
    "(HistData ASCII M1, New York wall clock, bar start)",
    "oanda": "header 'time,close,high,low,open,volume' (UTC, bar start)",
    "bitstamp": "header 'date,open,high,low,close' (UTC, bar start)",
    "csv": "header with one time column (timestamp, datetime, time or date) and "
    "open,high,low,close[,volume] or price[,volume] (timestamps mark the bar end)",
}
_ORDER_HISTDATA = ("time", "open", "high", "low", "close", "volume")
_HEADER_OANDA = ("time", "close", "high", "low", "open", "volume")
_HEADER_BITSTAMP = ("date", "open", "high", "low", "close")
_TIME_NAMES = ("timestamp", "datetime", "time", "date")
_OHLC = ("open", "high", "low", "close")
_UTC = pd.DatetimeTZDtype("ns", "UTC")
_BAR_START_FORMATS = ("histdata", "oanda", "bitstamp")
# The clock of HistData stamps, measured from the data (docs/data.md): New York wall time.
_HISTDATA_TZ = "America/New_York"
# The generic csv's open may be the previous bar's close (BitMEX), so only its close is
# held to [low, high]; these sources' open is the bar's first price.
_OPEN_IN_RANGE_FORMATS = ("histdata", "oanda", "bitstamp")
_NS_PER_SECOND = 10**9
_NS_PER_DAY = 86_400 * _NS_PER_SECOND
_BOM = b"\xef\xbb\xbf"
_NON_SPACE = re.compile(rb"\S")
_HISTDATA_LINE = re.compile(r"^\d{8} \d{6};")
_HISTDATA_STAMP = r"^[0-9]{8} [0-9]{6}$"
# Instrument symbols carried by the sources' file names (HistData, Oanda).
_SYMBOL_IN_NAME = (
    re.compile(r"^DAT_ASCII_(?P<symbol>[A-Za-z0-9]+)_M1_\d{4}"),
    re.compile(r"^oanda-(?P<symbol>[A-Za-z0-9_]+)-\d{4}-\d{1,2}\b"),
)
_ISO_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?P<zone>Z|[+-]\d{2}:?\d{2})?$"
)


@dataclass(frozen=True)
class _Source:
    """One file's bytes (decompressed), the name used in error messages, and the instrument
    symbol its file name carries (HistData and Oanda names do; None otherwise)."""

    name: str
    data: bytes
    symbol: str | None = None


@dataclass(frozen=True)
class _Spec:
    """How to read one file: delimiter, header, and which field holds what."""

    fmt: str
    delimiter: str
    n_header: int
    n_fields: int
    time_field: int
    fields: dict[str, int]
    ignored: tuple[str, ...] = ()


@dataclass
class _Parsed:
    """The parsed rows of one file: int64 nanosecond times (UTC, as stamped) and values."""

    name: str
    times: np.ndarray
    values: np.ndarray
    columns: tuple[str, ...]
    n_header: int
    ignored: tuple[str, ...] = ()
    tz: str | None = None


def read_bars(
    path: str | os.PathLike,
    format: str = "auto",
    tz: str | None = None,
    bar_length: str | pd.Timedelta | None = None,
) -> pd.DataFrame:
    """Read minute bars from one file, an archive or a directory into a validated frame.

    Parameters
    ----------
    path : str or path-like
        A file (plain, gzip or zip, recognised from its first bytes, not its name) or a
        directory. A directory is read recursively: every file in it (hidden files and
        folders, whose names start with ``"."``, and ``__MACOSX`` folders excepted) is a
        file of the same instrument. A zip archive's members are read the same way.
        Files whose names carry an instrument symbol (HistData's
        ``DAT_ASCII_<SYMBOL>_M1_...``, Oanda's ``oanda-<PAIR>-...``) must all carry the
        same one.
    format : {"auto", "histdata", "oanda", "bitstamp", "csv"}, default="auto"
        The layout of the files (see ``docs/data.md``). ``"auto"`` detects it from each
        file's first line, never from the file name; all files must share one format.
    tz : str or None, default=None
        The clock of naive timestamps, an IANA time zone name, for generic ``"csv"`` and
        ``"histdata"`` files. None means the format's own: UTC for ``"csv"``, and
        ``"America/New_York"`` (New York wall time, with daylight saving) for
        ``"histdata"``, as measured from the files' weekly open and close (``docs/data.md``);
        ``tz="EST"`` reads HistData's documented fixed UTC-5 instead. Timestamps that
        carry a UTC offset (``Z``, ``-04:00``) are converted with their own offset, and
        giving ``tz`` for them is an error, as is giving it for the oanda and bitstamp
        formats, whose clock is UTC.
    bar_length : str, Timedelta or None, default=None
        Length of one bar, for the formats that stamp the bar's start (histdata, oanda,
        bitstamp): their timestamps are moved forward by it so that the index marks the
        bar's end. None infers it as the most frequent (modal) spacing between
        consecutive timestamps, logged at INFO level. Generic ``"csv"`` timestamps are
        taken as bar ends (or, for ``price`` files, the time of the price) and are not
        shifted, so ``bar_length`` must be None for them.

    Returns
    -------
    bars : pandas.DataFrame
        Indexed by a sorted, unique UTC ``DatetimeIndex`` (nanosecond resolution) named
        ``"timestamp"`` marking when ``close`` was observed. Float64 columns ``open, high,
        low, close`` (plus ``volume`` where the source records it: oanda and csv files
        with a ``volume`` column). A csv file with a single ``price`` column gives the
        column ``close`` only (plus ``volume``): a last price carries no open, high or low.
        HistData's volume field is always 0 (not recorded) and is not returned.
        ``bars.attrs`` holds ``"format"``, ``"files"`` (names in time order),
        ``"duplicates_dropped"`` (exact duplicate rows removed), ``"bar_length"`` (the
        shift applied, a Timedelta, or None), ``"ignored_columns"`` and ``"tz"`` (the
        clock naive stamps were read in; None when the stamps carry UTC offsets).

    Raises
    ------
    ValueError
        Naming the file and the 1-based line for unparseable lines, wrong field counts,
        impossible dates and times (``20170230``, second ``61``), non-finite or
        non-positive prices, negative volumes, ``high < low``, ``close`` (and, except in
        generic csv files, ``open``) outside ``[low, high]``, timestamps going backwards
        within a file, and two rows with the same time but different values; a failing
        last line without a newline is reported as a truncated file. Also for an empty
        or corrupt (gzip, zip) file, an empty directory, a format that cannot be detected
        or does not fit the file (listing the known layouts), files of different
        instruments and contradicting parameters.
    TypeError
        If ``path`` is not a string or path-like.

    Warns
    -----
    UserWarning
        When files overlap in time; they are merged (exact duplicates dropped).

    Examples
    --------
    >>> from skvol.data import read_bars
    >>> bars = read_bars("../shared/data/eurusd_histdata")  # doctest: +SKIP
    >>> bars.index[0]  # doctest: +SKIP
    Timestamp('2017-01-02 07:01:00+0000', tz='UTC')
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    if format != "auto" and format not in FORMATS:
        raise ValueError(f"format={format!r} is not one of {('auto', *FORMATS)}")
    _check_tz(tz)
    shift = _check_bar_length(bar_length)

    fmt = format if format != "auto" else None
    parsed: list[_Parsed] = []
    named: _Source | None = None
    clock: str | None = None
    for source in _read_sources(Path(path)):
        if source.symbol is not None:
            named = named or source
            if source.symbol != named.symbol:
                raise ValueError(
                    f"{source.name} is named for instrument {source.symbol!r} but "
                    f"{named.name} for {named.symbol!r}: one input holds one instrument's "
                    "files; read each instrument separately"
                )
        spec = _spec_for(source, format)
        if fmt is None:
            fmt = spec.fmt
        elif spec.fmt != fmt:
            raise ValueError(
                f"{source.name} looks like a {spec.fmt!r} file but {parsed[0].name} is "
                f"{fmt!r}: one instrument's files must share one format"
            )
        if tz is not None and fmt not in ("csv", "histdata"):
            raise ValueError(
                f"tz={tz!r} applies only to naive timestamps of generic 'csv' and 'histdata' "
                f"files; {source.name} is {fmt!r} whose clock is UTC ({_LAYOUTS[fmt]})"
            )
        if shift is not None and fmt not in _BAR_START_FORMATS:
            raise ValueError(
                f"bar_length={bar_length!r} applies only to formats that stamp the bar start "
                f"{_BAR_START_FORMATS}; {source.name} is {fmt!r}, whose timestamps are "
                "taken as bar ends: leave bar_length=None"
            )
        parsed.append(_parse(source, spec, tz))
        clock = clock or parsed[-1].tz
    columns = parsed[0].columns
    for p in parsed[1:]:
        if p.columns != columns:
            raise ValueError(
                f"{p.name} has columns {list(p.columns)} but {parsed[0].name} has "
                f"{list(columns)}: one instrument's files must share one layout"
            )

    times, values, names, n_dropped = _merge(parsed)
    if fmt in _BAR_START_FORMATS:
        shift = _modal_spacing(times, names) if shift is None else shift
        times = times + np.int64(shift.value)
    index = pd.DatetimeIndex(times.view("datetime64[ns]"), dtype=_UTC, name="timestamp")
    bars = pd.DataFrame(values.T, index=index, columns=list(columns), copy=False)
    ignored = sorted({c for p in parsed for c in p.ignored})
    bars.attrs.update(
        format=fmt,
        files=names,
        duplicates_dropped=n_dropped,
        bar_length=shift if fmt in _BAR_START_FORMATS else None,
        ignored_columns=ignored,
        tz=clock,
    )
    logger.info("read %d %s bars from %d file(s)", len(bars), fmt, len(names))
    return bars


def _check_tz(tz) -> None:
    if tz is None:
        return
    if not isinstance(tz, str):
        raise TypeError(
            f"tz must be a time zone name such as 'America/New_York' or None, got {tz!r}"
        )
    try:
        pd.Timestamp("2000-01-01").tz_localize(tz)
    except Exception as exc:
        raise ValueError(f"tz={tz!r} is not a known time zone name") from exc


def _check_bar_length(bar_length) -> pd.Timedelta | None:
    if bar_length is None:
        return None
    try:
        shift = pd.Timedelta(bar_length)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bar_length={bar_length!r} is not a time span such as '1min'") from exc
    if pd.isna(shift) or shift <= pd.Timedelta(0):
        raise ValueError(f"bar_length={bar_length!r} must be a positive time span")
    return shift


# --------------------------------------------------------------------------- sources


def _is_hidden(parts) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _read_sources(path: Path) -> Iterator[_Source]:
    """Decompressed bytes of every file under ``path`` (a file, archive or directory).

    Files are yielded one at a time, so only one file's bytes are held in memory.
    """
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and not _is_hidden(p.relative_to(path).parts)
        )
        if not files:
            raise ValueError(f"directory {path} holds no data files")
    elif path.is_file():
        files = [path]
    else:
        raise ValueError(f"{path} does not exist")
    for file in files:
        yield from _open(file)


def _symbol(name: str) -> str | None:
    """The instrument symbol a HistData or Oanda file name carries, upper case, or None."""
    for pattern in _SYMBOL_IN_NAME:
        match = pattern.match(name)
        if match:
            return match["symbol"].upper()
    return None


def _open(file: Path) -> list[_Source]:
    raw = file.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return [_Source(str(file), gzip.decompress(raw), _symbol(file.name))]
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{file} starts like gzip but cannot be decompressed: {exc}") from exc
    if raw[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                members = sorted(
                    info.filename
                    for info in archive.infolist()
                    if not info.is_dir() and not _is_hidden(Path(info.filename).parts)
                )
                if not members:
                    raise ValueError(f"zip archive {file} holds no data files")
                return [
                    _Source(f"{file}:{m}", archive.read(m), _symbol(Path(m).name)) for m in members
                ]
        except (zipfile.BadZipFile, zlib.error) as exc:
            raise ValueError(f"{file} starts like a zip archive but cannot be read: {exc}") from exc
    return [_Source(str(file), raw, _symbol(file.name))]


# --------------------------------------------------------------------------- detection


def _first_line(source: _Source) -> str:
    data = source.data
    start = len(_BOM) if data.startswith(_BOM) else 0
    if _NON_SPACE.search(data, start) is None:
        raise ValueError(f"{source.name} is empty")
    end = data.find(b"\n", start)
    line = data[start : end if end >= 0 else len(data)].rstrip(b"\r")
    return line.decode("utf-8", errors="replace")


def _header(line: str) -> tuple[str, ...]:
    return tuple(c.strip().strip('"').strip().lower() for c in line.split(","))


def _recognise(line: str) -> str | None:
    """The format a file's first line is written in, or None."""
    if _HISTDATA_LINE.match(line):
        return "histdata"
    header = _header(line)
    if header == _HEADER_OANDA:
        return "oanda"
    if header == _HEADER_BITSTAMP:
        return "bitstamp"
    names = set(header)
    if names & set(_TIME_NAMES) and (set(_OHLC) <= names or "price" in names):
        return "csv"
    return None


def _known_layouts() -> str:
    return "\n".join(f"  {name}: {layout}" for name, layout in _LAYOUTS.items())


def _spec_for(source: _Source, format: str) -> _Spec:
    line = _first_line(source)
    seen = _recognise(line)
    if format == "auto":
        if seen is None:
            raise ValueError(
                f"cannot detect the format of {source.name} from its first line "
                f"{line[:80]!r}; known formats:\n{_known_layouts()}\n"
                "pass format=... if the file is one of them"
            )
        return _spec(source, line, seen)
    try:
        return _spec(source, line, format)
    except ValueError as exc:
        if seen is None or seen == format:
            raise
        raise ValueError(
            f"{exc}; the first line looks like a {seen!r} file: pass format={seen!r} or "
            "format='auto'"
        ) from None


def _spec(source: _Source, line: str, fmt: str) -> _Spec:
    if fmt == "histdata":
        if not _HISTDATA_LINE.match(line):
            raise ValueError(
                f"{source.name}, line 1: {line[:80]!r} does not fit format='histdata', "
                f"which expects {_LAYOUTS['histdata']}"
            )
        return _Spec(
            "histdata", ";", 0, 6, 0, {c: i for i, c in enumerate(_ORDER_HISTDATA[1:5], 1)}
        )
    header = _header(line)
    if fmt in ("oanda", "bitstamp"):
        expected = _HEADER_OANDA if fmt == "oanda" else _HEADER_BITSTAMP
        if header != expected:
            raise ValueError(
                f"{source.name}, line 1: header {line[:80]!r} is not the {fmt} header "
                f"{','.join(expected)!r}"
            )
        fields = {c: header.index(c) for c in _OHLC}
        if fmt == "oanda":
            fields["volume"] = header.index("volume")
        return _Spec(fmt, ",", 1, len(header), 0, fields)
    return _csv_spec(source, line, header)


def _csv_spec(source: _Source, line: str, header: tuple[str, ...]) -> _Spec:
    where = f"{source.name}, line 1 (header {line[:80]!r})"
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise ValueError(f"{where}: repeated column names {repeated}")
    time_cols = [c for c in header if c in _TIME_NAMES]
    if len(time_cols) != 1:
        raise ValueError(
            f"{where}: expected exactly one time column named one of {_TIME_NAMES}, "
            f"found {time_cols}"
        )
    present = [c for c in _OHLC if c in header]
    if present and "price" in header:
        raise ValueError(f"{where}: has both 'price' and {present}; keep one kind of price")
    if "price" in header:
        outputs = ["close"]
        fields = {"close": header.index("price")}
    elif len(present) == len(_OHLC):
        outputs = list(_OHLC)
        fields = {c: header.index(c) for c in _OHLC}
    else:
        missing = [c for c in _OHLC if c not in header]
        raise ValueError(
            f"{where}: expected columns open, high, low, close or a single price column; "
            f"missing {missing}"
        )
    if "volume" in header:
        outputs.append("volume")
        fields["volume"] = header.index("volume")
    used = {time_cols[0], "price", *outputs}
    ignored = tuple(c for c in header if c not in used)
    if ignored:
        logger.info("%s: ignoring columns %s", source.name, list(ignored))
    return _Spec("csv", ",", 1, len(header), header.index(time_cols[0]), fields, ignored)


# --------------------------------------------------------------------------- parsing


def _body(data: bytes) -> tuple[int, int]:
    """Where the file's content lies, without a UTF-8 byte-order mark and trailing blank lines."""
    start = len(_BOM) if data.startswith(_BOM) else 0
    end = len(data)
    while end > start and data[end - 1 : end].isspace():
        end -= 1
    return start, end


def _cut_short(data: bytes) -> bool:
    """Whether the file ends without a newline, as a file cut while written or copied does."""
    end = len(data)
    while end and data[end - 1] in b" \t":  # no copy of the file, as rstrip would make
        end -= 1
    return end == 0 or data[end - 1] not in b"\r\n"


def _at_line(name: str, line: int, message: str, last: bool, cut_short: bool) -> str:
    if last and cut_short:
        message += (
            "; this is the last line and the file does not end with a newline: the file "
            "looks truncated (cut while it was written or copied)"
        )
    return f"{name}, line {line}: {message}"


def _parse(source: _Source, spec: _Spec, tz: str | None) -> _Parsed:
    """Parse one file with pyarrow and validate it; errors name the file and line."""
    start, end = _body(source.data)
    if spec.n_header and source.data.find(b"\n", start, end) < 0:
        raise ValueError(f"{source.name} has a header but no data rows")
    data = memoryview(source.data)[start:end]
    time_name = f"f{spec.time_field}"
    names = [f"f{i}" for i in range(spec.n_fields)]
    column_types = {f"f{i}": pa.float64() for i in spec.fields.values()}
    column_types[time_name] = pa.string()
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pacsv.ReadOptions(
                use_threads=False, column_names=names, skip_rows=spec.n_header
            ),
            parse_options=pacsv.ParseOptions(delimiter=spec.delimiter, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=column_types,
                include_columns=[time_name, *(f"f{i}" for i in spec.fields.values())],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise _diagnose(source, spec, data, str(exc)) from None
    if table.num_rows == 0:
        raise ValueError(f"{source.name} has a header but no data rows")
    columns = tuple(spec.fields)
    values = np.empty((len(columns), table.num_rows), dtype=np.float64)
    for j, i in enumerate(spec.fields.values()):
        col = table.column(f"f{i}")
        if col.null_count:
            raise _diagnose(source, spec, data, "a value column holds empty or NaN fields")
        values[j] = col.to_numpy()
    time_col = table.column(time_name).combine_chunks()
    if spec.fmt == "histdata":
        clock = tz or _HISTDATA_TZ
        times = _localize(
            source, spec, _histdata_wall_ns(source, spec, data, time_col), time_col, clock
        )
    else:
        times, clock = _iso_times(source, spec, data, time_col, tz)
    _validate(source.name, spec, times, values, columns, _cut_short(source.data))
    return _Parsed(source.name, times, values, columns, spec.n_header, spec.ignored, clock)


_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _histdata_stamps(chars: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wall-clock int64 nanoseconds of ``YYYYMMDD HHMMSS`` stamps given as an (n, 15) byte array.

    Returns the times, which rows are well formed (15 characters, digits and one space) and
    which well-formed rows are impossible dates or times (30 February, second 61). The day
    number is Hinnant's ``days_from_civil`` (proleptic Gregorian calendar), in integers.
    """
    # One row per character position (reductions over a long axis are fast); the uint8
    # subtraction wraps below "0", so any character that is not a digit becomes > 9.
    digits = np.ascontiguousarray(chars.T) - np.uint8(ord("0"))
    formed = (np.delete(digits, 8, axis=0).max(axis=0) <= 9) & (chars[:, 8] == ord(" "))

    def number(first: int, last: int) -> np.ndarray:
        value = digits[first].astype(np.int64)
        for k in range(first + 1, last):  # at most four digits
            value = value * 10 + digits[k]
        return value

    year, month, day = number(0, 4), number(4, 6), number(6, 8)
    hour, minute, second = number(9, 11), number(11, 13), number(13, 15)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    valid_month = (month >= 1) & (month <= 12)
    month_days = _MONTH_DAYS[np.where(valid_month, month, 1) - 1] + (leap & (month == 2))
    impossible = formed & (
        ~valid_month | (day < 1) | (day > month_days) | (hour > 23) | (minute > 59) | (second > 59)
    )
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    days = era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468
    seconds = hour * 3600 + minute * 60 + second
    return days * _NS_PER_DAY + seconds * _NS_PER_SECOND, formed, impossible


def _histdata_wall_ns(source: _Source, spec: _Spec, data: memoryview, col: pa.Array) -> np.ndarray:
    """``YYYYMMDD HHMMSS`` stamps to int64 wall-clock nanoseconds; impossible dates are errors.

    Parsed digit by digit rather than with ``strptime``, which rolls 30 February over to
    2 March and second 61 into the next minute.
    """
    n = len(col)
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32, count=n + 1, offset=4 * col.offset)
    if not (np.diff(offsets) == 15).all():
        raise _diagnose(source, spec, data, "a timestamp is not 'YYYYMMDD HHMMSS'")
    chars = np.frombuffer(col.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    wall, formed, impossible = _histdata_stamps(chars.reshape(n, 15))
    if not formed.all() or impossible.any():
        raise _diagnose(source, spec, data, "a timestamp is not a possible date and time")
    return wall


def _impossible(stamp: str) -> str:
    """Why a well-formed ``YYYYMMDD HHMMSS`` stamp is not a date and time."""
    year, month, day = int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8])
    hour, minute, second = int(stamp[9:11]), int(stamp[11:13]), int(stamp[13:15])
    if not 1 <= month <= 12:
        return f"month {month} does not exist"
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return f"day {day} does not exist in {calendar.month_name[month]} {year}"
    if hour > 23:
        return f"hour {hour} does not exist"
    if minute > 59:
        return f"minute {minute} does not exist"
    return f"second {second} does not exist"


def _iso_times(
    source: _Source, spec: _Spec, data: memoryview, col: pa.Array, tz
) -> tuple[np.ndarray, str | None]:
    """ISO 8601 strings to int64 UTC nanoseconds and the clock of naive ones (None if aware)."""
    try:
        aware = col.cast(pa.timestamp("ns", tz="UTC"))
    except pa.ArrowInvalid:
        aware = None
    if aware is not None:
        if tz is not None:
            raise ValueError(
                f"{source.name}: timestamps carry UTC offsets (line {spec.n_header + 1}: "
                f"{col[0].as_py()!r}), so tz={tz!r} contradicts them; leave tz=None"
            )
        return aware.to_numpy().view(np.int64), None
    try:
        naive = col.cast(pa.timestamp("ns"))
    except pa.ArrowInvalid as exc:
        raise _diagnose(source, spec, data, str(exc)) from None
    clock = tz or "UTC"
    return _localize(source, spec, naive.to_numpy().view(np.int64), col, clock), clock


def _localize(source: _Source, spec: _Spec, wall: np.ndarray, col: pa.Array, tz: str) -> np.ndarray:
    """Wall-clock nanoseconds in ``tz`` to UTC; a time a clock change skips or repeats is an error."""
    if tz == "UTC":
        return wall
    local = pd.DatetimeIndex(wall.view("datetime64[ns]")).tz_localize(
        tz, ambiguous="NaT", nonexistent="NaT"
    )
    bad = np.flatnonzero(local.isna())
    if bad.size:
        r = int(bad[0])
        raise ValueError(
            f"{source.name}, line {spec.n_header + r + 1}: local time {col[r].as_py()!r} does "
            f"not exist or is ambiguous in tz={tz!r} (a daylight-saving change); "
            "write such files with UTC offsets"
        )
    return local.tz_convert("UTC").asi8


def _validate(name: str, spec: _Spec, times, values, columns, cut_short: bool) -> None:
    """Vectorised checks of one file's rows (``values`` is column-first); report the first bad line."""

    def first(mask) -> int | None:
        hits = np.flatnonzero(mask)
        return int(hits[0]) if hits.size else None

    bad_rows = []
    for j, column in enumerate(columns):
        v = values[j]
        r = first(~np.isfinite(v))
        if r is not None:
            bad_rows.append((r, f"column {column!r} is {float(v[r])}, expected a finite number"))
            continue
        r = first(v < 0) if column == "volume" else first(v <= 0)
        if r is not None:
            expected = "a volume >= 0" if column == "volume" else "a positive price"
            bad_rows.append((r, f"column {column!r} is {float(v[r])}, expected {expected}"))
    if "high" in columns and not bad_rows:
        h, lo = values[columns.index("high")], values[columns.index("low")]
        r = first(h < lo)
        if r is not None:
            bad_rows.append((r, f"high {float(h[r])} is below low {float(lo[r])}"))
        inside = ("open", "close") if spec.fmt in _OPEN_IN_RANGE_FORMATS else ("close",)
        for column in inside:
            v = values[columns.index(column)]
            r = first((v > h) | (v < lo))
            if r is not None:
                bad_rows.append(
                    (
                        r,
                        f"{column} {float(v[r])} is outside [low, high] = "
                        f"[{float(lo[r])}, {float(h[r])}]",
                    )
                )
    r = first(np.diff(times) < 0)
    if r is not None:
        t = pd.to_datetime(times[[r, r + 1]], unit="ns")
        bad_rows.append(
            (
                r + 1,
                f"timestamp {t[1]} is earlier than {t[0]} on line {spec.n_header + r + 1} "
                "(timestamps must not go backwards within a file; times shown in UTC)",
            )
        )
    if bad_rows:
        r, message = min(bad_rows, key=lambda p: p[0])
        raise ValueError(
            _at_line(name, spec.n_header + r + 1, message, r == times.size - 1, cut_short)
        )


def _diagnose(source: _Source, spec: _Spec, data: memoryview, reason: str) -> ValueError:
    """Find the first bad line of a file the fast parser rejected (vectorised, slow path)."""
    text = bytes(data).decode("utf-8", errors="replace")
    lines = pd.Series(text.split("\n")[spec.n_header :], dtype=object)
    lines = lines.str.rstrip("\r")
    offset = spec.n_header + 1
    problems: list[tuple[int, str]] = []

    empty = np.flatnonzero((lines.str.strip() == "").to_numpy())
    if empty.size:
        problems.append((int(empty[0]), "the line is empty"))
    parts = lines.str.split(spec.delimiter)
    counts = parts.str.len().to_numpy()
    wrong = np.flatnonzero((counts != spec.n_fields) & (lines.str.strip() != "").to_numpy())
    if wrong.size:
        r = int(wrong[0])
        problems.append(
            (
                r,
                f"{counts[r]} fields, expected {spec.n_fields} ({spec.fmt}: {_LAYOUTS[spec.fmt]}): "
                f"{lines[r][:80]!r}",
            )
        )
    ok = counts == spec.n_fields
    fields = parts.where(ok, pd.Series([[""] * spec.n_fields] * len(parts), index=parts.index))
    for name, i in spec.fields.items():
        text = fields.str[i].astype(object).str.strip()
        number = pd.to_numeric(text.where(ok, "0"), errors="coerce").to_numpy()
        bad = np.flatnonzero(np.isnan(number))
        if bad.size:
            r = int(bad[0])
            problems.append((r, f"column {name!r}: {text[r]!r} is not a finite number"))
    stamps = fields.str[spec.time_field].astype(object).str.strip().where(ok, None)
    problems.extend(_bad_times(stamps, spec))

    if not problems:
        return ValueError(f"{source.name} could not be read as {spec.fmt!r}: {reason}")
    r, message = min(problems, key=lambda p: p[0])
    return ValueError(
        _at_line(source.name, r + offset, message, r == len(lines) - 1, _cut_short(source.data))
    )


def _bad_times(stamps: pd.Series, spec: _Spec) -> list[tuple[int, str]]:
    valid = stamps.notna().to_numpy()
    if spec.fmt == "histdata":
        matched = stamps.str.match(_HISTDATA_STAMP).fillna(False).to_numpy(dtype=bool)
        unread = np.flatnonzero(valid & ~matched)
        if unread.size:
            r = int(unread[0])
            return [(r, f"cannot read timestamp {stamps[r]!r}, expected 'YYYYMMDD HHMMSS'")]
        good = np.flatnonzero(matched)
        chars = np.frombuffer("".join(stamps.iloc[good]).encode("ascii"), dtype=np.uint8)
        _, _, impossible = _histdata_stamps(chars.reshape(good.size, 15))
        if impossible.any():
            r = int(good[np.flatnonzero(impossible)[0]])
            return [(r, f"timestamp {stamps[r]!r} is impossible: {_impossible(stamps[r])}")]
        return []
    problems = []
    match = stamps.str.extract(_ISO_TIME.pattern, expand=True)
    matched = stamps.str.match(_ISO_TIME.pattern).fillna(False).to_numpy(dtype=bool)
    parsed = pd.to_datetime(stamps.where(matched), format="ISO8601", utc=True, errors="coerce")
    bad = np.flatnonzero(valid & (~matched | parsed.isna().to_numpy()))
    if bad.size:
        r = int(bad[0])
        problems.append((r, f"cannot read timestamp {stamps[r]!r}, expected ISO 8601"))
    zoned = match["zone"].notna().to_numpy()
    good = np.flatnonzero(valid & matched)
    if good.size:
        mixed = good[zoned[good] != zoned[good[0]]]
        if mixed.size:
            r, first = int(mixed[0]), int(good[0])
            kinds = (
                ("has a UTC offset", "has none") if zoned[r] else ("has none", "has a UTC offset")
            )
            problems.append(
                (
                    r,
                    f"timestamp {stamps[r]!r} {kinds[0]} but {stamps[first]!r} on line "
                    f"{first + spec.n_header + 1} {kinds[1]}: all timestamps of a file must "
                    "be either naive or carry offsets",
                )
            )
    return problems


# --------------------------------------------------------------------------- merging


def _merge(parsed: list[_Parsed]) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    """Concatenate files in time order; drop exact duplicate rows, reject conflicting ones."""
    parsed = sorted(parsed, key=lambda p: (int(p.times[0]), p.name))
    names = [p.name for p in parsed]
    latest = parsed[0]
    for p in parsed[1:]:
        if p.times[0] <= latest.times[-1]:
            warnings.warn(
                f"{p.name} overlaps {latest.name} in time; merging them (exact duplicate "
                "rows are dropped, conflicting ones are an error)",
                UserWarning,
                stacklevel=3,
            )
        if p.times[-1] > latest.times[-1]:
            latest = p
    times = np.concatenate([p.times for p in parsed])
    values = np.concatenate([p.values for p in parsed], axis=1)
    steps = np.diff(times)
    if (steps > 0).all():
        return times, values, names, 0
    order = np.argsort(times, kind="stable") if (steps < 0).any() else None
    if order is not None:
        times, values = times[order], values[:, order]
    same = np.flatnonzero(times[1:] == times[:-1])
    differ = np.flatnonzero(~(values[:, same] == values[:, same + 1]).all(axis=0))
    if differ.size:
        a, b = same[differ[0]], same[differ[0]] + 1
        if order is not None:
            a, b = order[a], order[b]
        where = [_locate(parsed, int(k)) for k in (a, b)]
        stamp = pd.Timestamp(int(times[same[differ[0]]]), unit="ns")
        raise ValueError(
            f"conflicting rows for the same time {stamp} (UTC, as stamped): {where[0]} and "
            f"{where[1]} hold different values"
        )
    keep = np.ones(times.size, dtype=bool)
    keep[same + 1] = False
    n_dropped = int(same.size)
    logger.info("dropped %d exact duplicate row(s)", n_dropped)
    return times[keep], values[:, keep], names, n_dropped


def _locate(parsed: list[_Parsed], k: int) -> str:
    """File and 1-based line of row ``k`` of the concatenation of ``parsed``."""
    ends = np.cumsum([p.times.size for p in parsed])
    f = int(np.searchsorted(ends, k, side="right"))
    start = int(ends[f - 1]) if f else 0
    return f"{parsed[f].name}, line {parsed[f].n_header + k - start + 1}"


def _modal_spacing(times: np.ndarray, names: list[str]) -> pd.Timedelta:
    steps = np.diff(times)
    steps = steps[steps > 0]
    if steps.size == 0:
        raise ValueError(
            f"cannot infer the bar length of {names[0]} from a single timestamp; "
            "pass bar_length (for example '1min')"
        )
    values, counts = np.unique(steps, return_counts=True)
    shift = pd.Timedelta(int(values[np.argmax(counts)]), unit="ns")
    logger.info(
        "bar length inferred as %s (modal spacing of %d timestamps); stamps moved to bar ends",
        shift,
        times.size,
    )
    return shift
