"""The study's inputs: find and read each asset's data, and build its daily table.

An asset is either *intraday* (minute bars, read by :func:`skvol.data.read_bars` and
turned into a panel of intraday returns by :func:`skvol.data.intraday_panel`) or
*daily* (a file of daily realized measures such as the Oxford-Man Realized Library, read
by :func:`skvol.data.read_realized_library`): many users start from daily measures, and
the study then forecasts from them directly (it cannot count intraday jumps).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from skvol.data import (
    ASSET_MODELS,
    download_kaggle,
    is_daily_measures_file,
    kaggle_asset_paths,
    read_bars,
    read_daily_measures,
    session_for_asset,
    simulate_market,
)
from skvol.study._config import StudyConfig, check_asset_name

logger = logging.getLogger("skvol.study")


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
                session=config.sessions.get(asset, market.sessions[asset]),
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
        if is_daily_measures_file(path):
            daily = read_daily_measures(path, asset)
            inputs[asset] = AssetInput(name=asset, kind="daily", source=str(path), daily=daily)
        else:
            session = session_for_asset(asset, config.sessions)
            inputs[asset] = AssetInput(
                name=asset, kind="intraday", source=str(path), session=session, bars=read_bars(path)
            )
    return inputs
