"""The study's headline numbers: small frozen records, and their ``metrics.json`` form.

Each record carries the keys it belongs to (asset, model, level) beside its typed values,
and :class:`StudyMetrics` holds every record of a run in the order the report lists
them. :meth:`StudyMetrics.to_dict` is the content of ``metrics.json`` (nested by the keys,
``{"accuracy": {asset: {model: {...}}}, ...}``) and :meth:`StudyMetrics.from_dict` reads
it back, so the file is a faithful serialisation of the records and nothing else.

The builders at the end compute the records from what the stages produced (daily
measures, forecast frames, backtest results); every report sentence and table reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from skvol.evaluation import VaRBacktestResult, level_suffix, pinball_loss
from skvol.study._analysis import interval_coverage, point_accuracy
from skvol.study._pipelines import STUDY_SETUP, all_models
from skvol.study._risk import ESBacktestSummary, ForecastComparison

if TYPE_CHECKING:
    from skvol.study._backtests import Backtest
    from skvol.study._run import AssetStudy

#: Levels of the central intervals whose coverage is reported.
COVERAGE_LEVELS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95, 0.99)
#: The interval level of the setup summary's coverage column.
SUMMARY_COVERAGE_LEVEL = 0.95


def level_key(level: float) -> str:
    """The text form of a level in ``metrics.json`` and file names: ``0.95`` -> ``"0.95"``."""
    return f"{level:g}"


def days_per_year(session: str | None) -> int:
    """Trading days a year that annualise a daily variance: 365 round the clock, else 252."""
    return 365 if session == "24h" else 252


def _values(record, keys: Sequence[str]) -> dict[str, Any]:
    """A record's fields except its keys, leaving out optional fields that are unset."""
    out = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if f.name in keys or (f.default is None and value is None):
            continue
        out[f.name] = value
    return out


@dataclass(frozen=True)
class AssetSummary:
    """What the study's data are, per asset (the Data table and section).

    Attributes
    ----------
    asset : str
        Asset name.
    kind : {"intraday", "daily"}
        Minute bars, or a file of daily realized measures.
    source : str
        Where the data came from.
    session : str or None
        Trading session of an intraday asset (None for daily measures).
    days : int
        Days in the study; ``first_day`` and ``last_day`` (ISO dates) bound them.
    first_day, last_day : str
        First and last day.
    dropped_days : int
        Days the panel dropped (too few observed bins).
    mean_daily_vol_pct : float
        Mean of ``100 sqrt(RV)`` over the days.
    annualisation_days : int
        Days a year used to annualise (:func:`days_per_year`).
    annualised_vol_pct : float
        ``100 sqrt(annualisation_days * mean(RV))``.
    mean_bv_share : float
        Mean of ``BV / RV``.
    jump_days, jump_day_share, jumps, bns_rejections_5pct : int, float, int, int or None
        Days with a detected jump, their share, the number of jumps and the days the BNS
        test rejects at 5% (intraday assets only).
    true_jump_days, rv_vs_true_variance_corr : int, float or None
        Days the simulation put jumps on and the correlation of RV with the true
        quadratic variation (simulated assets only).
    """

    asset: str
    kind: str
    source: str
    session: str | None
    days: int
    first_day: str
    last_day: str
    dropped_days: int
    mean_daily_vol_pct: float
    annualisation_days: int
    annualised_vol_pct: float
    mean_bv_share: float
    jump_days: int | None = None
    jump_day_share: float | None = None
    jumps: int | None = None
    bns_rejections_5pct: int | None = None
    true_jump_days: int | None = None
    rv_vs_true_variance_corr: float | None = None


@dataclass(frozen=True)
class CorrelationSummary:
    """The rolling correlation of two assets' daily returns, in brief.

    Attributes
    ----------
    first, second : str
        The two assets; ``pair`` is ``"first/second"``.
    mean, min, max, last : float
        Of the rolling correlation over the days it exists.
    days : int
        Days with a rolling correlation.
    """

    first: str
    second: str
    mean: float
    min: float
    max: float
    last: float
    days: int

    @property
    def pair(self) -> str:
        """The pair's label, ``"BTC/SPX"``."""
        return f"{self.first}/{self.second}"


