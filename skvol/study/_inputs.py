"""The study's inputs: find and read each asset's data, and build its daily table.

An asset is either *intraday* (minute bars, read by :func:`skvol.data.read_bars` and
turned into a panel of intraday returns by :func:`skvol.data.intraday_panel`) or
*daily* (a file of daily realized measures such as the Oxford-Man Realized Library, read
by :func:`skvol.data.read_realized_library`): many users start from daily measures, and
the study then forecasts from them directly (it cannot count intraday jumps).
"""

from __future__ import annotations

import gzip
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from skvol.data import (
    ASSET_MODELS,
    download_kaggle,
    kaggle_asset_paths,
    read_bars,
    read_realized_library,
    simulate_market,
)
from skvol.study._config import StudyConfig, check_asset_name, session_for

logger = logging.getLogger("skvol.study")

#: Column names that mark a file of daily realized measures (case-insensitive header).
_DAILY_MARKERS = frozenset({"rv5", "rv5_ss", "rk_parzen", "open_to_close", "bv_ss", "medrv"})


@dataclass
class AssetInput:
    """One asset's raw data as read.

    Attributes
    ----------
    name : str
        Asset name (the column prefix).
    kind : {"intraday", "daily"}
        Minute bars, or daily realized measures.
    source : str
        Where it came from (path, or "simulated").
    session : str or None
        Trading session of an intraday asset.
    bars : DataFrame or None
        Minute bars (intraday assets).
    daily : DataFrame or None
        Daily measures with skvol's feature names ``"<asset>__rv"`` ... (daily assets).
    truth : DataFrame or None
        Simulation ground truth per day (simulated market only).
    """

    name: str
    kind: str
    source: str
    session: str | None = None
    bars: pd.DataFrame | None = None
    daily: pd.DataFrame | None = None
    truth: pd.DataFrame | None = None


def _first_line(path: Path) -> str:
    with path.open("rb") as handle:
        magic = handle.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            return handle.readline()
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{path}: cannot read the file ({exc})") from None


def is_daily_measures(path: Path) -> bool:
    """Whether ``path`` is a file of daily realized measures (judged by its header)."""
    if not path.is_file():
        return False
    header = {c.strip().strip('"').lower() for c in _first_line(path).split(",")}
    return bool(header & _DAILY_MARKERS)


def _entry_name(path: Path) -> str:
    return path.name.split(".", 1)[0]


def _entries(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir() if not p.name.startswith((".", "_")) and p.name != "__MACOSX"
    )


def resolve_paths(config: StudyConfig) -> dict[str, Path]:
    """Map each asset of a file-based study to its file or folder.

    ``--assets NAME=PATH`` gives paths explicitly (relative to the ``--data`` folder when
    one is given). Otherwise the ``--data`` folder holds one entry (sub-folder or file)
    per asset, named by the asset (case-insensitive, extensions ignored); without
    ``--assets`` every entry is an asset.

    Raises
    ------
    ValueError
        For a missing or empty folder, an asset without an entry, or a missing path.
    """
    folder = None if config.data == "files" else Path(config.data)
    if folder is not None and not folder.exists():
        raise ValueError(f"--data {folder}: no such file or folder")
    if config.paths:
        paths = {
            name: (folder / p if folder is not None and not p.is_absolute() else p)
            for name, p in config.paths.items()
        }
        for name, p in paths.items():
            if not p.exists():
                raise ValueError(f"--assets {name}={p}: no such file or folder")
        return paths
    if folder is None:
        raise ValueError("give a --data folder or every asset as --assets NAME=PATH")
    if not folder.is_dir():
        raise ValueError(
            f"--data {folder} is a file; give a folder with one entry per asset, or name the "
            f"file with --assets NAME={folder}"
        )
    entries = _entries(folder)
    if not entries:
        raise ValueError(
            f"--data {folder}: the folder is empty (expected one file or sub-folder per asset)"
        )
    if not config.assets:
        return {check_asset_name(_entry_name(p)): p for p in entries}
    by_name: dict[str, list[Path]] = {}
    for p in entries:
        by_name.setdefault(_entry_name(p).lower(), []).append(p)
    paths = {}
    for asset in config.assets:
        found = by_name.get(asset.lower(), [])
        if not found:
            raise ValueError(
                f"unknown asset {asset!r}: no file or folder named {asset} in {folder} "
                f"(entries: {', '.join(p.name for p in entries)})"
            )
        if len(found) > 1:
            raise ValueError(
                f"asset {asset!r}: several entries in {folder}: {[p.name for p in found]}"
            )
        paths[asset] = found[0]
    return paths


