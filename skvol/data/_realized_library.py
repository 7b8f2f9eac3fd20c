"""Read daily realized-measure files (Oxford-Man Realized Library, R highfrequency layout)."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

_LAYOUTS = {
    "oxford-man": "header starting 'date,symbol,...' (Oxford-Man Realized Library)",
    "highfrequency": "header starting 'DT,...' (R package highfrequency, e.g. DT,RV1,RV5,...)",
}
_SIGNED = frozenset({"open_to_close"})
"""Columns that are returns and may be negative; every other measure must be >= 0."""
_MISSING = frozenset({"", "na", "nan"})
_DATE = (
    r"^(?P<day>\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)


def read_realized_library(path: str | os.PathLike, symbol: str | None = None) -> pd.DataFrame:
    """Read a file of daily realized measures into a date-indexed float64 frame.

    Two layouts are recognised from the header (never from the file name): the Oxford-Man
    Realized Library (``date,symbol,open_to_close,rv5,bv,medrv,rk_parzen,...``, one row
    per symbol and day) and the R package highfrequency's SPY file
    (``DT,RV1,RV5,BPV1,...``, one symbol).

    Parameters
    ----------
    path : str or path-like
        The CSV file (plain text).
    symbol : str or None, default=None
        For a file with a ``symbol`` column: the symbol to keep, with or without the
        leading dot (``"SPX"`` or ``".SPX"``). None is allowed when the file holds a
        single symbol. Must be None for a file without a ``symbol`` column.

    Returns
    -------
    measures : pandas.DataFrame
        Indexed by a tz-naive ``DatetimeIndex`` named ``"date"`` holding the session dates
        as written in the file (a time of day or UTC offset after the date is ignored),
        strictly increasing. One float64 column per measure, names lower-cased (``rv5``,
        ``bv``, ``medrv1``, ``close``, ...); the ``symbol`` column is removed and its value
        kept in ``measures.attrs["symbol"]``. Units are the source's: variances (``rv*``,
        ``bv*``, ``bpv*``, ``medrv*``, ``rk*``, ``rsv*``) are daily sums of squared log
        returns (0.0001 is a daily volatility of 1%, the convention of ``docs/design.md``),
        ``open_to_close`` is a log return, prices are in index points or dollars,
        ``nobs`` is a count and ``open_time``/``close_time`` are clock times written as
        HHMMSS numbers. Quarticities (``rq*``) are as the source computed them.
        Empty, ``NA`` or ``NaN`` fields are missing measures and become NaN (their count
        is logged).

    Raises
    ------
    ValueError
        Naming the file, the 1-based line and the column: an unreadable date or number,
        an infinite value, a negative value in a column other than ``open_to_close``,
        a wrong number of fields, dates not strictly increasing; also for an empty file,
        an unknown layout (listing the known ones) or a symbol that is absent or needed.
    TypeError
        If ``path`` is not a string or path-like.

    Examples
    --------
    >>> from skvol.data import read_realized_library
    >>> spx = read_realized_library(
    ...     "../shared/data/spx_oxfordman/spx_realized_library_2000_2017.csv"
    ... )  # doctest: +SKIP
    >>> float(spx["rv5"].iloc[0])  # doctest: +SKIP
    0.000140814843656457
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    if symbol is not None and not isinstance(symbol, str):
        raise TypeError(f"symbol must be a str or None, got {type(symbol).__name__}")
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    text = path.read_text(encoding="utf-8-sig", errors="replace").rstrip()
    if not text:
        raise ValueError(f"{path} is empty")
    header = [c.strip().strip('"') for c in text.split("\n", 1)[0].rstrip("\r").split(",")]
    names = [c.lower() for c in header]
    if names[:2] == ["date", "symbol"]:
        layout = "oxford-man"
    elif names[0] == "dt":
        layout = "highfrequency"
    else:
        known = "; ".join(f"{k}: {v}" for k, v in _LAYOUTS.items())
        raise ValueError(
            f"{path}, line 1: cannot recognise the layout of header {','.join(header)[:80]!r}; "
            f"known layouts: {known}"
        )
    repeated = sorted({c for c in names if names.count(c) > 1})
    if repeated:
        raise ValueError(f"{path}, line 1: repeated column names {repeated}")
    _check_field_counts(path, text, len(names))

    table = pd.read_csv(
        io.StringIO(text),
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=False,
        header=0,
        names=names,
        index_col=False,
        on_bad_lines="error",
        engine="c",
    )
    if table.empty:
        raise ValueError(f"{path} has a header but no data rows")
    lines = np.arange(len(table)) + 2

    if layout == "oxford-man":
        table, lines, symbol = _select_symbol(path, table, lines, symbol)
    elif symbol is not None:
        raise ValueError(f"symbol={symbol!r} given but {path} has no symbol column")

    dates = _parse_dates(path, table[names[0]], lines, names[0])
    values = {c: _parse_numbers(path, table[c], lines, c) for c in table.columns[1:]}
    steps = np.diff(dates.asi8)
    bad = np.flatnonzero(steps <= 0)
    if bad.size:
        r = int(bad[0]) + 1
        raise ValueError(
            f"{path}, line {lines[r]}: date {dates[r].date()} does not come after "
            f"{dates[r - 1].date()} on line {lines[r - 1]} (dates must be strictly increasing)"
        )
    measures = pd.DataFrame(values, index=pd.DatetimeIndex(dates, name="date"))
    n_missing = int(measures.isna().to_numpy().sum())
    if n_missing:
        logger.info("%s: %d missing measure value(s) read as NaN", path, n_missing)
    measures.attrs.update(layout=layout, symbol=symbol, file=str(path))
    return measures