@dataclass(frozen=True)
class PointAccuracy:
    """Walk-forward accuracy of one model's plug-in variance forecast (in %^2).

    Attributes
    ----------
    asset, model : str
        The asset and the model key.
    rmse, mae : float
        Root mean squared and mean absolute error (a negative forecast counts as 0).
    qlike : float
        QLIKE over the days with a positive forecast (Patton 2011).
    nonpositive : int
        Days whose forecast variance is not positive.
    days : int
        Test days.
    """

    asset: str
    model: str
    rmse: float
    mae: float
    qlike: float
    nonpositive: int
    days: int


@dataclass(frozen=True)
class LevelForecast:
    """A distribution model's VaR at one level, fitted on all days.

    Attributes
    ----------
    level : float
        VaR level.
    in_sample_pinball : float or None
        Pinball loss of the volatility VaR on the training days (target scale); None for
        a return model, which has no volatility VaR.
    variance_var : float or None
        Tomorrow's volatility VaR on the variance scale (decimal units); None for a
        return model.
    return_var : float
        Tomorrow's return VaR (decimal log return).
    """

    level: float
    in_sample_pinball: float | None
    variance_var: float | None
    return_var: float


@dataclass(frozen=True)
class ModelFit:
    """One model fitted on all days of an asset, and its forecast for tomorrow.

    Attributes
    ----------
    asset, model : str
        The asset and the model key.
    fit_seconds : float
        Time to fit.
    train_days : int
        Days it was fitted on.
    date : str
        The last day of data (tomorrow is the day after).
    mean : float
        Predicted mean of the target.
    rv_forecast : float
        Plug-in variance forecast (decimal units).
    levels : tuple of LevelForecast
        Per VaR level, for distribution models (empty otherwise).
    """

    asset: str
    model: str
    fit_seconds: float
    train_days: int
    date: str
    mean: float
    rv_forecast: float
    levels: tuple[LevelForecast, ...] = ()

    def at(self, level: float) -> LevelForecast | None:
        """The forecast at ``level``, or None for a point-forecast model."""
        return next((f for f in self.levels if f.level == level), None)


@dataclass(frozen=True)
class BacktestSummary:
    """One VaR backtest in brief (from :class:`skvol.evaluation.VaRBacktestResult`).

    Attributes
    ----------
    model, kind, asset : str
        The model key, ``"volatility"`` or ``"return"``, and the asset.
    level : float
        VaR level.
    days, actual_breaches : int
        Days backtested and breaches seen.
    expected_breaches, breach_rate : float
        Breaches expected under the null and the observed rate.
    kupiec_p, christoffersen_ind_p, conditional_coverage_p : float
        p-values of the Kupiec, Christoffersen independence and conditional coverage tests.
    traffic_light : str
        Basel traffic-light zone on the last 250 days (99% VaR only; "n/a" otherwise).
    result : str
        The verdict (two-sided Kupiec at 5%).
    dq_p : float
        p-value of the Engle & Manganelli (2004) dynamic quantile test (4 lags).
    recal_breaches : int
        Breaches of the VaR recalibrated online (:class:`skvol.evaluation.QuantileTracker`).
    recal_breach_rate, recal_kupiec_p, recal_conditional_coverage_p : float
        Its breach rate, Kupiec and conditional-coverage p-values.
    recal_traffic_light : str
        Its traffic-light zone (99% VaR only).
    recal_beyond_999 : float
        Share of days on which the recalibrated VaR lies beyond the model's own 99.9% VaR.
    """

    model: str
    kind: str
    asset: str
    level: float
    days: int
    expected_breaches: float
    actual_breaches: int
    breach_rate: float
    kupiec_p: float
    christoffersen_ind_p: float
    conditional_coverage_p: float
    traffic_light: str
    result: str
    dq_p: float
    recal_breaches: int
    recal_breach_rate: float
    recal_kupiec_p: float
    recal_conditional_coverage_p: float
    recal_traffic_light: str
    recal_beyond_999: float

    @classmethod
    def from_result(
        cls, model: str, kind: str, asset: str, level: float, backtest: Backtest
    ) -> BacktestSummary:
        """Summarise a backtest: the raw VaR's result, its DQ test, the recalibrated VaR."""
        result, recal = backtest.result, backtest.recalibrated_result
        return cls(
            model=model,
            kind=kind,
            asset=asset,
            level=level,
            days=result.days,
            expected_breaches=result.expected_breaches,
            actual_breaches=result.actual_breaches,
            breach_rate=result.breach_rate,
            kupiec_p=result.kupiec.pvalue,
            christoffersen_ind_p=result.independence.pvalue,
            conditional_coverage_p=result.conditional_coverage.pvalue,
            traffic_light=_zone(result),
            result=result.verdict,
            dq_p=backtest.dq.pvalue,
            recal_breaches=recal.actual_breaches,
            recal_breach_rate=recal.breach_rate,
            recal_kupiec_p=recal.kupiec.pvalue,
            recal_conditional_coverage_p=recal.conditional_coverage.pvalue,
            recal_traffic_light=_zone(recal),
            recal_beyond_999=backtest.recalibrated.beyond_999_share,
        )


