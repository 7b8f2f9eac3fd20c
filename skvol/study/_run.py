"""The study end to end: read -> panel -> features -> models -> walk-forward -> backtest -> report.

The study only orchestrates public pieces: the pipelines of :mod:`skvol.study._pipelines`
are evaluated with :func:`skvol.evaluation.walk_forward_predict`, backtested with
:func:`skvol.evaluation.var_backtest` and scored with
:class:`skvol.evaluation.VaRBacktestScorer`; this module adds the bookkeeping, the
figures, the tables and the report.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import FeatureUnion

from skvol.data import intraday_panel
from skvol.evaluation import (
    VaRBacktestScorer,
    pinball_loss,
    var_backtest,
    walk_forward_predict,
)
from skvol.evaluation._walk_forward import level_suffix
from skvol.features import (
    BipowerVariation,
    BNSJumpTest,
    DailyReturn,
    JumpCounter,
    RealizedVariance,
    RollingCorrelation,
)
from skvol.study._analysis import (
    frame_dist,
    point_accuracy,
)
from skvol.study._config import StudyConfig
from skvol.study._inputs import AssetInput, read_inputs
from skvol.study._pipelines import (
    NEXT_RETURN,
    TARGETS,
    ModelSpec,
    all_models,
)
from skvol.study._stages import StageRunner
from skvol.study._writeup import StudyResult, write_outputs

logger = logging.getLogger("skvol.study")

CORRELATION_WINDOW = 30


@dataclass
class AssetStudy:
    """Everything the study holds about one asset as the stages run."""

    input: AssetInput
    X: pd.DataFrame = field(default_factory=pd.DataFrame)
    targets: dict[str, pd.Series] = field(default_factory=dict)
    next_return: pd.Series = field(default_factory=pd.Series)
    dropped_days: int = 0
    daily: pd.DataFrame = field(default_factory=pd.DataFrame)
    fits: dict[str, dict] = field(default_factory=dict)
    forecasts: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The asset's name."""
        return self.input.name

    @property
    def is_daily(self) -> bool:
        """Whether the asset comes as daily measures (no intraday panel)."""
        return self.input.kind == "daily"


# --- stages --------------------------------------------------------------------------


def _describe_inputs(inputs: dict[str, AssetInput]) -> str:
    parts = []
    for a in inputs.values():
        if a.kind == "daily":
            parts.append(f"{a.name} ({len(a.daily):,} days of daily measures)")
        else:
            parts.append(f"{a.name} ({len(a.bars):,} bars, {a.session})")
    return f"{len(inputs)} asset(s): " + ", ".join(parts)


def _tail(frame: pd.DataFrame, config: StudyConfig) -> pd.DataFrame:
    limit = config.day_limit
    return frame.iloc[-limit:] if limit is not None and len(frame) > limit else frame


def _build_panel(asset: AssetStudy, config: StudyConfig) -> None:
    name = asset.name
    if asset.is_daily:
        asset.X = _tail(asset.input.daily, config)
        for transform, target in TARGETS.items():
            asset.targets[transform] = target.from_measures(asset.X, name)
        asset.next_return = NEXT_RETURN.from_measures(asset.X, name)
        return
    panel = intraday_panel(
        asset.input.bars,
        freq=config.freq,
        session=asset.input.session,
        asset=name,
        min_coverage=config.min_coverage,
    )
    asset.dropped_days = int(sum(len(v) for v in panel.attrs.get("dropped_days", {}).values()))
    asset.X = _tail(panel, config)
    for transform, target in TARGETS.items():
        asset.targets[transform] = target.from_panel(asset.X, name)
    asset.next_return = NEXT_RETURN.from_panel(asset.X, name)


