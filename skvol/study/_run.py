"""The study end to end: read -> panel -> features -> models -> walk-forward -> backtest -> report.

The study only orchestrates public pieces: the pipelines of :mod:`skvol.study._pipelines`
are evaluated with :func:`skvol.evaluation.walk_forward_predict`, backtested with
:func:`skvol.evaluation.var_backtest` and scored with
:class:`skvol.evaluation.VaRBacktestScorer`. The numbers are records of
:mod:`skvol.study._metrics`, the tables come from :mod:`skvol.study._tables`, the figures
from :mod:`skvol.study._figures`, the text from :mod:`skvol.study._report`, and the run is
written into a temporary folder moved into place when complete
(:mod:`skvol.study._outputs`).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from skvol.data import intraday_panel
from skvol.evaluation import (
    VaRBacktestScorer,
    pinball_loss,
    walk_forward_predict,
)
from skvol.features import BNSJumpTest, DailyMeasures, RollingCorrelation
from skvol.study._backtests import study_backtests
from skvol.study._config import StudyConfig, check_seed, walk_forward_cv
from skvol.study._environment import command_line, config_dict, environment
from skvol.study._figures import study_figures
from skvol.study._inputs import AssetInput, read_inputs
from skvol.study._metrics import (
    LevelForecast,
    ModelFit,
    build_metrics,
    pinball_scores,
    point_accuracies,
)
from skvol.study._outputs import (
    ResultsFolder,
    StudyResult,
    moved,
    write_metrics,
    write_tables,
)
from skvol.study._pipelines import (
    NEXT_RETURN,
    RETURN_MODELS,
    TARGETS,
    ModelSpec,
    ReturnModelSpec,
    all_models,
)
from skvol.study._pooled import asset_forecast, fit_pooled, pooled_walk_forward
from skvol.study._report import study_report
from skvol.study._risk import es_backtests, forecast_comparisons
from skvol.study._stages import StageRunner
from skvol.study._tables import study_tables

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
    fits: dict[str, ModelFit] = field(default_factory=dict)
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
    """The descriptive daily measures (RV, BV, jumps, return) of the report's figures.

    An intraday asset's come from :class:`skvol.features.DailyMeasures` and the BNS test
    (:class:`skvol.features.BNSJumpTest`) fitted on all its days; a daily-measures asset
    has them already (without jump counts).
    """
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
    measures = (
        DailyMeasures(measures=("rv", "bv", "jumps", "ret"))
        .set_output(transform="pandas")
        .fit_transform(asset.X)
    )
    bns = BNSJumpTest().set_output(transform="pandas").fit_transform(asset.X)
    asset.daily = pd.DataFrame(
        {
            "rv": measures[f"{name}__rv"],
            "bv": measures[f"{name}__bv"],
            "jumps": measures[f"{name}__jumps"],
            "bns_p": bns[f"{name}__bns_p"],
            "ret": measures[f"{name}__ret"],
        }
    )


def correlation_pairs(config: StudyConfig, names: list[str]) -> list[tuple[str, str]]:
    """The asset pairs whose rolling correlation is reported: ``config.pairs``, else all.

    Raises
    ------
    ValueError
        For a configured pair that names an asset not studied, or an asset twice.
    """
    if not config.pairs:
        return [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    for a, b in config.pairs:
        unknown = [n for n in (a, b) if n not in names]
        if unknown or a == b:
            raise ValueError(
                f"--pairs {a}/{b}: "
                + (f"{', '.join(unknown)} not studied" if unknown else "an asset with itself")
                + f"; the assets are {', '.join(names)}"
            )
    return list(config.pairs)


def _rolling_correlations(
    assets: dict[str, AssetStudy], pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], pd.Series]:
    """30-day rolling correlation of daily returns of each pair.

    Each pair uses the days both assets have (BTC trades at weekends, the S&P 500 does not).
    """
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
        out[(a, b)] = corr.fit_transform(returns).iloc[:, 0]
    return out


def _fit_rows(asset: AssetStudy, transform: str) -> tuple[pd.DataFrame, pd.Series]:
    y = asset.targets[transform].dropna()
    return asset.X.loc[y.index], y


def _fit_summary(
    spec: ModelSpec, pipe, asset: AssetStudy, X, y, config: StudyConfig, fit_seconds: float
) -> ModelFit:
    """A model fitted on all days: its in-sample VaR scores and tomorrow's forecast.

    The in-sample scores are :class:`skvol.evaluation.VaRBacktestScorer` on the training
    days (pinball loss of the volatility VaR on the target scale); set beside the
    walk-forward scores they show how much a model overfits. Tomorrow is the day after
    the last day of data, which has no target yet.
    """
    last = asset.X.iloc[[-1]]
    mean = float(pipe.predict(last)[0])
    levels = []
    if spec.probabilistic:
        dist = pipe[-1].predict_dist(pipe[:-1].transform(last))
        for level in config.levels:
            q = float(np.asarray(dist.ppf(level)).ravel()[0])
            levels.append(
                LevelForecast(
                    level=level,
                    in_sample_pinball=-VaRBacktestScorer(level, "pinball")(pipe, X, y),
                    variance_var=float(spec.target.to_variance(q)),
                    return_var=float(spec.target.return_var(dist, level)[0]),
                )
            )
    return ModelFit(
        asset=asset.name,
        model=spec.key,
        fit_seconds=fit_seconds,
        train_days=int(len(y)),
        date=str(last.index[0].date()),
        mean=mean,
        rv_forecast=float(spec.target.to_variance(mean)),
        levels=tuple(levels),
    )


def _pooled_fit_summaries(
    spec: ModelSpec, assets: dict[str, AssetStudy], config: StudyConfig
) -> dict[str, ModelFit]:
    """The pooled model fitted once on all days of every asset: each asset's summary.

    As :func:`_fit_summary`: the in-sample pinball loss of the volatility VaR on each
    asset's training days, and tomorrow's forecast from the asset's last day of data.
    The fit time is the one joint fit's, shown for every asset.
    """
    tic = time.perf_counter()
    model, X, Y = fit_pooled(spec, config, assets)
    seconds = time.perf_counter() - tic
    out = {}
    for asset in assets.values():
        y = asset.targets[spec.transform].dropna()
        in_sample = asset_forecast(model, X, Y, asset.name, y.index)
        last = asset.X.index[-1]
        dist = asset_forecast(model, X, Y, asset.name, pd.DatetimeIndex([last]))
        mean = float(np.asarray(dist.mean()).ravel()[0])
        levels = tuple(
            LevelForecast(
                level=level,
                in_sample_pinball=pinball_loss(y.to_numpy(), in_sample.ppf(level), level),
                variance_var=float(spec.target.to_variance(float(dist.ppf(level)[0]))),
                return_var=float(spec.target.return_var(dist, level)[0]),
            )
            for level in config.levels
        )
        out[asset.name] = ModelFit(
            asset=asset.name,
            model=spec.key,
            fit_seconds=seconds,
            train_days=int(len(y)),
            date=str(last.date()),
            mean=mean,
            rv_forecast=float(spec.target.to_variance(mean)),
            levels=levels,
        )
    return out


def _return_fit_summary(spec: ReturnModelSpec, asset: AssetStudy, config: StudyConfig) -> ModelFit:
    """A return model fitted on all days: tomorrow's return variance and return VaR."""
    y = asset.next_return.dropna()
    X = asset.X.loc[y.index]
    pipe = spec.build(config, asset.name, asset.is_daily)
    tic = time.perf_counter()
    pipe.fit(X, y)
    seconds = time.perf_counter() - tic
    last = asset.X.iloc[[-1]]
    dist = pipe[-1].predict_dist(pipe[:-1].transform(last))
    return ModelFit(
        asset=asset.name,
        model=spec.key,
        fit_seconds=seconds,
        train_days=int(len(y)),
        date=str(last.index[0].date()),
        mean=float(np.asarray(dist.mean()).ravel()[0]),
        rv_forecast=float(np.asarray(dist.var()).ravel()[0]),
        levels=tuple(
            LevelForecast(
                level=level,
                in_sample_pinball=None,
                variance_var=None,
                return_var=float(np.asarray(dist.ppf(1.0 - level)).ravel()[0]),
            )
            for level in config.levels
        ),
    )