def _zone(result: VaRBacktestResult) -> str:
    """The traffic-light zone of a backtest, "n/a" where undefined (not 99% over 250 days)."""
    return "n/a" if result.traffic_light is None else result.traffic_light.zone


@dataclass(frozen=True)
class PinballScore:
    """Walk-forward pinball loss of one model's volatility VaR.

    Attributes
    ----------
    model, asset : str
        The model key and the asset.
    level : float
        VaR level.
    target : float
        On the target scale.
    variance : float
        On the variance scale in %^2 (comparable across targets).
    """

    model: str
    asset: str
    level: float
    target: float
    variance: float


@dataclass(frozen=True)
class IntervalCoverage:
    """Share of test days inside the central predicted intervals.

    Attributes
    ----------
    model, asset : str
        The model key and the asset.
    levels : tuple of float
        Nominal coverage of each interval.
    coverage : tuple of float
        Empirical coverage, one per level.
    """

    model: str
    asset: str
    levels: tuple[float, ...]
    coverage: tuple[float, ...]

    def at(self, level: float) -> float:
        """The empirical coverage of the central interval at ``level``."""
        return self.coverage[self.levels.index(level)]


@dataclass(frozen=True)
class SetupSummary:
    """One distribution model over every asset and level.

    Attributes
    ----------
    model : str
        The model key.
    calibrated, backtests : int
        Kupiec-calibrated backtests (volatility and return VaR) out of all.
    mean_coverage_95 : float
        Mean coverage of the central 95% interval over the assets.
    pinball_ratio : float
        Mean over assets and levels of the variance-scale pinball loss over the study
        setup's (below 1: better than the study's setup).
    """

    model: str
    calibrated: int
    backtests: int
    mean_coverage_95: float
    pinball_ratio: float


