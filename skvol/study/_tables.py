"""The study's tables: DataFrames built from the metrics records and the backtests.

Each table is built once and both written to ``tables/<name>.csv`` and shown in the
report, so the two cannot disagree. Every table loops over the registered models
(:func:`skvol.study._pipelines.all_models`) and the assets of the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from skvol.study._backtests import Backtest
from skvol.study._metrics import StudyMetrics, level_key
from skvol.study._pipelines import REPORTED_SETUPS, model_spec

if TYPE_CHECKING:
    from skvol.study._run import AssetStudy

#: The two VaRs backtested: of tomorrow's target, and of tomorrow's return.
KINDS: tuple[str, ...] = ("volatility", "return")

Backtests = Mapping[tuple[str, str, str, float], Backtest]


def data_table(metrics: StudyMetrics) -> pd.DataFrame:
    """Per asset: days, dates, dropped days, volatility and jump days."""
    rows = []
    for d in metrics.data:
        rows.append(
            {
                "Asset": d.asset,
                "Data": "daily measures" if d.kind == "daily" else f"minute bars ({d.session})",
                "Days": d.days,
                "First": d.first_day,
                "Last": d.last_day,
                "Dropped days": d.dropped_days,
                "Mean daily vol %": d.mean_daily_vol_pct,
                "Days/year": d.annualisation_days,
                "Annualised vol %": d.annualised_vol_pct,
                "BV/RV": d.mean_bv_share,
                "Jump days": d.jump_days if d.jump_days is not None else "n/a",
            }
        )
    return pd.DataFrame(rows)


def accuracy_table(metrics: StudyMetrics) -> pd.DataFrame:
    """Per asset and model: the walk-forward point-forecast accuracy."""
    rows = []
    for m in metrics.accuracy:
        spec = model_spec(m.model)
        rows.append(
            {
                "Asset": m.asset,
                "Model": spec.label,
                "Target": spec.target_label,
                "Test days": m.days,
                "RMSE %^2": m.rmse,
                "MAE %^2": m.mae,
                "QLIKE": m.qlike,
                "Forecasts <= 0": m.nonpositive,
            }
        )
    return pd.DataFrame(rows)


def backtest_table(metrics: StudyMetrics, setup: str, kind: str, level: float) -> pd.DataFrame:
    """One setup's backtests of one kind and level, one row per asset.

    The raw walk-forward VaR (breaches, Kupiec, Christoffersen conditional coverage, the
    DQ test, the traffic light on the last 250 days for a 99% VaR, the verdict) beside
    the same VaR recalibrated online (breaches, Kupiec, conditional coverage, traffic
    light, and the share of days beyond the model's own 99.9% VaR).
    """
    rows = []
    for asset in metrics.assets:
        b = metrics.backtest_at(setup, kind, asset, level)
        rows.append(
            {
                "Asset": asset,
                "Days": b.days,
                "Expected": b.expected_breaches,
                "Breaches": b.actual_breaches,
                "Kupiec p": b.kupiec_p,
                "CC p": b.conditional_coverage_p,
                "DQ p": b.dq_p,
                "Traffic light": b.traffic_light,
                "Result": b.result,
                "Recal. breaches": b.recal_breaches,
                "Recal. Kupiec p": b.recal_kupiec_p,
                "Recal. CC p": b.recal_conditional_coverage_p,
                "Recal. traffic light": b.recal_traffic_light,
                "Recal. beyond 99.9%": b.recal_beyond_999,
            }
        )
    return pd.DataFrame(rows)


def comparison_table(metrics: StudyMetrics, levels: Sequence[float]) -> pd.DataFrame:
    """Every distribution model, asset and VaR level: pinball losses and breach rates."""
    rows = []
    for s in metrics.setups:
        spec = model_spec(s.model)
        for asset in metrics.assets:
            fit = metrics.fit_of(asset, spec.key)
            for level in levels:
                pin = metrics.pinball_at(spec.key, asset, level)
                rows.append(
                    {
                        "Setup": spec.label,
                        "Target": spec.target_label,
                        "Asset": asset,
                        "Level": level,
                        "In-sample pinball": fit.at(level).in_sample_pinball,
                        "Walk-forward pinball": pin.target,
                        "Walk-forward pinball %^2": pin.variance,
                        "Vol VaR breach rate": metrics.backtest_at(
                            spec.key, "volatility", asset, level
                        ).breach_rate,
                        "Return VaR breach rate": metrics.backtest_at(
                            spec.key, "return", asset, level
                        ).breach_rate,
                    }
                )
    return pd.DataFrame(rows)


def setup_summary_table(metrics: StudyMetrics) -> pd.DataFrame:
    """Per distribution model: calibrated backtests, 95% coverage, relative pinball loss."""
    rows = []
    for s in metrics.setups:
        spec = model_spec(s.model)
        rows.append(
            {
                "Setup": spec.label,
                "Target": spec.target_label,
                "Calibrated backtests": s.calibrated,
                "Backtests": s.backtests,
                "Mean 95% coverage": s.mean_coverage_95,
                "Pinball %^2 vs study setup": s.pinball_ratio,
            }
        )
    return pd.DataFrame(rows)


def _daily_vol(variance: float):
    """Daily volatility in percent of a variance forecast; a text where it is not positive."""
    return 100 * float(np.sqrt(variance)) if variance > 0 else "variance <= 0"


def tomorrow_table(metrics: StudyMetrics, levels: Sequence[float]) -> pd.DataFrame:
    """Per asset and model fitted on all days: tomorrow's volatility and VaR forecasts."""
    rows = []
    for f in metrics.fits:
        row = {
            "Asset": f.asset,
            "Model": model_spec(f.model).label,
            "Data up to": f.date,
            "Train days": f.train_days,
            "Fit s": f.fit_seconds,
            "RV forecast (daily vol %)": _daily_vol(f.rv_forecast),
        }
        for level in levels:
            lk = level_key(level)
            at = f.at(level)
            row[f"Vol VaR {lk} (daily vol %)"] = (
                _daily_vol(at.variance_var)
                if at is not None and at.variance_var is not None
                else "n/a"
            )
            row[f"Return VaR {lk} %"] = 100 * at.return_var if at is not None else "n/a"
        rows.append(row)
    return pd.DataFrame(rows)


def coverage_table(metrics: StudyMetrics) -> pd.DataFrame:
    """Per distribution model and asset: the coverage of the central intervals."""
    rows = []
    for c in metrics.coverage:
        rows.append(
            {
                "Setup": model_spec(c.model).label,
                "Asset": c.asset,
                **{
                    f"{level_key(lv)} nominal": v
                    for lv, v in zip(c.levels, c.coverage, strict=True)
                },
            }
        )
    return pd.DataFrame(rows)


def breach_days(backtests: Backtests) -> pd.DataFrame:
    """Per day: the realised value, the raw and recalibrated VaR and their breaches."""
    frames = []
    for (setup, kind, asset_name, level), backtest in backtests.items():
        frames.append(
            pd.DataFrame(
                {
                    "date": backtest.dates,
                    "setup": setup,
                    "kind": kind,
                    "asset": asset_name,
                    "level": level,
                    "y_true": backtest.realised,
                    "var": backtest.var,
                    "breach": backtest.result.breaches,
                    "var_recal": backtest.recalibrated.var,
                    "breach_recal": backtest.recalibrated.breaches,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def es_table(metrics: StudyMetrics) -> pd.DataFrame:
    """Per asset and distribution model: the return ES at 97.5% and its backtests."""
    rows = []
    for asset in metrics.assets:
        for e in (e for e in metrics.es if e.asset == asset):
            rows.append(
                {
                    "Asset": asset,
                    "Model": model_spec(e.model).label,
                    "Days": e.days,
                    "Expected": e.expected_breaches,
                    "Breaches": e.breaches,
                    "Mean ES %": 100 * e.mean_es,
                    "Z1": _or_na(e.z1),
                    "Z1 p": _or_na(e.z1_p),
                    "Z2": e.z2,
                    "Z2 p": e.z2_p,
                    "McNeil-Frey p": _or_na(e.mcneil_frey_p),
                    "FZ0": e.fz0,
                }
            )
    return pd.DataFrame(rows)


def _or_na(value):
    return "n/a" if value is None else value


def forecast_comparison_table(metrics: StudyMetrics) -> pd.DataFrame:
    """Per asset and model: QLIKE, its ratio to HAR-log, Diebold-Mariano, the 90% MCS."""
    rows = []
    for c in metrics.comparison:
        spec = model_spec(c.model)
        rows.append(
            {
                "Asset": c.asset,
                "Model": spec.label,
                "Target": spec.target_label,
                "Days": c.days,
                "QLIKE": c.qlike,
                "vs HAR-log": c.qlike_ratio,
                "DM statistic": _or_na(c.dm_statistic),
                "DM p": _or_na(c.dm_p),
                "MCS p": c.mcs_p,
                "In 90% MCS": "yes" if c.in_mcs else "no",
            }
        )
    return pd.DataFrame(rows)


def return_var_table(metrics: StudyMetrics) -> pd.DataFrame:
    """Every distribution model's return VaR backtests (return models included)."""
    rows = []
    for b in metrics.backtest:
        if b.kind != "return":
            continue
        rows.append(
            {
                "Asset": b.asset,
                "Model": model_spec(b.model).label,
                "Level": b.level,
                "Days": b.days,
                "Expected": b.expected_breaches,
                "Breaches": b.actual_breaches,
                "Kupiec p": b.kupiec_p,
                "CC p": b.conditional_coverage_p,
                "DQ p": b.dq_p,
                "Traffic light": b.traffic_light,
                "Recal. breaches": b.recal_breaches,
                "Recal. Kupiec p": b.recal_kupiec_p,
                "Recal. CC p": b.recal_conditional_coverage_p,
            }
        )
    return pd.DataFrame(rows).sort_values(["Asset", "Level"], kind="stable", ignore_index=True)


def backtest_table_name(setup: str, kind: str, level: float) -> str:
    """The name of a backtest table (its CSV is ``tables/<name>.csv``)."""
    return f"var_{setup}_{kind}_{level_key(level)}"


def study_tables(
    metrics: StudyMetrics,
    assets: Mapping[str, AssetStudy],
    backtests: Backtests,
    levels: Sequence[float],
) -> dict[str, pd.DataFrame]:
    """Every table of the run by name, the CSV name without ``.csv``.

    The summary tables, the backtest tables of the reported setups, the per-day breaches,
    and per asset its daily measures (``daily_<asset>``) and each model's walk-forward
    frame (``forecasts_<asset>_<model>``).
    """
    tables = {
        "data": data_table(metrics),
        "accuracy": accuracy_table(metrics),
        "tomorrow": tomorrow_table(metrics, levels),
        "coverage": coverage_table(metrics),
        "setups": comparison_table(metrics, levels),
        "setup_summary": setup_summary_table(metrics),
        "breach_days": breach_days(backtests),
        "es": es_table(metrics),
        "forecast_comparison": forecast_comparison_table(metrics),
        "return_var": return_var_table(metrics),
    }
    for setup in REPORTED_SETUPS:
        for kind in KINDS:
            for level in levels:
                tables[backtest_table_name(setup, kind, level)] = backtest_table(
                    metrics, setup, kind, level
                )
    for a in assets.values():
        tables[f"daily_{a.name}"] = a.daily
        for key, fc in a.forecasts.items():
            tables[f"forecasts_{a.name}_{key}"] = fc
    return tables


def indexed(name: str) -> bool:
    """Whether a table's CSV keeps its index (the dated frames do)."""
    return name.startswith(("forecasts_", "daily_"))