# --- backtests -------------------------------------------------------------------------


# --- the run ---------------------------------------------------------------------------


def run_study(config: StudyConfig, progress: bool = True) -> StudyResult:
    """Run the whole study and write its report, figures, tables and ``metrics.json``.

    The options are checked first (the seed, and that ``config.out`` can be written),
    then the run is written into a temporary folder next to ``config.out`` that replaces
    ``config.out`` only once complete: an interrupted or failed run leaves no folder that
    looks finished, and a previous complete run stays as it was.

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

    Raises
    ------
    ValueError
        Naming ``--seed`` or ``--out`` for an unusable option, before any work.

    Examples
    --------
    >>> from skvol.study import StudyConfig, run_study
    >>> result = run_study(StudyConfig(quick=True, out="results"))  # doctest: +SKIP
    >>> result.metrics.accuracy_of("BTC")[0].qlike  # doctest: +SKIP
    """
    started = time.perf_counter()
    check_seed(config.seed)
    folder = ResultsFolder.open(config.out)
    try:
        runner = StageRunner(progress=progress)
        metrics, figures, tables, md, html = _run_stages(config, folder.work, runner)
        metrics = replace(
            metrics,
            stage_seconds=dict(runner.timings),
            total_seconds=time.perf_counter() - started,
        )
        metrics_json = write_metrics(folder.work, metrics)
        folder.commit()
    except BaseException:
        folder.discard()
        raise
    out = Path(config.out)
    files = moved({"md": md, "html": html, "metrics": metrics_json}, folder.work, out)
    return StudyResult(
        config=config,
        out=out,
        report_md=files["md"],
        report_html=files["html"],
        metrics_json=files["metrics"],
        figures=moved(figures, folder.work, out),
        tables=moved(tables, folder.work, out),
        metrics=metrics,
    )