@dataclass(frozen=True)
class StudyMetrics:
    """Every headline number of one run (the content of ``metrics.json``).

    Attributes
    ----------
    config : dict
        The configuration as JSON values, with the sizes used.
    environment : dict of str to str
        Versions of Python and the main libraries.
    data : tuple of AssetSummary
        Per asset, in the study's order.
    correlation : tuple of CorrelationSummary
        Per asset pair with a rolling correlation.
    accuracy : tuple of PointAccuracy
        Per asset and model.
    fits : tuple of ModelFit
        Per asset and model.
    backtest : tuple of BacktestSummary
        Per distribution model, kind, asset and level.
    pinball : tuple of PinballScore
        Per distribution model, asset and level.
    coverage : tuple of IntervalCoverage
        Per distribution model and asset.
    setups : tuple of SetupSummary
        Per distribution model.
    es : tuple of ESBacktestSummary
        Per distribution model (return models included) and asset: the return ES at
        97.5% and its backtests.
    comparison : tuple of ForecastComparison
        Per asset and model: QLIKE, Diebold-Mariano against HAR-log, the 90% MCS.
    stage_seconds : dict of str to float
        Time of each stage that had ended when the metrics were taken.
    total_seconds : float or None
        Time of the whole run.
    command : str
        The ``skvol study`` command that reproduces the run.

    Examples
    --------
    >>> from skvol.study import StudyMetrics
    >>> from skvol.study._metrics import PointAccuracy
    >>> har = PointAccuracy("BTC", "har", rmse=1.5, mae=0.5, qlike=0.125, nonpositive=0, days=96)
    >>> m = StudyMetrics(config={}, environment={}, data=(), correlation=(), accuracy=(har,),
    ...                  fits=(), backtest=(), pinball=(), coverage=(), setups=())
    >>> m.to_dict()["accuracy"]
    {'BTC': {'har': {'rmse': 1.5, 'mae': 0.5, 'qlike': 0.125, 'nonpositive': 0, 'days': 96}}}
    >>> StudyMetrics.from_dict(m.to_dict()) == m
    True
    """

    config: dict
    environment: dict[str, str]
    data: tuple[AssetSummary, ...]
    correlation: tuple[CorrelationSummary, ...]
    accuracy: tuple[PointAccuracy, ...]
    fits: tuple[ModelFit, ...]
    backtest: tuple[BacktestSummary, ...]
    pinball: tuple[PinballScore, ...]
    coverage: tuple[IntervalCoverage, ...]
    setups: tuple[SetupSummary, ...]
    es: tuple[ESBacktestSummary, ...] = ()
    comparison: tuple[ForecastComparison, ...] = ()
    stage_seconds: dict[str, float] = field(default_factory=dict)
    total_seconds: float | None = None
    command: str = ""

    @property
    def assets(self) -> list[str]:
        """The assets, in the study's order."""
        return [d.asset for d in self.data]

    def accuracy_of(self, asset: str) -> list[PointAccuracy]:
        """Every model's accuracy on ``asset``, in the models' order."""
        return [a for a in self.accuracy if a.asset == asset]

    def backtests_of(
        self, model: str, kind: str | None = None, asset: str | None = None
    ) -> list[BacktestSummary]:
        """The backtests of ``model`` (of one kind and asset when given)."""
        return [
            b
            for b in self.backtest
            if b.model == model
            and (kind is None or b.kind == kind)
            and (asset is None or b.asset == asset)
        ]

    def backtest_at(self, model: str, kind: str, asset: str, level: float) -> BacktestSummary:
        """One backtest."""
        return next(b for b in self.backtests_of(model, kind, asset) if b.level == level)

    def pinball_at(self, model: str, asset: str, level: float) -> PinballScore:
        """One pinball score."""
        return next(p for p in self.pinball if (p.model, p.asset, p.level) == (model, asset, level))

    def fit_of(self, asset: str, model: str) -> ModelFit:
        """The fit of ``model`` on ``asset``."""
        return next(f for f in self.fits if (f.asset, f.model) == (asset, model))

    def coverage_of(self, model: str, asset: str) -> IntervalCoverage:
        """The interval coverage of ``model`` on ``asset``."""
        return next(c for c in self.coverage if (c.model, c.asset) == (model, asset))

    def setup(self, model: str) -> SetupSummary:
        """The summary of distribution model ``model``."""
        return next(s for s in self.setups if s.model == model)

    def es_at(self, model: str, asset: str, level: float) -> ESBacktestSummary:
        """One ES backtest."""
        return next(e for e in self.es if (e.model, e.asset, e.level) == (model, asset, level))

    def comparison_of(self, asset: str) -> list[ForecastComparison]:
        """Every model's forecast comparison on ``asset``, in the models' order."""
        return [c for c in self.comparison if c.asset == asset]

    def to_dict(self) -> dict:
        """The content of ``metrics.json``: the records nested by their keys."""
        out: dict = {"config": self.config, "environment": self.environment}
        out["data"] = {d.asset: _values(d, ("asset",)) for d in self.data}
        out["correlation"] = {c.pair: _values(c, ("first", "second")) for c in self.correlation}
        out["accuracy"] = _nest(self.accuracy, ("asset", "model"))
        out["fits"] = {}
        for f in self.fits:
            entry = _values(f, ("asset", "model", "levels"))
            for lf in f.levels:
                lk = level_key(lf.level)
                for name in _LEVEL_FIELDS:
                    entry[f"{name}_{lk}"] = getattr(lf, name)
            out["fits"].setdefault(f.asset, {})[f.model] = entry
        out["backtest"] = _nest(self.backtest, ("model", "kind", "asset", "level"))
        out["pinball"] = _nest(self.pinball, ("model", "asset", "level"))
        out["coverage"] = {}
        for c in self.coverage:
            out["coverage"].setdefault(c.model, {})[c.asset] = {
                level_key(lv): v for lv, v in zip(c.levels, c.coverage, strict=True)
            }
        out["setups"] = {s.model: _values(s, ("model",)) for s in self.setups}
        out["es"] = _nest(self.es, ("model", "asset", "level"))
        out["comparison"] = _nest(self.comparison, ("asset", "model"))
        out["timings"] = {"stages": dict(self.stage_seconds)}
        if self.total_seconds is not None:
            out["timings"]["total_seconds"] = self.total_seconds
        out["command"] = self.command
        return out

    @classmethod
    def from_dict(cls, raw: Mapping) -> StudyMetrics:
        """Read the records back from the content of ``metrics.json``."""
        fits = []
        for asset, models in raw["fits"].items():
            for model, entry in models.items():
                plain = {k: v for k, v in entry.items() if not _LEVEL_KEY.match(k)}
                by_level: dict[str, dict] = {}
                for k, v in entry.items():
                    match = _LEVEL_KEY.match(k)
                    if match:
                        by_level.setdefault(match.group(2), {})[match.group(1)] = v
                levels = tuple(LevelForecast(level=float(lk), **v) for lk, v in by_level.items())
                fits.append(ModelFit(asset=asset, model=model, levels=levels, **plain))
        coverage = tuple(
            IntervalCoverage(
                model=model,
                asset=asset,
                levels=tuple(float(lk) for lk in cov),
                coverage=tuple(cov.values()),
            )
            for model, by_asset in raw["coverage"].items()
            for asset, cov in by_asset.items()
        )
        timings = raw["timings"]
        return cls(
            config=raw["config"],
            environment=raw["environment"],
            data=tuple(AssetSummary(asset=a, **d) for a, d in raw["data"].items()),
            correlation=tuple(
                CorrelationSummary(*pair.split("/", 1), **c)
                for pair, c in raw["correlation"].items()
            ),
            accuracy=_unnest(PointAccuracy, raw["accuracy"], ("asset", "model")),
            fits=tuple(fits),
            backtest=_unnest(BacktestSummary, raw["backtest"], ("model", "kind", "asset", "level")),
            pinball=_unnest(PinballScore, raw["pinball"], ("model", "asset", "level")),
            coverage=coverage,
            setups=tuple(SetupSummary(model=k, **s) for k, s in raw["setups"].items()),
            es=_unnest(ESBacktestSummary, raw.get("es", {}), ("model", "asset", "level")),
            comparison=_unnest(ForecastComparison, raw.get("comparison", {}), ("asset", "model")),
            stage_seconds=dict(timings["stages"]),
            total_seconds=timings.get("total_seconds"),
            command=raw["command"],
        )