def _describe_daily(asset: AssetStudy) -> None:
    """The descriptive daily features (RV, BV, jumps, return) of the report's figures."""
    name = asset.name
    if asset.is_daily:
        frame = asset.X
        asset.daily = pd.DataFrame(
            {
                "rv": frame[f"{name}__rv"],
                "bv": frame[f"{name}__bv"],
                "jumps": np.nan,
                "ret": frame[f"{name}__ret"],
            }
        )
        return
    union = FeatureUnion(
        [
            ("rv", RealizedVariance()),
            ("bv", BipowerVariation()),
            ("jumps", JumpCounter()),
            ("bns", BNSJumpTest()),
            ("ret", DailyReturn()),
        ],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    features = union.fit_transform(asset.X)
    asset.daily = pd.DataFrame(
        {
            "rv": features[f"{name}__rv"],
            "bv": features[f"{name}__bv"],
            "jumps": features[f"{name}__n_jumps"],
            "bns_p": features[f"{name}__bns_p"],
            "ret": features[f"{name}__ret"],
        }
    )


def _rolling_correlations(assets: dict[str, AssetStudy]) -> dict[str, pd.Series]:
    """30-day rolling correlation of daily returns: BTC/SPX when both are studied, else every pair.

    Each pair uses the days both assets have (BTC trades at weekends, the S&P 500 does not).
    """
    names = list(assets)
    pairs = (
        [("BTC", "SPX")]
        if {"BTC", "SPX"} <= set(names)
        else [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    )
    out = {}
    for a, b in pairs:
        returns = pd.concat(
            [assets[n].daily["ret"].rename(f"{n}__ret") for n in (a, b)], axis=1, join="inner"
        ).dropna()
        if len(returns) < CORRELATION_WINDOW:
            logger.info(
                "%s/%s: fewer than %d shared days, no rolling correlation", a, b, CORRELATION_WINDOW
            )
            continue
        corr = RollingCorrelation(window=CORRELATION_WINDOW).set_output(transform="pandas")
        out[f"{a}/{b}"] = corr.fit_transform(returns).iloc[:, 0]
    return out


def _fit_rows(asset: AssetStudy, transform: str) -> tuple[pd.DataFrame, pd.Series]:
    y = asset.targets[transform].dropna()
    return asset.X.loc[y.index], y


def _fit_summary(spec: ModelSpec, pipe, asset: AssetStudy, X, y, config: StudyConfig) -> dict:
    """A model fitted on all days: its in-sample VaR scores and tomorrow's forecast.

    The in-sample scores are :class:`skvol.evaluation.VaRBacktestScorer` on the training
    days (pinball loss of the volatility VaR on the target scale); set beside the walk-forward scores they show how much a model overfits.
    Tomorrow is the day after the last day of data, which has no target yet.
    """
    last = asset.X.iloc[[-1]]
    out = {"date": str(last.index[0].date()), "mean": float(pipe.predict(last)[0])}
    out["rv_forecast"] = float(spec.target.to_variance(out["mean"]))
    if spec.probabilistic:
        dist = pipe[-1].predict_dist(pipe[:-1].transform(last))
        for level in config.levels:
            lk = f"{level:g}"
            out[f"in_sample_pinball_{lk}"] = -VaRBacktestScorer(level, "pinball")(pipe, X, y)
            q = float(np.asarray(dist.ppf(level)).ravel()[0])
            out[f"variance_var_{lk}"] = float(spec.target.to_variance(q))
            out[f"return_var_{lk}"] = float(spec.target.return_var(dist, level)[0])
    return out


def _walk_forward_cv(n_rows: int, config: StudyConfig, asset: str) -> TimeSeriesSplit:
    test_size = max(int(n_rows * config.test_fraction) // config.n_splits, 1)
    if n_rows - config.n_splits * test_size < 60:
        raise ValueError(
            f"{asset}: too few days for the walk-forward: {n_rows} days with a target, but "
            f"{config.n_splits} folds of {test_size} days need at least 60 training days before "
            "them; give more data (or --days)"
        )
    return TimeSeriesSplit(n_splits=config.n_splits, test_size=test_size)


# --- backtests -------------------------------------------------------------------------


def _backtests(assets: dict[str, AssetStudy], config: StudyConfig) -> dict:
    """VaR backtests of every distribution model: volatility VaR and return VaR.

    The volatility VaR and its breaches are the ``var_<pct>``/``breach_<pct>`` columns of
    the walk-forward frame. The return VaR is :func:`skvol.evaluation.return_var` of the
    same out-of-sample distributions (rebuilt from the frame's ``mean``, ``scale`` and
    ``df``), against tomorrow's realised daily return.
    """
    results: dict = {}
    for spec in all_models():
        if not spec.probabilistic:
            continue
        for asset in assets.values():
            frame = asset.forecasts[spec.key]
            dist = frame_dist(frame)
            ret = asset.next_return.loc[frame.index].to_numpy(dtype=float)
            observed = np.isfinite(ret)
            for level in config.levels:
                suffix = level_suffix(level)
                results[(spec.key, "volatility", asset.name, level)] = var_backtest(
                    frame["y_true"], frame[f"var_{suffix}"], level, side="upper"
                )
                ret_var = spec.target.return_var(dist, level)
                results[(spec.key, "return", asset.name, level)] = var_backtest(
                    ret[observed], ret_var[observed], level, side="lower"
                )
    return results


def _pinball_scores(assets: dict[str, AssetStudy], config: StudyConfig) -> dict:
    """Out-of-sample pinball loss of each model's volatility VaR.

    On the target scale (comparable with the in-sample VaRBacktestScorer value of the
    same model) and on the variance scale in %^2 (comparable across targets: quantiles
    map through the monotone inverse transform).
    """
    out: dict = {}
    for spec in all_models():
        if not spec.probabilistic:
            continue
        for asset in assets.values():
            frame = asset.forecasts[spec.key]
            v_true = spec.target.to_variance(frame["y_true"]) * 1e4
            for level in config.levels:
                var = frame[f"var_{level_suffix(level)}"].to_numpy(dtype=float)
                out[(spec.key, asset.name, level)] = {
                    "target": pinball_loss(frame["y_true"], var, level),
                    "variance": pinball_loss(v_true, spec.target.to_variance(var) * 1e4, level),
                }
    return out


# --- the run ---------------------------------------------------------------------------


def run_study(config: StudyConfig, progress: bool = True) -> StudyResult:
    """Run the whole study and write its report, figures, tables and ``metrics.json``.

    Parameters
    ----------
    config : StudyConfig
        What to run (data, assets, sizes, seed, output folder).
    progress : bool, default=True
        Show a progress bar per stage on stderr (summaries are logged either way).

    Returns
    -------
    StudyResult
        Paths of everything written, and the metrics.

    Examples
    --------
    >>> from skvol.study import StudyConfig, run_study
    >>> result = run_study(StudyConfig(quick=True, out="results"))  # doctest: +SKIP
    >>> result.metrics["accuracy"]["BTC"]["har"]["qlike"]  # doctest: +SKIP
    """
    started = time.perf_counter()
    out = Path(config.out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    runner = StageRunner(progress=progress)
    models = all_models()

    with runner.stage("read", total=1) as stage:
        inputs = read_inputs(config)
        stage.advance()
        stage.summary = _describe_inputs(inputs)
    assets = {name: AssetStudy(input=inp) for name, inp in inputs.items()}

    with runner.stage("panel", total=len(assets)) as stage:
        for asset in assets.values():
            _build_panel(asset, config)
            for transform in ("log1p", "log"):  # fail here, not after fitting every model
                _walk_forward_cv(len(asset.targets[transform].dropna()), config, asset.name)
            stage.advance(asset.name)
        stage.summary = ", ".join(
            f"{a.name} {len(a.X)} days x {a.X.shape[1]} {'measures' if a.is_daily else 'bins'}"
            + (f" ({a.dropped_days} dropped)" if a.dropped_days else "")
            for a in assets.values()
        )

    with runner.stage("features", total=len(assets) + 1) as stage:
        for asset in assets.values():
            _describe_daily(asset)
            stage.advance(asset.name)
        correlations = _rolling_correlations(assets)
        stage.advance("correlation")
        jump_days = {
            a.name: int((a.daily["jumps"] > 0).sum()) for a in assets.values() if not a.is_daily
        }
        stage.summary = (
            "jump days " + ", ".join(f"{k} {v}" for k, v in jump_days.items())
            if jump_days
            else "daily measures only"
        ) + (f"; correlation {', '.join(correlations)}" if correlations else "")

    with runner.stage("models", total=len(assets) * len(models)) as stage:
        for asset in assets.values():
            for spec in models:
                X, y = _fit_rows(asset, spec.transform)
                pipe = spec.build(config, asset.name, asset.is_daily)
                tic = time.perf_counter()
                pipe.fit(X, y)
                fit = {"fit_seconds": time.perf_counter() - tic, "train_days": int(len(y))}
                fit.update(_fit_summary(spec, pipe, asset, X, y, config))
                asset.fits[spec.key] = fit
                stage.advance(f"{asset.name} {spec.key}")
        stage.summary = f"{len(models)} models fitted on all days of {len(assets)} asset(s)"

    with runner.stage("walk-forward", total=len(assets) * len(models)) as stage:
        folds = {}
        for asset in assets.values():
            for spec in models:
                X, y = _fit_rows(asset, spec.transform)
                cv = _walk_forward_cv(len(y), config, asset.name)
                pipe = spec.build(config, asset.name, asset.is_daily)
                frame = walk_forward_predict(
                    pipe, X, y, cv=cv, levels=config.levels, n_jobs=config.n_jobs
                )
                asset.forecasts[spec.key] = frame
                folds[asset.name] = (cv.n_splits, len(frame))
                stage.advance(f"{asset.name} {spec.key}")
        stage.summary = ", ".join(f"{k}: {n} folds, {d} test days" for k, (n, d) in folds.items())

    with runner.stage("backtest", total=3) as stage:
        accuracy = {
            a.name: {
                spec.key: point_accuracy(a.forecasts[spec.key], spec.target) for spec in models
            }
            for a in assets.values()
        }
        stage.advance("accuracy")
        backtests = _backtests(assets, config)
        stage.advance("VaR")
        pinball = _pinball_scores(assets, config)
        stage.advance("pinball")
        n_calibrated = sum(r.verdict == "calibrated" for r in backtests.values())
        stage.summary = f"{len(backtests)} VaR backtests, {n_calibrated} calibrated (Kupiec 5%)"

    with runner.stage("report", total=4) as stage:
        result = write_outputs(
            config,
            out,
            assets,
            correlations,
            accuracy,
            backtests,
            pinball,
            runner,
            stage,
            started,
        )
        stage.summary = (
            f"{result.report_md} ({len(result.figures)} figures, {len(result.tables)} tables)"
        )
    result.metrics["timings"]["stages"]["report"] = runner.timings["report"]
    result.metrics["timings"]["total_seconds"] = time.perf_counter() - started
    result.metrics_json.write_text(json.dumps(result.metrics, indent=2, sort_keys=False))
    return result


def write_features(config: StudyConfig, fmt: str = "csv", progress: bool = True) -> list[Path]:
    """Write each asset's intraday panel and daily features (``skvol features``).

    Parameters
    ----------
    config : StudyConfig
        Data, assets and panel settings (``out`` is the output folder).
    fmt : {"csv", "parquet"}, default="csv"
        File format.
    progress : bool, default=True
        Show progress bars.

    Returns
    -------
    list of Path
        The files written: ``<asset>_panel.<fmt>`` (intraday assets) and
        ``<asset>_features.<fmt>``.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    runner = StageRunner(names=("read", "panel", "features"), progress=progress)
    with runner.stage("read", total=1) as stage:
        inputs = read_inputs(config)
        stage.advance()
        stage.summary = _describe_inputs(inputs)
    assets = {name: AssetStudy(input=inp) for name, inp in inputs.items()}
    written: list[Path] = []

    def save(frame: pd.DataFrame, path: Path) -> None:
        frame = frame.copy()
        frame.attrs = {}  # the panel's report (dropped days, sessions) is not file content
        if fmt == "csv":
            frame.to_csv(path)
        else:
            frame.to_parquet(path)
        written.append(path)

    with runner.stage("panel", total=len(assets)) as stage:
        for asset in assets.values():
            _build_panel(asset, config)
            if not asset.is_daily:
                save(asset.X, out / f"{asset.name}_panel.{fmt}")
            stage.advance(asset.name)
        stage.summary = ", ".join(f"{a.name} {len(a.X)} days" for a in assets.values())
    with runner.stage("features", total=len(assets)) as stage:
        for asset in assets.values():
            _describe_daily(asset)
            save(asset.daily, out / f"{asset.name}_features.{fmt}")
            stage.advance(asset.name)
        stage.summary = f"{len(written)} files in {out}"
    return written


def download(dataset: str, dest: Path | None, force: bool) -> Path:
    """Download (or reuse) the Kaggle dataset; ``skvol download``."""
    from skvol.data import download_kaggle, kaggle_asset_paths

    root = download_kaggle(dataset, dest=dest, force=force)
    for asset, path in kaggle_asset_paths(root).items():
        logger.info("%s: %s", asset, path)
    return root
