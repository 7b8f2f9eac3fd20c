"""The study's pooled model: one multi-asset estimator fitted on every asset at once.

:class:`skvol.CrossAssetLSTMRegressor` reads a daily-measures frame of all assets (one row
per date on the union of their calendars, :func:`skvol.features.daily_measures`) and a
target frame with one column per asset. To compare it with the per-asset models on the
*same* test days, its walk-forward follows each asset's own folds
(:func:`skvol.study._config.walk_forward_cv`): for every distinct first day ``s`` of a
test fold it is fitted on all rows dated before ``s`` (every asset's, so the training
data are the union of the per-asset training sets and nothing later) and forecasts the
test days of the folds that start at ``s``. An asset enters a fit once it has
:data:`MIN_TRAIN_TARGETS` target days before ``s`` (the S&P 500's folds from 2009 are
fitted on the S&P 500 alone until BTC's history begins), which every asset forecast at
``s`` has (its own folds need 60 training days). Each asset's forecasts become a walk-forward
frame shaped like :func:`skvol.evaluation.walk_forward_predict`'s (``fold``, ``y_true``,
``mean``, ``scale``, ``df``, ``var_<pct>``, ``breach_<pct>``), so every later stage
treats the pooled model as any other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from skvol._columns import asset_of
from skvol.evaluation import breach_flags, level_suffix, volatility_var
from skvol.features import daily_measures
from skvol.models import distribution_params
from skvol.study._config import StudyConfig, walk_forward_cv
from skvol.study._pipelines import ModelSpec

if TYPE_CHECKING:
    from skvol.study._run import AssetStudy

#: Target days before a fold's start that an asset needs to enter that fit.
MIN_TRAIN_TARGETS = 60

#: The measures the pooled model reads from an intraday panel (as the benchmark).
POOLED_MEASURES: tuple[str, ...] = ("rv", "bv", "rs_neg", "rs_pos", "ret")


def joint_frames(
    assets: Mapping[str, AssetStudy], transform: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The daily-measures frame of every asset and the target frame, on the union of dates.

    An intraday asset's measures come from its panel (row-local, so no look-ahead); a
    daily-measures asset's are its file's. The target column of asset ``a`` is
    ``"<a>__target"``: the asset's own study target (its next trading day), NaN on the
    dates it has none.
    """
    X = daily_measures(*(a.X for a in assets.values()), measures=POOLED_MEASURES)
    Y = pd.DataFrame(
        {f"{a.name}__target": a.targets[transform].reindex(X.index) for a in assets.values()},
        index=X.index,
    )
    return X, Y


def _column(dist, j: int, rows: np.ndarray):
    """Element ``(rows, j)`` of a 2-D frozen scipy distribution, as a 1-D one."""
    params = distribution_params(dist)
    shape = np.broadcast_shapes(*(np.shape(v) for v in params.values()))
    return dist.dist(**{k: np.broadcast_to(v, shape)[rows, j] for k, v in params.items()})


def asset_forecast(model, X: pd.DataFrame, Y: pd.DataFrame, asset: str, dates: pd.Index):
    """The fitted pooled model's predictive distribution for ``asset`` on ``dates``.

    Predicts the union rows from the first to the last of ``dates`` (the model carries
    the history it was fitted on) and keeps the asset's column on ``dates``.

    Raises
    ------
    ValueError
        If the model gives no finite forecast on one of the asset's dates.
    """
    block = X.loc[dates[0] : dates[-1]]
    dist = model.predict_dist(block)
    rows = block.index.get_indexer(dates)
    out = _column(dist, Y.columns.get_loc(f"{asset}__target"), rows)
    mean = np.asarray(out.mean(), dtype=float)
    if not np.isfinite(mean).all():
        bad = dates[int(np.flatnonzero(~np.isfinite(mean))[0])]
        raise ValueError(f"{asset}: the pooled model has no forecast for {bad.date()}")
    return out


def _frame(dist, fold: int, y_true: pd.Series, levels: Sequence[float]) -> pd.DataFrame:
    params = distribution_params(dist)
    n = len(y_true)
    frame = pd.DataFrame({"fold": fold, "y_true": y_true.to_numpy(dtype=float)}, index=y_true.index)
    frame["mean"] = np.asarray(dist.mean(), dtype=float)
    frame["scale"] = np.broadcast_to(params["scale"], (n,))
    if "df" in params:
        frame["df"] = np.broadcast_to(params["df"], (n,))
    for level in levels:
        var = volatility_var(dist, level)
        frame[f"var_{level_suffix(level)}"] = var
        frame[f"breach_{level_suffix(level)}"] = breach_flags(frame["y_true"].to_numpy(), var)
    return frame


def fold_plan(
    assets: Mapping[str, AssetStudy], transform: str, config: StudyConfig
) -> dict[pd.Timestamp, list[tuple[str, int, pd.Index]]]:
    """Each asset's test folds grouped by their first day: ``{s: [(asset, fold, dates)]}``."""
    plan: dict[pd.Timestamp, list[tuple[str, int, pd.Index]]] = {}
    for a in assets.values():
        y = a.targets[transform].dropna()
        for fold, (_, test) in enumerate(walk_forward_cv(len(y), config, a.name).split(y)):
            dates = y.index[test]
            plan.setdefault(dates[0], []).append((a.name, fold, dates))
    return dict(sorted(plan.items()))


def pooled_walk_forward(
    spec: ModelSpec,
    config: StudyConfig,
    assets: Mapping[str, AssetStudy],
    levels: Sequence[float],
) -> dict[str, pd.DataFrame]:
    """The pooled model's walk-forward frame of every asset, on the assets' own folds."""
    X, Y = joint_frames(assets, spec.transform)
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in assets}
    for start, folds in fold_plan(assets, spec.transform, config).items():
        train = X.index < start
        counts = Y.loc[train].notna().sum()
        names = [n for n in assets if counts[f"{n}__target"] >= MIN_TRAIN_TARGETS]
        Xs = X[[c for c in X.columns if asset_of(c) in names]]
        Ys = Y[[f"{n}__target" for n in names]]
        model = spec.build(config, None, False).fit(Xs.loc[train], Ys.loc[train])
        for name, fold, dates in folds:
            dist = asset_forecast(model, Xs, Ys, name, dates)
            parts[name].append(
                _frame(dist, fold, assets[name].targets[spec.transform][dates], levels)
            )
    return {name: pd.concat(frames) for name, frames in parts.items()}


def fit_pooled(spec: ModelSpec, config: StudyConfig, assets: Mapping[str, AssetStudy]):
    """The pooled model fitted on all days of every asset, with its joint frames."""
    X, Y = joint_frames(assets, spec.transform)
    return spec.build(config, None, False).fit(X, Y), X, Y