_LEVEL_FIELDS = ("in_sample_pinball", "variance_var", "return_var")
_LEVEL_KEY = re.compile(rf"^({'|'.join(_LEVEL_FIELDS)})_(.+)$")


def _nest(records: Iterable, keys: Sequence[str]) -> dict:
    """Records nested by their keys (a level by :func:`level_key`), in record order."""
    out: dict = {}
    for record in records:
        node = out
        path = [getattr(record, k) for k in keys]
        path = [level_key(v) if k == "level" else v for k, v in zip(keys, path, strict=True)]
        for step in path[:-1]:
            node = node.setdefault(step, {})
        node[path[-1]] = _values(record, keys)
    return out


def _unnest(kind: type, nested: Mapping, keys: Sequence[str]) -> tuple:
    """The inverse of :func:`_nest`: records of ``kind`` from a mapping nested by ``keys``."""
    return tuple(
        kind(
            **{k: float(v) if k == "level" else v for k, v in zip(keys, path, strict=True)},
            **leaf,
        )
        for path, leaf in _paths(nested, len(keys))
    )


def _paths(nested: Mapping, depth: int):
    """``(path, leaf)`` pairs of a mapping nested ``depth`` levels deep."""
    for key, sub in nested.items():
        if depth == 1:
            yield (key,), sub
        else:
            for path, leaf in _paths(sub, depth - 1):
                yield (key, *path), leaf


