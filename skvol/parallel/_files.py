"""Daily features from many per-asset minute-bar files, one file at a time, in parallel.

The bars of a long history (years of minutes for several assets) need not fit in memory
at once: each file is read, turned into its intraday panel and transformed into daily
features on its own (a joblib task), and only the small daily results come back. A
session that straddles two files (an FX day rolling at 17:00 New York in a file cut at
midnight, or a day whose opening price is the previous file's last close) is rebuilt
from the bars on both sides of the cut, so the result equals what the whole history
processed at once gives.
"""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from skvol.data import Session, get_session, intraday_panel, read_bars

logger = logging.getLogger(__name__)

__all__ = ["daily_features_from_files"]

PathLike = str | os.PathLike


@dataclass
class _Chunk:
    """What one task sends back: daily features, and the bars of its two edge sessions."""

    asset: str
    path: str
    first: pd.Timestamp
    last: pd.Timestamp
    features: pd.DataFrame
    coverage: pd.Series
    edge_dates: pd.DatetimeIndex
    edge_bars: pd.DataFrame


def daily_features_from_files(
    files: Mapping[str, PathLike | Sequence[PathLike]],
    transformer,
    freq: str | pd.Timedelta = "5min",
    session: str | Session | Mapping[str, str | Session] = "24h",
    how: str = "inner",
    min_coverage: float = 0.8,
    read_options: Mapping | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Read, panel and transform minute-bar files one at a time (in parallel) into daily features.

    For each asset and each of its files, one joblib task runs ``read_bars(file)``,
    ``intraday_panel(bars, freq, session, asset=asset)`` and ``transformer`` on that
    panel, so a worker holds one file's bars at a time (see ``docs/ecosystem.md`` for
    the memory used per asset-year). The first and last session of each file may
    continue in the neighbouring file (an FX day rolling at 17:00 New York in files cut
    at midnight, or a day whose opening price is the previous file's last close): these
    sessions are rebuilt from the bars of every file that touches them, so every day is
    the same as if all the files had been read as one. The assets are then joined on
    their session dates.

    Parameters
    ----------
    files : dict of str to path or list of paths
        For each asset (the column prefix of its features), its minute-bar files in any
        format ``read_bars`` reads. Each file is one task: give a year or a month per
        file rather than one big file or a directory (a directory is read as one task).
        The files of an asset may be given in any order but must not overlap in time.
    transformer : scikit-learn transformer
        A *row-local* transformer of the panel (each day's features from that day's row
        only), such as ``RealizedVariance``, ``BipowerVariation``, ``JumpCounter`` or a
        ``FeatureUnion`` of them. A *fitted* transformer is applied as it is (``transform``
        only) to every file, so the result equals ``transformer.transform`` of the whole
        panel: fit it first when its ``fit`` learns from the data (``JumpCounter``'s
        time-of-day periodicity, a scaler), for example on a training period. An unfitted
        one is cloned and fitted on each file's panel (and on the rebuilt edge sessions),
        which is exact only for transformers whose ``fit`` learns nothing from the rows
        (``RealizedVariance``, ``BipowerVariation``, ``DailyReturn``, ...). Cross-day
        steps (``HARFeatures``, ``RollingCorrelation``) and cross-asset ones
        (``RealizedCorrelation``) need the whole history or all assets in one panel:
        apply them to the result instead.
    freq : str or pandas.Timedelta, default="5min"
        Bin width of the intraday panel (as in ``intraday_panel``).
    session : str, Session or dict of str to str or Session, default="24h"
        Session of every asset, or of each asset (as in ``intraday_panel``).
    how : {"inner", "outer"}, default="inner"
        Join of the assets' dates: ``"inner"`` keeps the dates every asset has,
        ``"outer"`` all of them (NaN where an asset has no row).
    min_coverage : float in [0, 1], default=0.8
        A day of an asset whose share of observed bins is below this is dropped (as in
        ``intraday_panel``); the dropped dates are in ``result.attrs["dropped_days"]``.
    read_options : dict or None, default=None
        Keyword arguments for ``read_bars`` (``format``, ``tz``, ``bar_length``).
    n_jobs : int or None, default=None
        Number of files processed at once (joblib; None is one, -1 all cores). Inside a
        ``joblib.parallel_backend("dask")`` block the files go to a Dask cluster.

    Returns
    -------
    features : pandas.DataFrame
        One row per session date (index ``date``, sorted), the transformer's columns for
        each asset (``"<asset>__rv"``, ...). ``features.attrs`` holds ``"dropped_days"``
        (dict asset -> DatetimeIndex of days below ``min_coverage``) and ``"files"``
        (dict asset -> list of the files read, in time order).

    Raises
    ------
    FileNotFoundError
        Naming the asset and the path when a file does not exist.
    TypeError
        When ``files`` is not a dict of paths or ``transformer`` has no ``fit_transform``.
    ValueError
        When an asset has no file, a session is missing for an asset, two files of an
        asset overlap in time, or ``how`` is not ``"inner"`` or ``"outer"``; and the
        errors of ``read_bars`` (naming the file and line) and ``intraday_panel``.

    Examples
    --------
    >>> from skvol.features import RealizedVariance
    >>> from skvol.parallel import daily_features_from_files
    >>> files = {"BTC": ["../shared/data/btcusd_bitmex/xbtusd_1min_2016.csv.gz",
    ...                  "../shared/data/btcusd_bitmex/xbtusd_1min_2017.csv.gz"]}
    >>> rv = daily_features_from_files(files, RealizedVariance(), n_jobs=2)  # doctest: +SKIP
    >>> rv.shape  # doctest: +SKIP
    (731, 1)
    """
    paths = _check_files(files)
    sessions = _check_sessions(session, list(paths))
    if how not in ("inner", "outer"):
        raise ValueError(f"daily_features_from_files: how must be 'inner' or 'outer', got {how!r}")
    if not callable(getattr(transformer, "fit_transform", None)):
        raise TypeError(
            "daily_features_from_files: transformer must be a scikit-learn transformer with "
            f"fit_transform, got {type(transformer).__name__}"
        )
    if isinstance(min_coverage, bool) or not isinstance(min_coverage, int | float):
        raise TypeError(f"min_coverage must be a number in [0, 1], got {min_coverage!r}")
    if not 0.0 <= float(min_coverage) <= 1.0:
        # the panels are built with min_coverage=0, so intraday_panel never checks it
        raise ValueError(
            f"daily_features_from_files: min_coverage={min_coverage!r} must be in [0, 1]"
        )
    options = dict(read_options or {})
    tasks = [(asset, path) for asset, asset_paths in paths.items() for path in asset_paths]
    chunks = Parallel(n_jobs=n_jobs)(
        delayed(_process_file)(asset, path, transformer, freq, sessions[asset], options)
        for asset, path in tasks
    )
    per_asset = {}
    dropped = {}
    order = {}
    for asset in paths:
        asset_chunks = sorted((c for c in chunks if c.asset == asset), key=lambda c: c.first)
        order[asset] = [c.path for c in asset_chunks]
        per_asset[asset], dropped[asset] = _join_files(
            asset_chunks, transformer, freq, sessions[asset], float(min_coverage)
        )
    result = pd.concat(list(per_asset.values()), axis=1, join=how).sort_index()
    # the panel's convention: session dates, no frequency
    result.index = pd.DatetimeIndex(result.index, freq=None, name="date")
    result.attrs = {"dropped_days": dropped, "files": order}
    return result


def _check_files(files) -> dict[str, list[Path]]:
    if not isinstance(files, Mapping) or not files:
        raise TypeError(
            "daily_features_from_files: files must be a non-empty dict {asset: path or list "
            f"of paths}}, got {type(files).__name__}"
        )
    paths: dict[str, list[Path]] = {}
    for asset, value in files.items():
        if not isinstance(asset, str) or not asset or "__" in asset:
            raise ValueError(
                f"daily_features_from_files: asset names must be non-empty strings without "
                f"'__' (the column separator), got {asset!r}"
            )
        items = [value] if isinstance(value, str | os.PathLike) else value
        if not isinstance(items, Sequence) or not items:
            raise ValueError(f"daily_features_from_files: asset {asset!r} has no file")
        paths[asset] = []
        for item in items:
            if not isinstance(item, str | os.PathLike):
                raise TypeError(
                    f"daily_features_from_files: asset {asset!r}: expected a path, got "
                    f"{type(item).__name__}"
                )
            path = Path(item)
            if not path.exists():
                raise FileNotFoundError(f"daily_features_from_files: asset {asset!r}: {path}")
            paths[asset].append(path)
    return paths


def _check_sessions(session, assets: list[str]) -> dict[str, str | Session]:
    if isinstance(session, Mapping):
        missing = [asset for asset in assets if asset not in session]
        if missing:
            raise ValueError(
                f"daily_features_from_files: session gives no session for asset(s) {missing}"
            )
        return {asset: session[asset] for asset in assets}
    return dict.fromkeys(assets, session)


def _is_fitted(transformer) -> bool:
    try:
        check_is_fitted(transformer)
    except NotFittedError:
        return False
    return True


def _features(transformer, panel: pd.DataFrame) -> pd.DataFrame:
    """The transformer's output on the panel, as a frame on the panel's dates.

    A fitted transformer only transforms (a copy, so that its output can be set to
    pandas); an unfitted one is cloned and fitted on this panel.
    """
    if _is_fitted(transformer):
        fitted = copy.deepcopy(transformer)
        if callable(getattr(fitted, "set_output", None)):
            fitted.set_output(transform="pandas")
        out = fitted.transform(panel)
    else:
        fitted = clone(transformer)
        if callable(getattr(fitted, "set_output", None)):
            fitted.set_output(transform="pandas")
        out = fitted.fit_transform(panel)
    if not isinstance(out, pd.DataFrame):
        out = pd.DataFrame(out, index=panel.index, columns=fitted.get_feature_names_out())
    if len(out) != len(panel):
        raise ValueError(
            f"daily_features_from_files: the transformer returned {len(out)} rows for "
            f"{len(panel)} days; it must map each day's row to one row of features"
        )
    out.index = panel.index
    return out


def _panel(bars: pd.DataFrame, asset: str, freq, session) -> tuple[pd.DataFrame, pd.Series]:
    """Every session date with data (no coverage filter yet) and its share of observed bins."""
    panel = intraday_panel(bars, freq=freq, session=session, asset=asset, min_coverage=0.0)
    return panel, panel.attrs["coverage"][asset]


def _process_file(asset: str, path: Path, transformer, freq, session, options: dict) -> _Chunk:
    """One task: read one file, build its panel and daily features, keep its edge sessions.

    The first and last session dates the file touches (with a bar in the session or its
    opening bar) may continue in the neighbouring files; every date between them lies
    wholly inside the file. The bars of the two edge dates are sent back so that those
    sessions can be rebuilt from all the files that touch them.
    """
    bars = read_bars(path, **options)[["close"]]
    panel, coverage = _panel(bars, asset, freq, session)
    features = _features(transformer, panel) if len(panel) else None
    where = get_session(session).locate(bars.index.asi8)
    touched = np.sort(np.concatenate([where.day[where.in_session], where.open_day[where.is_open]]))
    edges = np.unique(touched[[0, -1]] if touched.size else touched)
    at_edge = (where.in_session & np.isin(where.day, edges)) | (
        where.is_open & np.isin(where.open_day, edges)
    )
    logger.info("%s: %s: %d bars -> %d session dates", asset, path, len(bars), len(panel))
    return _Chunk(
        asset=asset,
        path=str(path),
        first=bars.index[0],
        last=bars.index[-1],
        features=features,
        coverage=coverage,
        edge_dates=pd.DatetimeIndex(edges.astype("datetime64[D]").astype("datetime64[ns]")),
        edge_bars=bars.loc[at_edge].copy(),
    )


def _join_files(
    chunks: list[_Chunk], transformer, freq, session, min_coverage: float
) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    """One asset's features over all its files, with the sessions at the cuts rebuilt."""
    for before, after in zip(chunks, chunks[1:], strict=False):
        if after.first <= before.last:
            raise ValueError(
                f"daily_features_from_files: the files {before.path} (up to {before.last}) and "
                f"{after.path} (from {after.first}) of asset {chunks[0].asset!r} overlap in time"
            )
    edge_dates = pd.DatetimeIndex(np.unique(np.concatenate([c.edge_dates for c in chunks])))
    # the edge sessions, rebuilt from the bars of every file that touches them
    panel, coverage = _panel(
        pd.concat([c.edge_bars for c in chunks]), chunks[0].asset, freq, session
    )
    rebuilt = panel.index.isin(edge_dates)
    frames = [_features(transformer, panel.loc[rebuilt])] if rebuilt.any() else []
    coverages = [coverage.loc[coverage.index.isin(edge_dates)]]
    for chunk in chunks:
        if chunk.features is not None:
            frames.append(chunk.features.loc[~chunk.features.index.isin(edge_dates)])
            coverages.append(chunk.coverage.loc[~chunk.coverage.index.isin(edge_dates)])
    features = pd.concat(frames).sort_index()
    coverage = pd.concat(coverages).sort_index()
    keep = (coverage >= min_coverage).reindex(features.index).to_numpy(dtype=bool)
    dropped = pd.DatetimeIndex(coverage.index[(coverage < min_coverage).to_numpy()], name="date")
    if len(dropped):
        logger.warning(
            "daily_features_from_files: %s: dropped %d session date(s) with bin coverage below "
            "%.2f (see result.attrs['dropped_days'])",
            chunks[0].asset,
            len(dropped),
            min_coverage,
        )
    return features.loc[keep], dropped