#: Where each daily feature comes from, first match wins (Oxford-Man, then highfrequency's SPY).
DAILY_SOURCES = {
    "rv": ("rv5", "rv5_ss", "rv1"),
    "bv": ("bv", "bv_ss", "bpv5", "bpv1"),
    "rs_neg": ("rsv", "rsv_ss"),
}


def daily_measures_frame(asset: str, measures: pd.DataFrame, source: str) -> pd.DataFrame:
    """Daily measures renamed to skvol's feature names ``"<asset>__rv"``, ...

    ``rv``: 5-minute realized variance (``rv5``; ``rv1`` if that is all there is);
    ``bv``: bipower variation; ``rs_neg``: downside semivariance when the file has one;
    ``ret``: the open-to-close log return (``open_to_close``), or, for a file with only a
    closing price, the close-to-close log return (which includes the overnight move). Rows
    are the file's days; the first day of a close-to-close return is dropped.
    """
    columns = set(measures.columns)
    frame = {}
    for ours, candidates in DAILY_SOURCES.items():
        found = next((c for c in candidates if c in columns), None)
        if found is None and ours != "rs_neg":
            raise ValueError(
                f"{source}: the daily measures lack a {ours} column (one of {list(candidates)}); "
                f"found {sorted(columns)}"
            )
        if found is not None:
            frame[f"{asset}__{ours}"] = measures[found].to_numpy(dtype=float)
    if "open_to_close" in columns:
        frame[f"{asset}__ret"] = measures["open_to_close"].to_numpy(dtype=float)
    elif "close" in columns:
        frame[f"{asset}__ret"] = np.log(measures["close"].to_numpy(dtype=float))
    else:
        raise ValueError(
            f"{source}: the daily measures have neither 'open_to_close' nor 'close' for the daily return"
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
    variances = out.drop(columns=f"{asset}__ret").to_numpy()
    if (variances <= 0).any():
        row, col = np.argwhere(variances <= 0)[0]
        raise ValueError(
            f"{source}: a variance measure is not positive on {out.index[row].date()} "
            f"({out.drop(columns=f'{asset}__ret').columns[col]!r}); the study takes logs of it"
        )
    return out


def read_inputs(config: StudyConfig) -> dict[str, AssetInput]:
    """Read every asset of the study (the *read* stage)."""
    if config.data == "simulated":
        unknown = [a for a in config.assets if a not in ASSET_MODELS]
        if unknown:
            raise ValueError(
                f"unknown asset(s) {unknown} for --data simulated; the simulated market has "
                f"{sorted(ASSET_MODELS)}"
            )
        market = simulate_market(
            n_days=config.simulated_days,
            assets=config.assets,
            freq=config.simulated_freq,
            seed=config.seed,
        )
        return {
            asset: AssetInput(
                name=asset,
                kind="intraday",
                source=(
                    f"simulate_market(n_days={config.simulated_days}, "
                    f"freq={config.simulated_freq!r}, seed={config.seed})"
                ),
                session=session_for(asset, config.sessions),
                bars=market.bars[asset],
                truth=market.truth[asset],
            )
            for asset in config.assets
        }
    if config.data == "kaggle":
        available = kaggle_asset_paths(download_kaggle())
        unknown = [a for a in config.assets if a not in available]
        if unknown:
            raise ValueError(
                f"unknown asset(s) {unknown} for --data kaggle; the dataset provides {sorted(available)}"
            )
        paths = {a: available[a] for a in config.assets}
    else:
        paths = resolve_paths(config)
    inputs = {}
    for asset, path in paths.items():
        if is_daily_measures(path):
            daily = daily_measures_frame(asset, read_realized_library(path), str(path))
            inputs[asset] = AssetInput(name=asset, kind="daily", source=str(path), daily=daily)
        else:
            session = session_for(asset, config.sessions)
            inputs[asset] = AssetInput(
                name=asset, kind="intraday", source=str(path), session=session, bars=read_bars(path)
            )
    return inputs