# --- builders ---------------------------------------------------------------------------


def _iso(ts) -> str:
    return str(pd.Timestamp(ts).date())


def asset_summary(asset: AssetStudy) -> AssetSummary:
    """The Data table's numbers for one asset, from its daily measures."""
    daily = asset.daily
    per_year = days_per_year(asset.input.session)
    extra: dict[str, Any] = {}
    if not asset.is_daily:
        jump = daily["jumps"] > 0
        extra.update(
            jump_days=int(jump.sum()),
            jump_day_share=float(jump.mean()),
            jumps=int(daily["jumps"].sum()),
            bns_rejections_5pct=int((daily["bns_p"] < 0.05).sum()),
        )
    if asset.input.truth is not None:
        truth = asset.input.truth.reindex(asset.X.index)
        extra.update(
            true_jump_days=int((truth["n_jumps"] > 0).sum()),
            rv_vs_true_variance_corr=float(
                np.corrcoef(daily["rv"], truth["integrated_variance"] + truth["jump_variation"])[
                    0, 1
                ]
            ),
        )
    return AssetSummary(
        asset=asset.name,
        kind=asset.input.kind,
        source=asset.input.source,
        session=asset.input.session,
        days=int(len(asset.X)),
        first_day=_iso(asset.X.index[0]),
        last_day=_iso(asset.X.index[-1]),
        dropped_days=int(asset.dropped_days),
        mean_daily_vol_pct=float(100 * np.sqrt(daily["rv"]).mean()),
        annualisation_days=per_year,
        annualised_vol_pct=float(100 * np.sqrt(daily["rv"].mean() * per_year)),
        mean_bv_share=float((daily["bv"] / daily["rv"]).mean()),
        **extra,
    )


def correlation_summary(first: str, second: str, corr: pd.Series) -> CorrelationSummary:
    """A rolling correlation in brief."""
    return CorrelationSummary(
        first=first,
        second=second,
        mean=float(corr.mean()),
        min=float(corr.min()),
        max=float(corr.max()),
        last=float(corr.dropna().iloc[-1]),
        days=int(corr.notna().sum()),
    )


def interval_coverages(assets: Mapping[str, AssetStudy]) -> tuple[IntervalCoverage, ...]:
    """Coverage of the central intervals, per distribution model and asset."""
    out = []
    for spec in all_models():
        if not spec.probabilistic:
            continue
        for a in assets.values():
            cov = interval_coverage(a.forecasts[spec.key], COVERAGE_LEVELS)
            out.append(
                IntervalCoverage(
                    model=spec.key,
                    asset=a.name,
                    levels=COVERAGE_LEVELS,
                    coverage=tuple(cov[level_key(lv)] for lv in COVERAGE_LEVELS),
                )
            )
    return tuple(out)


