"""Files of daily realized measures turned into skvol's daily-measures frame.

Many users start from daily measures (the Oxford-Man Realized Library, R highfrequency's
SPY sample) rather than minute bars. :func:`read_daily_measures` gives such a file the
same column names as :class:`skvol.features.DailyMeasures` gives minute bars
(``"<asset>__rv"``, ``"__bv"``, ``"__rs_neg"``, ``"__rs_pos"``, ``"__ret"``), so both
sources feed the same targets and models.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from skvol.data._realized_library import read_realized_library

#: Column names that mark a file of daily realized measures (case-insensitive header).
DAILY_MARKERS = frozenset({"rv5", "rv5_ss", "rk_parzen", "open_to_close", "bv_ss", "medrv"})

#: Where each measure comes from, first match wins (Oxford-Man, then highfrequency's SPY),
#: and the downside semivariance that shares its sampling grid.
DAILY_SOURCES = {
    "rv": ("rv5", "rv5_ss", "rv1"),
    "bv": ("bv", "bv_ss", "bpv5", "bpv1"),
}
_SEMIVARIANCE_OF = {"rv5": "rsv", "rv5_ss": "rsv_ss"}


def first_line(path: Path) -> str:
    """The first line of a plain or gzipped text file; a clear error for a corrupt one."""
    with path.open("rb") as handle:
        magic = handle.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            return handle.readline()
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{path}: cannot read the file ({exc})") from None


def is_daily_measures_file(path) -> bool:
    """Whether ``path`` is a file of daily realized measures (judged by its header)."""
    path = Path(path)
    if not path.is_file():
        return False
    header = {c.strip().strip('"').lower() for c in first_line(path).split(",")}
    return bool(header & DAILY_MARKERS)


def realized_library_measures(asset: str, measures: pd.DataFrame, source: str) -> pd.DataFrame:
    """Daily realized measures renamed to the daily-measures frame's ``"<asset>__rv"``, ...

    ``rv``: 5-minute realized variance (``rv5``; ``rv5_ss``, ``rv1`` if that is what there
    is); ``bv``: bipower variation; ``rs_neg``: the downside semivariance on the same grid
    as ``rv`` (``rsv`` with ``rv5``, ``rsv_ss`` with ``rv5_ss``) when the file has it, and
    then ``rs_pos = rv - rs_neg`` (on one grid the two semivariances add up to the realized
    variance, Barndorff-Nielsen, Kinnebrock & Shephard, 2010); ``ret``: the open-to-close
    log return (``open_to_close``) or, for a file with only a closing price, the
    close-to-close log return (which includes the overnight move; its first day is
    dropped). A file of daily measures has no intraday jumps, so no ``jumps`` column.

    Parameters
    ----------
    asset : str
        The column prefix.
    measures : DataFrame
        As returned by :func:`read_realized_library` (one row per date).
    source : str
        Named in error messages (the file).

    Returns
    -------
    DataFrame
        Indexed by date (``"date"``), decimal units.

    Raises
    ------
    ValueError
        For a missing measure, a value that is missing or not finite, or a variance that
        is not positive, naming the file, column and date.
    """
    columns = set(measures.columns)
    frame = {}
    for ours, candidates in DAILY_SOURCES.items():
        found = next((c for c in candidates if c in columns), None)
        if found is None:
            raise ValueError(
                f"{source}: the daily measures lack a {ours} column (one of {list(candidates)}); "
                f"found {sorted(columns)}"
            )
        frame[f"{asset}__{ours}"] = measures[found].to_numpy(dtype=float)
        if ours == "rv":
            semi = _SEMIVARIANCE_OF.get(found)
    if semi is not None and semi in columns:
        rs_neg = measures[semi].to_numpy(dtype=float)
        frame[f"{asset}__rs_neg"] = rs_neg
        frame[f"{asset}__rs_pos"] = frame[f"{asset}__rv"] - rs_neg
    if "open_to_close" in columns:
        frame[f"{asset}__ret"] = measures["open_to_close"].to_numpy(dtype=float)
    elif "close" in columns:
        frame[f"{asset}__ret"] = np.log(measures["close"].to_numpy(dtype=float))
    else:
        raise ValueError(
            f"{source}: the daily measures have neither 'open_to_close' nor 'close' for the "
            "daily return"
        )
    out = pd.DataFrame(frame, index=pd.DatetimeIndex(measures.index, name="date"))
    if "open_to_close" not in columns:
        out[f"{asset}__ret"] = out[f"{asset}__ret"].diff()
        out = out.iloc[1:]
    values = out.to_numpy()
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(
            f"{source}: {out.columns[col]!r} is missing or not finite on {out.index[row].date()}"
        )
    variances = out.drop(columns=f"{asset}__ret")
    bad = (variances.to_numpy() < 0) | ((variances.columns == f"{asset}__rv") & (variances <= 0))
    if np.asarray(bad).any():
        row, col = np.argwhere(np.asarray(bad))[0]
        raise ValueError(
            f"{source}: {variances.columns[col]!r} is {float(variances.iloc[row, col])!r} on "
            f"{out.index[row].date()}; variances must be >= 0 and the realized variance > 0 "
            "(models take its log)"
        )
    return out


def read_daily_measures(path, asset: str) -> pd.DataFrame:
    """Read a file of daily realized measures as a daily-measures frame.

    :func:`read_realized_library` followed by :func:`realized_library_measures`.

    Parameters
    ----------
    path : str or Path
        An Oxford-Man Realized Library CSV (one symbol) or a file of the same layout.
    asset : str
        The column prefix (e.g. ``"SPX"``).

    Returns
    -------
    DataFrame
        Columns ``"<asset>__rv"``, ``"__bv"``, ``"__rs_neg"``, ``"__rs_pos"`` (when the file
        has a semivariance) and ``"__ret"``, one row per trading date.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skvol.data import read_daily_measures
    >>> text = "date,symbol,rv5,bv,rsv,open_to_close\\n"
    >>> text += "2017-01-03,.SPX,1e-4,9e-5,6e-5,0.002\\n2017-01-04,.SPX,2e-4,2e-4,5e-5,-0.01\\n"
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "spx.csv"
    >>> _ = path.write_text(text)
    >>> read_daily_measures(path, "SPX").columns.tolist()
    ['SPX__rv', 'SPX__bv', 'SPX__rs_neg', 'SPX__rs_pos', 'SPX__ret']
    """
    return realized_library_measures(asset, read_realized_library(path), str(path))