def _check_field_counts(path: Path, text: str, n_fields: int) -> None:
    """Every line has ``n_fields`` comma-separated fields and none is empty (vectorised)."""
    lines = pd.Series(text.split("\n")).str.rstrip("\r")
    blank = np.flatnonzero((lines.str.strip() == "").to_numpy())
    if blank.size:
        raise ValueError(f"{path}, line {blank[0] + 1}: the line is empty")
    counts = (lines.str.count(",") + 1).to_numpy()
    wrong = np.flatnonzero(counts != n_fields)
    if wrong.size:
        r = int(wrong[0])
        raise ValueError(
            f"{path}, line {r + 1}: {counts[r]} fields, expected {n_fields} as in the header: "
            f"{lines[r][:80]!r}"
        )


def _select_symbol(path, table, lines, symbol):
    symbols = table["symbol"].str.strip()
    available = list(dict.fromkeys(symbols))
    if symbol is None:
        if len(available) > 1:
            raise ValueError(
                f"{path} holds several symbols {available[:10]}; pass symbol= to choose one"
            )
        chosen = available[0]
    else:
        candidates = {symbol, "." + symbol.lstrip(".")}
        matches = [s for s in available if s in candidates]
        if not matches:
            raise ValueError(f"symbol={symbol!r} is not in {path}; it holds {available[:10]}")
        chosen = matches[0]
    keep = (symbols == chosen).to_numpy()
    table = table.loc[keep].drop(columns="symbol").reset_index(drop=True)
    return table, lines[keep], chosen


def _parse_dates(path, column: pd.Series, lines, name) -> pd.DatetimeIndex:
    day = column.str.strip().str.extract(_DATE, expand=True)["day"]
    parsed = pd.to_datetime(day, format="%Y-%m-%d", errors="coerce")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        r = int(bad[0])
        raise ValueError(
            f"{path}, line {lines[r]}, column {name!r}: cannot read {column.iloc[r]!r} as a "
            "date (expected YYYY-MM-DD)"
        )
    return pd.DatetimeIndex(parsed).as_unit("ns")


def _parse_numbers(path, column: pd.Series, lines, name) -> np.ndarray:
    text = column.str.strip()
    missing = text.str.lower().isin(_MISSING).to_numpy()
    filled = text.where(~missing, "nan").to_numpy(dtype=str)
    try:
        # numpy parses decimal strings with correct rounding (pandas' fast parser may not)
        values = filled.astype(np.float64)
    except ValueError:
        coerced = pd.to_numeric(pd.Series(filled), errors="coerce").to_numpy(dtype=np.float64)
        r = int(np.flatnonzero(np.isnan(coerced) & ~missing)[0])
        raise ValueError(
            f"{path}, line {lines[r]}, column {name!r}: cannot read {text.iloc[r]!r} as a number"
        ) from None
    infinite = np.flatnonzero(np.isinf(values))
    if infinite.size:
        r = int(infinite[0])
        raise ValueError(
            f"{path}, line {lines[r]}, column {name!r}: {text.iloc[r]!r} is not finite"
        )
    if name not in _SIGNED:
        negative = np.flatnonzero(values < 0)
        if negative.size:
            r = int(negative[0])
            raise ValueError(
                f"{path}, line {lines[r]}, column {name!r}: {text.iloc[r]} is negative; "
                f"only {sorted(_SIGNED)} may be"
            )
    return values