def setup_summaries(
    backtest: Sequence[BacktestSummary],
    pinball: Sequence[PinballScore],
    coverage: Sequence[IntervalCoverage],
) -> tuple[SetupSummary, ...]:
    """Per distribution model: calibrated backtests, mean 95% coverage, pinball ratio.

    ``pinball_ratio`` is the model's walk-forward pinball loss on the variance scale over
    the study setup's, averaged over assets and levels (below 1: sharper and better).
    """
    study = {(p.asset, p.level): p.variance for p in pinball if p.model == STUDY_SETUP}
    out = []
    for spec in all_models():
        if not spec.probabilistic:
            continue
        tests = [b for b in backtest if b.model == spec.key]
        ratios = [p.variance / study[(p.asset, p.level)] for p in pinball if p.model == spec.key]
        cover = [c.at(SUMMARY_COVERAGE_LEVEL) for c in coverage if c.model == spec.key]
        out.append(
            SetupSummary(
                model=spec.key,
                calibrated=sum(b.result == "calibrated" for b in tests),
                backtests=len(tests),
                mean_coverage_95=float(np.mean(cover)),
                pinball_ratio=float(np.mean(ratios)),
            )
        )
    return tuple(out)


def build_metrics(
    *,
    config: dict,
    environment: dict[str, str],
    assets: Mapping[str, AssetStudy],
    correlations: Mapping[tuple[str, str], pd.Series],
    accuracy: Sequence[PointAccuracy],
    backtests: Mapping[tuple[str, str, str, float], Backtest],
    pinball: Sequence[PinballScore],
    stage_seconds: Mapping[str, float],
    command: str,
    es: Sequence[ESBacktestSummary] = (),
    comparison: Sequence[ForecastComparison] = (),
) -> StudyMetrics:
    """Every headline number of the run, from what the stages produced."""
    backtest = tuple(
        BacktestSummary.from_result(model, kind, asset, level, result)
        for (model, kind, asset, level), result in backtests.items()
    )
    coverage = interval_coverages(assets)
    return StudyMetrics(
        config=config,
        environment=environment,
        data=tuple(asset_summary(a) for a in assets.values()),
        correlation=tuple(
            correlation_summary(first, second, s)
            for (first, second), s in correlations.items()
            if s.notna().any()
        ),
        accuracy=tuple(accuracy),
        fits=tuple(f for a in assets.values() for f in a.fits.values()),
        backtest=backtest,
        pinball=tuple(pinball),
        coverage=coverage,
        setups=setup_summaries(backtest, pinball, coverage),
        es=tuple(es),
        comparison=tuple(comparison),
        stage_seconds=dict(stage_seconds),
        command=command,
    )


def point_accuracies(assets: Mapping[str, AssetStudy]) -> tuple[PointAccuracy, ...]:
    """Walk-forward accuracy of every model on every asset (:func:`point_accuracy`)."""
    return tuple(
        PointAccuracy(
            asset=a.name, model=spec.key, **point_accuracy(a.forecasts[spec.key], spec.target)
        )
        for a in assets.values()
        for spec in all_models()
    )


def pinball_scores(
    assets: Mapping[str, AssetStudy], levels: Sequence[float]
) -> tuple[PinballScore, ...]:
    """Out-of-sample pinball loss of each distribution model's volatility VaR.

    On the target scale (comparable with the in-sample VaRBacktestScorer value of the
    same model) and on the variance scale in %^2 (comparable across targets: quantiles
    map through the monotone inverse transform).
    """
    out = []
    for spec in all_models():
        if not spec.probabilistic:
            continue
        for asset in assets.values():
            frame = asset.forecasts[spec.key]
            v_true = spec.target.to_variance(frame["y_true"]) * 1e4
            for level in levels:
                var = frame[f"var_{level_suffix(level)}"].to_numpy(dtype=float)
                out.append(
                    PinballScore(
                        model=spec.key,
                        asset=asset.name,
                        level=level,
                        target=pinball_loss(frame["y_true"], var, level),
                        variance=pinball_loss(v_true, spec.target.to_variance(var) * 1e4, level),
                    )
                )
    return tuple(out)