def _run_stages(config: StudyConfig, work: Path, runner: StageRunner):
    """Every stage of the study, writing into ``work``.

    Returns the metrics (without the report stage's time), the figure and table paths,
    and the two report files.
    """
    models = all_models()
    with runner.stage("read", total=1) as stage:
        inputs = read_inputs(config)
        stage.advance()
        stage.summary = _describe_inputs(inputs)
    assets = {name: AssetStudy(input=inp) for name, inp in inputs.items()}
    pairs = correlation_pairs(config, list(assets))

    with runner.stage("panel", total=len(assets)) as stage:
        for asset in assets.values():
            _build_panel(asset, config)
            for transform in TARGETS:  # fail here, not after fitting every model
                walk_forward_cv(len(asset.targets[transform].dropna()), config, asset.name)
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
        correlations = _rolling_correlations(assets, pairs)
        stage.advance("correlation")
        jump_days = {
            a.name: int((a.daily["jumps"] > 0).sum()) for a in assets.values() if not a.is_daily
        }
        stage.summary = (
            "jump days " + ", ".join(f"{k} {v}" for k, v in jump_days.items())
            if jump_days
            else "daily measures only"
        ) + (
            f"; correlation {', '.join(f'{a}/{b}' for a, b in correlations)}"
            if correlations
            else ""
        )

    n_fits = len(assets) * (len(models) + len(RETURN_MODELS))
    with runner.stage("models", total=n_fits) as stage:
        for spec in models:
            if spec.pooled:
                for name, fit in _pooled_fit_summaries(spec, assets, config).items():
                    assets[name].fits[spec.key] = fit
                stage.advance(f"all assets {spec.key}", len(assets))
        for asset in assets.values():
            for spec in RETURN_MODELS:
                asset.fits[spec.key] = _return_fit_summary(spec, asset, config)
                stage.advance(f"{asset.name} {spec.key}")
            for spec in models:
                if spec.pooled:
                    continue
                X, y = _fit_rows(asset, spec.transform)
                pipe = spec.build(config, asset.name, asset.is_daily)
                tic = time.perf_counter()
                pipe.fit(X, y)
                seconds = time.perf_counter() - tic
                asset.fits[spec.key] = _fit_summary(spec, pipe, asset, X, y, config, seconds)
                stage.advance(f"{asset.name} {spec.key}")
        stage.summary = (
            f"{len(models) + len(RETURN_MODELS)} models fitted on all days of "
            f"{len(assets)} asset(s)"
        )

    with runner.stage("walk-forward", total=n_fits) as stage:
        folds = {}
        for spec in models:
            if spec.pooled:
                frames = pooled_walk_forward(spec, config, assets, config.levels)
                for name, frame in frames.items():
                    assets[name].forecasts[spec.key] = frame
                stage.advance(f"all assets {spec.key}", len(assets))
        for asset in assets.values():
            for spec in RETURN_MODELS:
                y = asset.next_return.dropna()
                cv = walk_forward_cv(len(y), config, asset.name)
                pipe = spec.build(config, asset.name, asset.is_daily)
                asset.forecasts[spec.key] = walk_forward_predict(
                    pipe, asset.X.loc[y.index], y, cv=cv, levels=(), n_jobs=config.n_jobs
                )
                stage.advance(f"{asset.name} {spec.key}")
            for spec in models:
                if spec.pooled:
                    continue
                X, y = _fit_rows(asset, spec.transform)
                cv = walk_forward_cv(len(y), config, asset.name)
                pipe = spec.build(config, asset.name, asset.is_daily)
                frame = walk_forward_predict(
                    pipe, X, y, cv=cv, levels=config.levels, n_jobs=config.n_jobs
                )
                asset.forecasts[spec.key] = frame
                folds[asset.name] = (cv.n_splits, len(frame))
                stage.advance(f"{asset.name} {spec.key}")
        stage.summary = ", ".join(f"{k}: {n} folds, {d} test days" for k, (n, d) in folds.items())

    with runner.stage("backtest", total=5) as stage:
        accuracy = point_accuracies(assets)
        stage.advance("accuracy")
        backtests = study_backtests(assets, config)
        stage.advance("VaR")
        pinball = pinball_scores(assets, config.levels)
        stage.advance("pinball")
        es = es_backtests(assets, config)
        stage.advance("ES")
        comparison = forecast_comparisons(assets, config)
        stage.advance("DM/MCS")
        n_calibrated = sum(b.result.verdict == "calibrated" for b in backtests.values())
        stage.summary = f"{len(backtests)} VaR backtests, {n_calibrated} calibrated (Kupiec 5%)"

    with runner.stage("report", total=4) as stage:
        metrics = build_metrics(
            config=config_dict(config),
            environment=environment(),
            assets=assets,
            correlations=correlations,
            accuracy=accuracy,
            backtests=backtests,
            pinball=pinball,
            stage_seconds=runner.timings,
            command=command_line(config),
            es=es,
            comparison=comparison,
        )
        tables = study_tables(metrics, assets, backtests, config.levels)
        stage.advance("metrics")
        figures = study_figures(
            work / "figures", assets, correlations, tables["breach_days"], config.levels
        )
        stage.advance("figures")
        table_paths = write_tables(work, tables)
        stage.advance("tables")
        md, html = study_report(config, metrics, tables, figures).write(work)
        stage.advance("report")
        stage.summary = (
            f"{Path(config.out) / md.name} ({len(figures)} figures, {len(tables)} tables)"
        )
    return metrics, figures, table_paths, md, html


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
        ``<asset>_features.<fmt>``. Each is written to a temporary file and renamed when
        complete, so an interrupted run leaves every earlier file whole.
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
        """Write ``frame`` to ``path`` atomically: a temporary file renamed when complete.

        An interrupted or failed write leaves a previous ``path`` as it was and no
        partial file behind.
        """
        frame = frame.copy()
        frame.attrs = {}  # the panel's report (dropped days, sessions) is not file content
        partial = path.with_name(f".{path.name}.incomplete")
        try:
            if fmt == "csv":
                frame.to_csv(partial)
            else:
                frame.to_parquet(partial)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
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
