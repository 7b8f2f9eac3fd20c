"""The study's outputs: figures, CSV tables, ``metrics.json`` and the report.

Every number in the report is read from the metrics dictionary written to
``metrics.json`` (and the tables are written to CSV from the same frames), so the report,
the tables and the metrics cannot disagree.
"""

from __future__ import annotations

import json
import platform
import shlex
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from skvol.evaluation._walk_forward import level_suffix
from skvol.study import _figures
from skvol.study._analysis import frame_dist, interval_coverage, pit_values
from skvol.study._config import StudyConfig
from skvol.study._pipelines import (
    CANDIDATES,
    RECOMMENDED_SETUP,
    STUDY_MODELS,
    STUDY_SETUP,
    TARGET_SCALE,
    all_models,
)
from skvol.study._report import (
    Bullets,
    Code,
    Figure,
    Heading,
    Paragraph,
    Report,
    Table,
    format_number,
)


@dataclass
class StudyResult:
    """What :func:`run_study` produced.

    Attributes
    ----------
    config : StudyConfig
        The configuration of the run.
    out : Path
        The output folder.
    report_md, report_html, metrics_json : Path
        The report (Markdown and self-contained HTML) and the headline numbers.
    figures : dict of str to Path
        The PNG figures by name.
    tables : dict of str to Path
        The CSV tables by name.
    metrics : dict
        The content of ``metrics.json``.
    """

    config: StudyConfig
    out: Path
    report_md: Path
    report_html: Path
    metrics_json: Path
    figures: dict[str, Path]
    tables: dict[str, Path]
    metrics: dict


BAND_LEVEL = 0.95
COVERAGE_LEVELS = (0.5, 0.8, 0.9, 0.95, 0.99)
KIND_LABEL = {"volatility": "volatility VaR", "return": "return VaR"}


def _spec(key: str):
    return next(s for s in all_models() if s.key == key)


def _label(key: str) -> str:
    return _spec(key).label


def _target_label(transform: str) -> str:
    return "log(1 + RV)" if transform == "log1p" else "log RV"


def _level_key(level: float) -> str:
    return f"{level:g}"


def _iso(ts) -> str:
    return str(pd.Timestamp(ts).date())


def environment() -> dict[str, str]:
    """Versions of Python and the main libraries, for the report."""
    import scipy
    import sklearn
    import skorch
    import torch

    import skvol

    return {
        "python": platform.python_version(),
        "skvol": skvol.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "torch": torch.__version__,
        "skorch": skorch.__version__,
        "torch_threads": str(torch.get_num_threads()),
    }


def config_dict(config: StudyConfig) -> dict:
    """The configuration as JSON-ready values, with the sizes actually used."""
    raw = asdict(config)
    raw["out"] = str(config.out)
    raw["paths"] = {k: str(v) for k, v in config.paths.items()}
    raw["levels"] = list(config.levels)
    raw["assets"] = list(config.assets)
    raw.update(
        simulated_days=config.simulated_days if config.data == "simulated" else None,
        day_limit=config.day_limit,
        n_splits=config.n_splits,
        test_fraction=config.test_fraction,
        max_epochs=config.max_epochs,
        lookback=config.lookback,
        hidden_size=config.hidden_size,
        patience=config.patience,
        target_scale=TARGET_SCALE,
        study_setup=STUDY_SETUP,
        recommended_setup=RECOMMENDED_SETUP,
    )
    return raw


# --- metrics ----------------------------------------------------------------------------


def days_per_year(session: str | None) -> int:
    """Trading days a year that annualise a daily variance: 365 round the clock, else 252."""
    return 365 if session == "24h" else 252


def _data_metrics(assets, correlations) -> dict:
    data = {}
    for a in assets.values():
        daily = a.daily
        entry = {
            "kind": a.input.kind,
            "source": a.input.source,
            "session": a.input.session,
            "days": int(len(a.X)),
            "first_day": _iso(a.X.index[0]),
            "last_day": _iso(a.X.index[-1]),
            "dropped_days": int(a.dropped_days),
            "mean_daily_vol_pct": float(100 * np.sqrt(daily["rv"]).mean()),
            "annualisation_days": days_per_year(a.input.session),
            "annualised_vol_pct": float(
                100 * np.sqrt(daily["rv"].mean() * days_per_year(a.input.session))
            ),
            "mean_bv_share": float((daily["bv"] / daily["rv"]).mean()),
        }
        if not a.is_daily:
            entry["jump_days"] = int((daily["jumps"] > 0).sum())
            entry["jump_day_share"] = float((daily["jumps"] > 0).mean())
            entry["jumps"] = int(daily["jumps"].sum())
            entry["bns_rejections_5pct"] = int((daily["bns_p"] < 0.05).sum())
        if a.input.truth is not None:
            truth = a.input.truth.reindex(a.X.index)
            entry["true_jump_days"] = int((truth["n_jumps"] > 0).sum())
            entry["rv_vs_true_variance_corr"] = float(
                np.corrcoef(daily["rv"], truth["integrated_variance"] + truth["jump_variation"])[
                    0, 1
                ]
            )
        data[a.name] = entry
    corr = {
        pair: {
            "mean": float(s.mean()),
            "min": float(s.min()),
            "max": float(s.max()),
            "last": float(s.dropna().iloc[-1]),
            "days": int(s.notna().sum()),
        }
        for pair, s in correlations.items()
        if s.notna().any()
    }
    return {"data": data, "correlation": corr}


def _backtest_metrics(backtests) -> dict:
    out: dict = {}
    for (setup, kind, asset, level), r in backtests.items():
        out.setdefault(setup, {}).setdefault(kind, {}).setdefault(asset, {})[_level_key(level)] = {
            "days": r.days,
            "expected_breaches": r.expected_breaches,
            "actual_breaches": r.actual_breaches,
            "breach_rate": r.breach_rate,
            "kupiec_p": r.kupiec.pvalue,
            "christoffersen_ind_p": r.independence.pvalue,
            "conditional_coverage_p": r.conditional_coverage.pvalue,
            "traffic_light": "n/a" if r.traffic_light is None else r.traffic_light.zone,
            "result": r.verdict,
        }
    return out


def build_metrics(
    config, assets, correlations, accuracy, backtests, pinball, runner, env, cfg
) -> dict:
    """Every headline number of the run, JSON-ready."""
    metrics = {"config": cfg, "environment": env}
    metrics.update(_data_metrics(assets, correlations))
    metrics["accuracy"] = accuracy
    metrics["fits"] = {a.name: a.fits for a in assets.values()}
    metrics["backtest"] = _backtest_metrics(backtests)
    metrics["pinball"] = {}
    for (setup, asset, level), losses in pinball.items():
        metrics["pinball"].setdefault(setup, {}).setdefault(asset, {})[_level_key(level)] = losses
    metrics["coverage"] = {}
    for spec in all_models():
        if spec.probabilistic:
            metrics["coverage"][spec.key] = {
                a.name: interval_coverage(a.forecasts[spec.key], COVERAGE_LEVELS)
                for a in assets.values()
            }
    metrics["setups"] = setup_summary(metrics)
    metrics["timings"] = {"stages": dict(runner.timings)}
    return metrics


# --- tables -----------------------------------------------------------------------------


def data_table(metrics: dict) -> pd.DataFrame:
    rows = []
    for asset, d in metrics["data"].items():
        rows.append(
            {
                "Asset": asset,
                "Data": "daily measures"
                if d["kind"] == "daily"
                else f"minute bars ({d['session']})",
                "Days": d["days"],
                "First": d["first_day"],
                "Last": d["last_day"],
                "Dropped days": d["dropped_days"],
                "Mean daily vol %": d["mean_daily_vol_pct"],
                "Days/year": d["annualisation_days"],
                "Annualised vol %": d["annualised_vol_pct"],
                "BV/RV": d["mean_bv_share"],
                "Jump days": d.get("jump_days", "n/a"),
            }
        )
    return pd.DataFrame(rows)


def accuracy_table(metrics: dict) -> pd.DataFrame:
    rows = []
    for asset, models in metrics["accuracy"].items():
        for key, m in models.items():
            rows.append(
                {
                    "Asset": asset,
                    "Model": _label(key),
                    "Target": _target_label(_spec(key).transform),
                    "Test days": m["days"],
                    "RMSE %^2": m["rmse"],
                    "MAE %^2": m["mae"],
                    "QLIKE": m["qlike"],
                    "Forecasts <= 0": m["nonpositive"],
                }
            )
    return pd.DataFrame(rows)


def backtest_table(metrics: dict, setup: str, kind: str, level: float) -> pd.DataFrame:
    """The study's table layout plus the test columns, one row per asset."""
    rows = []
    for asset, levels in metrics["backtest"][setup][kind].items():
        b = levels[_level_key(level)]
        rows.append(
            {
                "Asset": asset,
                "Total Days": b["days"],
                "Expected Breaches": b["expected_breaches"],
                "Actual Breaches": b["actual_breaches"],
                "Breach Rate": b["breach_rate"],
                "Result": b["result"],
                "Kupiec p": b["kupiec_p"],
                "Christoffersen ind p": b["christoffersen_ind_p"],
                "CC p": b["conditional_coverage_p"],
                "Traffic light": b["traffic_light"],
            }
        )
    return pd.DataFrame(rows)


def comparison_table(metrics: dict, config: StudyConfig) -> pd.DataFrame:
    """Every distribution model, asset and VaR level: pinball losses and breach rates."""
    rows = []
    for spec in all_models():
        if not spec.probabilistic:
            continue
        for asset, by_level in metrics["pinball"][spec.key].items():
            fit = metrics["fits"][asset][spec.key]
            for level in config.levels:
                lk = _level_key(level)
                bt = metrics["backtest"][spec.key]
                rows.append(
                    {
                        "Setup": spec.label,
                        "Target": _target_label(spec.transform),
                        "Asset": asset,
                        "Level": level,
                        "In-sample pinball": fit[f"in_sample_pinball_{lk}"],
                        "Walk-forward pinball": by_level[lk]["target"],
                        "Walk-forward pinball %^2": by_level[lk]["variance"],
                        "Vol VaR breach rate": bt["volatility"][asset][lk]["breach_rate"],
                        "Return VaR breach rate": bt["return"][asset][lk]["breach_rate"],
                    }
                )
    return pd.DataFrame(rows)


def setup_summary(metrics: dict) -> dict:
    """Per distribution model: calibrated backtests, mean 95% coverage, mean pinball.

    ``pinball_ratio`` is the model's walk-forward pinball loss on the variance scale over
    the study setup's, averaged over assets and levels (below 1: sharper and better).
    """
    out = {}
    study = metrics["pinball"][STUDY_SETUP]
    for spec in all_models():
        if not spec.probabilistic:
            continue
        tests = [
            b
            for kind in metrics["backtest"][spec.key].values()
            for levels in kind.values()
            for b in levels.values()
        ]
        pin = metrics["pinball"][spec.key]
        ratios = [pin[a][lk]["variance"] / study[a][lk]["variance"] for a in pin for lk in pin[a]]
        cover = [c["0.95"] for c in metrics["coverage"][spec.key].values()]
        out[spec.key] = {
            "calibrated": sum(b["result"] == "calibrated" for b in tests),
            "backtests": len(tests),
            "mean_coverage_95": float(np.mean(cover)),
            "pinball_ratio": float(np.mean(ratios)),
        }
    return out


def setup_summary_table(metrics: dict) -> pd.DataFrame:
    rows = [
        {
            "Setup": _label(key),
            "Target": _target_label(_spec(key).transform),
            "Calibrated backtests": s["calibrated"],
            "Backtests": s["backtests"],
            "Mean 95% coverage": s["mean_coverage_95"],
            "Pinball %^2 vs study setup": s["pinball_ratio"],
        }
        for key, s in metrics["setups"].items()
    ]
    return pd.DataFrame(rows)


def _daily_vol(variance: float):
    """Daily volatility in percent of a variance forecast; a text where it is not positive."""
    return 100 * float(np.sqrt(variance)) if variance > 0 else "variance <= 0"


def tomorrow_table(metrics: dict, config: StudyConfig) -> pd.DataFrame:
    rows = []
    for asset, fits in metrics["fits"].items():
        for key, f in fits.items():
            row = {
                "Asset": asset,
                "Model": _label(key),
                "Data up to": f["date"],
                "Train days": f["train_days"],
                "Fit s": f["fit_seconds"],
                "RV forecast (daily vol %)": _daily_vol(f["rv_forecast"]),
            }
            for level in config.levels:
                lk = _level_key(level)
                row[f"Vol VaR {lk} (daily vol %)"] = (
                    _daily_vol(f[f"variance_var_{lk}"]) if f"variance_var_{lk}" in f else "n/a"
                )
                row[f"Return VaR {lk} %"] = (
                    100 * f[f"return_var_{lk}"] if f"return_var_{lk}" in f else "n/a"
                )
            rows.append(row)
    return pd.DataFrame(rows)


def coverage_table(metrics: dict) -> pd.DataFrame:
    rows = []
    for key, by_asset in metrics["coverage"].items():
        for asset, cov in by_asset.items():
            rows.append(
                {
                    "Setup": _label(key),
                    "Asset": asset,
                    **{f"{k} nominal": v for k, v in cov.items()},
                }
            )
    return pd.DataFrame(rows)


def breach_days(assets, backtests) -> pd.DataFrame:
    """Per day: the realised value, the VaR and the breach flag of every backtest."""
    frames = []
    for (setup, kind, asset_name, level), result in backtests.items():
        asset = assets[asset_name]
        spec = _spec(setup)
        fc = asset.forecasts[setup]
        if kind == "volatility":
            y = fc["y_true"].to_numpy(dtype=float)
            var = fc[f"var_{level_suffix(level)}"].to_numpy(dtype=float)
            index = fc.index
        else:
            ret = asset.next_return.loc[fc.index].to_numpy(dtype=float)
            var = spec.target.return_var(frame_dist(fc), level)
            ok = np.isfinite(ret)
            y, var, index = ret[ok], var[ok], fc.index[ok]
        frames.append(
            pd.DataFrame(
                {
                    "date": index,
                    "setup": setup,
                    "kind": kind,
                    "asset": asset_name,
                    "level": level,
                    "y_true": y,
                    "var": var,
                    "breach": result.breaches,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# --- figures ----------------------------------------------------------------------------


def _figures_for(
    out: Path, assets, correlations, days: pd.DataFrame, config: StudyConfig
) -> dict[str, Path]:
    fig_dir = out / "figures"
    figures = {}
    figures["realized_volatility"] = _figures.plot_realized_volatility(
        {a.name: a.daily[["rv", "jumps"]] for a in assets.values()},
        fig_dir / "realized_volatility.png",
    )
    if correlations:
        figures["rolling_correlation"] = _figures.plot_rolling_correlation(
            correlations, fig_dir / "rolling_correlation.png"
        )
    bands = {}
    for a in assets.values():
        for key in (STUDY_SETUP, RECOMMENDED_SETUP):
            fc = a.forecasts[key]
            lo, hi = frame_dist(fc).interval(BAND_LEVEL)
            bands[f"{a.name}, {_label(key)}, target {_target_label(_spec(key).transform)}"] = (
                pd.DataFrame(
                    {"y_true": fc["y_true"], "mean": fc["mean"], "lower": lo, "upper": hi},
                    index=fc.index,
                )
            )
    figures["forecasts"] = _figures.plot_forecasts(bands, fig_dir / "forecasts.png")
    panels = {}
    low, high = min(config.levels), max(config.levels)
    for a in assets.values():
        for setup, kind, level in (
            (STUDY_SETUP, "volatility", low),
            (RECOMMENDED_SETUP, "return", high),
        ):
            sel = days[
                (days["setup"] == setup)
                & (days["kind"] == kind)
                & (days["asset"] == a.name)
                & (days["level"] == level)
            ]
            title = f"{a.name}: {KIND_LABEL[kind]} {level:.0%}, {_label(setup)}"
            panels[title] = sel.set_index("date")[["y_true", "var", "breach"]]
    figures["var_breaches"] = _figures.plot_var_breaches(panels, fig_dir / "var_breaches.png")
    pit = {
        f"{a.name}, {'study' if key == STUDY_SETUP else 'recommended'}": pit_values(
            a.forecasts[key]
        )
        for a in assets.values()
        for key in (STUDY_SETUP, RECOMMENDED_SETUP)
    }
    figures["calibration"] = _figures.plot_calibration(pit, fig_dir / "calibration.png")
    return figures


# --- the report -------------------------------------------------------------------------


def _interpretation(metrics: dict, config: StudyConfig) -> list[str]:
    notes = []
    lstms = ("lstm", "attention_lstm", "prob_lstm_normal", "prob_lstm_t_log")
    for asset, models in metrics["accuracy"].items():
        # a QLIKE that leaves out days with a negative variance forecast is not comparable
        complete = [k for k in models if not models[k]["nonpositive"]] or list(models)
        best = min(complete, key=lambda k: models[k]["qlike"])
        hars = [k for k in ("har", "har_t_log") if k in complete] or ["har", "har_t_log"]
        best_har = min(hars, key=lambda k: models[k]["qlike"])
        har = models[best_har]["qlike"]
        losers = [_label(k) for k in lstms if models[k]["qlike"] > har]
        text = f"{asset}: the lowest QLIKE is {_label(best)}'s ({format_number(models[best]['qlike'])})."
        if losers:
            text += f" The better HAR model, {_label(best_har)} ({format_number(har)}), beats {', '.join(losers)}."
        else:
            text += f" Every LSTM beats the better HAR model, {_label(best_har)} ({format_number(har)})."
        bad = [
            f"{_label(k)} on {models[k]['nonpositive']} days"
            for k in models
            if models[k]["nonpositive"]
        ]
        if bad:
            text += f" A negative variance was forecast by {', '.join(bad)} (the log(1 + RV) target allows it)."
        notes.append(text)
    for setup in (STUDY_SETUP, RECOMMENDED_SETUP):
        for kind in ("volatility", "return"):
            for asset, levels in metrics["backtest"][setup][kind].items():
                bad = [
                    f"{lk}: {b['actual_breaches']} breaches vs {format_number(b['expected_breaches'])} expected, {b['result']}"
                    for lk, b in levels.items()
                    if b["result"] != "calibrated"
                ]
                if bad:
                    notes.append(
                        f"{_label(setup)}, {KIND_LABEL[kind]}, {asset}: miscalibrated ({'; '.join(bad)})."
                    )
    study, rec = metrics["setups"][STUDY_SETUP], metrics["setups"][RECOMMENDED_SETUP]
    notes.append(
        f"Study setup: {study['calibrated']} of {study['backtests']} backtests calibrated; recommended "
        f"setup: {rec['calibrated']} of {rec['backtests']}, with a variance-scale pinball loss "
        f"{format_number(rec['pinball_ratio'])} times the study setup's."
    )
    for asset in metrics["coverage"][STUDY_SETUP]:
        s = metrics["coverage"][STUDY_SETUP][asset]["0.95"]
        r = metrics["coverage"][RECOMMENDED_SETUP][asset]["0.95"]
        notes.append(
            f"{asset}: the central 95% interval covers {format_number(s)} of days for the study's setup "
            f"and {format_number(r)} for the recommended one."
        )
    return notes


def _report(config: StudyConfig, metrics: dict, figures: dict) -> Report:
    rep = Report("skvol study: volatility, jumps and Value-at-Risk")
    assets = list(metrics["data"])
    cfg = metrics["config"]
    source = {
        "simulated": f"the simulated market (`simulate_market`, {cfg['simulated_days']} business days, seed {config.seed})",
        "kaggle": "the Kaggle minute-bar dataset",
    }.get(config.data, f"files ({config.data})")
    rep.add(
        Paragraph(
            f"Data: {source}; assets {', '.join(assets)}; {'quick' if config.quick else 'full'} run. "
            f"Every number below was computed by this run and is also in `metrics.json`."
        )
    )
    rep.add(Heading("Data"))
    rep.add(
        Table(
            data_table(metrics),
            caption=(
                "Days in the study per asset (annualised vol: sqrt(days/year x mean daily RV))"
            ),
            csv_name="tables/data.csv",
        )
    )
    for asset, d in metrics["data"].items():
        if "true_jump_days" in d:
            rep.add(
                Paragraph(
                    f"{asset}: the simulation put jumps on {d['true_jump_days']} days; JumpCounter flagged "
                    f"{d['jump_days']} days and the BNS test rejects on {d['bns_rejections_5pct']} days at 5%. "
                    f"Correlation of daily RV with the true quadratic variation: {format_number(d['rv_vs_true_variance_corr'])}."
                )
            )
    rep.add(Heading("Features"))
    rep.add(
        Paragraph(
            "Each day's row of intraday returns becomes daily features: realized variance, bipower "
            "variation and the realized semivariances (logged), the number of intraday jumps "
            "(`JumpCounter`, threshold 4 local standard deviations from bipower variation with the "
            "intraday pattern learned in `fit`) and the daily return. Daily-measure assets use the "
            "measures of their file (5-minute RV, BV, downside semivariance, open-to-close return)."
        )
    )
    rep.add(
        Figure(figures["realized_volatility"], "Daily realized volatility with detected jump days")
    )
    if "rolling_correlation" in figures:
        for pair, c in metrics["correlation"].items():
            rep.add(
                Paragraph(
                    f"{pair}: 30-day rolling correlation of daily returns, mean {format_number(c['mean'])}, "
                    f"range {format_number(c['min'])} to {format_number(c['max'])}, last {format_number(c['last'])} "
                    f"({c['days']} days)."
                )
            )
        rep.add(
            Figure(figures["rolling_correlation"], "30-day rolling correlation of daily returns")
        )
    rep.add(Heading("Models"))
    rep.add(
        Bullets(
            [
                f"Target of the study's models: tomorrow's `log(1 + RV)` with returns in percent "
                f"(`next_day_target(panel, asset, 'rv', transform='log1p', scale={TARGET_SCALE:g})`); "
                "the recommended setup forecasts `log RV` on the same scale.",
                *[
                    f"`{s.key}`: {s.label}, target {_target_label(s.transform)}"
                    for s in STUDY_MODELS + CANDIDATES
                ],
                f"Study setup: `{STUDY_SETUP}`; recommended setup: `{RECOMMENDED_SETUP}` (see Setup comparison).",
                f"Recurrent models: lookback {cfg['lookback']} days, hidden size {cfg['hidden_size']}, "
                f"at most {cfg['max_epochs']} epochs, early stopping patience {cfg['patience']}, seed {config.seed}.",
            ]
        )
    )
    rep.add(
        Table(
            tomorrow_table(metrics, config),
            caption="Each model fitted on all days: tomorrow's forecast (daily volatility in %, return VaR in %)",
            csv_name="tables/tomorrow.csv",
        )
    )
    rep.add(Heading("Walk-forward accuracy"))
    rep.add(
        Paragraph(
            f"`walk_forward_predict` refits each pipeline on an expanding window ({cfg['n_splits']} folds of "
            "`TimeSeriesSplit`) and forecasts the next fold. Errors on the variance scale (daily variance of "
            "percent returns, %^2) of the plug-in forecast `g^-1(mean)`; QLIKE = v/h - log(v/h) - 1 (Patton 2011). "
            "A `log(1 + RV)` forecast below 0 means a negative variance: such days are counted in the "
            "last column, count as 0 in RMSE and MAE, and are left out of QLIKE, which needs h > 0."
        )
    )
    rep.add(
        Table(
            accuracy_table(metrics),
            caption="Point-forecast accuracy on the same folds",
            csv_name="tables/accuracy.csv",
        )
    )
    rep.add(Heading("Probabilistic forecasts"))
    rep.add(Figure(figures["forecasts"], "Predicted mean and 95% band against the realised target"))
    rep.add(Heading("VaR backtests"))
    rep.add(
        Paragraph(
            "Volatility VaR: the upper quantile of the predicted target distribution; a breach is a realised "
            "target above it. Return VaR: the lower quantile of tomorrow's daily log return r ~ N(0, V) mixed "
            "over the predicted distribution of the variance V (`return_var`); a breach is a realised return "
            "below it. Result: two-sided Kupiec test at 5%; Basel traffic light on the last 250 days, "
            "for 99% VaR only (n/a otherwise)."
        )
    )
    for setup, name in ((STUDY_SETUP, "Study setup"), (RECOMMENDED_SETUP, "Recommended setup")):
        for kind in ("volatility", "return"):
            for level in config.levels:
                rep.add(
                    Table(
                        backtest_table(metrics, setup, kind, level),
                        caption=f"{name} ({_label(setup)}): {KIND_LABEL[kind]} at {level:.0%}",
                        csv_name=f"tables/var_{setup}_{kind}_{_level_key(level)}.csv",
                    )
                )
    rep.add(Figure(figures["var_breaches"], "VaR forecasts and breaches over time"))
    rep.add(Heading("Calibration"))
    rep.add(
        Table(
            coverage_table(metrics),
            caption="Coverage of central intervals",
            csv_name="tables/coverage.csv",
        )
    )
    rep.add(Figure(figures["calibration"], "Interval coverage and PIT histograms"))
    rep.add(Heading("Setup comparison"))
    rep.add(
        Paragraph(
            "Every distribution model on the same folds. Pinball loss of the volatility VaR: in sample "
            "(`VaRBacktestScorer` on the days the final model was fitted on) and walk-forward, on the "
            "target scale, and walk-forward on the variance scale (%^2), which is comparable across "
            "targets because quantiles map through the monotone inverse transform. Lower is better; "
            "a walk-forward loss far above the in-sample one is overfitting."
        )
    )
    rep.add(
        Table(
            setup_summary_table(metrics),
            caption=(
                "Setups in brief: Kupiec-calibrated backtests (volatility and return VaR, every "
                "asset and level), mean coverage of the 95% interval, and mean variance-scale "
                "pinball loss relative to the study's setup"
            ),
            csv_name="tables/setup_summary.csv",
        )
    )
    rep.add(
        Table(
            comparison_table(metrics, config),
            caption="Distribution models compared",
            csv_name="tables/setups.csv",
        )
    )
    rep.add(Heading("Interpretation"))
    rep.add(Bullets(_interpretation(metrics, config)))
    rep.add(Heading("Reproduce"))
    rep.add(Code(metrics["command"], "bash"))
    env = metrics["environment"]
    rep.add(Paragraph("Environment: " + ", ".join(f"{k} {v}" for k, v in env.items()) + "."))
    timings = metrics["timings"]["stages"]
    rep.add(
        Paragraph(
            "Stage times (s): "
            + ", ".join(f"{k} {format_number(v)}" for k, v in timings.items())
            + "."
        )
    )
    return rep


def command_line(config: StudyConfig) -> str:
    """The ``skvol study`` command that reproduces a run."""
    parts = ["skvol", "study"]
    if config.data not in ("simulated", "files"):
        parts += ["--data", str(config.data)]
    if config.paths:
        parts += ["--assets", *[f"{k}={v}" for k, v in config.paths.items()]]
    elif config.assets:
        parts += ["--assets", *config.assets]
    for k, v in config.sessions.items():
        parts += ["--session", f"{k}={v}"]
    if config.quick:
        parts.append("--quick")
    if config.n_days is not None:
        parts += ["--days", str(config.n_days)]
    if config.n_jobs != 1:
        parts += ["--jobs", str(config.n_jobs)]
    if config.freq != "5min":
        parts += ["--freq", config.freq]
    parts += ["--seed", str(config.seed), "--out", str(config.out)]
    return shlex.join(parts)


def write_outputs(
    config, out, assets, correlations, accuracy, backtests, pinball, runner, stage, started
):
    """Write figures, tables, ``metrics.json`` and the report; return the StudyResult."""
    metrics = build_metrics(
        config,
        assets,
        correlations,
        accuracy,
        backtests,
        pinball,
        runner,
        environment(),
        config_dict(config),
    )
    metrics["command"] = command_line(config)
    days = breach_days(assets, backtests)
    stage.advance("metrics")
    figures = _figures_for(out, assets, correlations, days, config)
    stage.advance("figures")
    tables = {
        "data": data_table(metrics),
        "accuracy": accuracy_table(metrics),
        "tomorrow": tomorrow_table(metrics, config),
        "coverage": coverage_table(metrics),
        "setups": comparison_table(metrics, config),
        "setup_summary": setup_summary_table(metrics),
        "breach_days": days,
    }
    for setup in (STUDY_SETUP, RECOMMENDED_SETUP):
        for kind in ("volatility", "return"):
            for level in config.levels:
                tables[f"var_{setup}_{kind}_{_level_key(level)}"] = backtest_table(
                    metrics, setup, kind, level
                )
    for a in assets.values():
        tables[f"daily_{a.name}"] = a.daily
        for key, fc in a.forecasts.items():
            tables[f"forecasts_{a.name}_{key}"] = fc
    paths = {}
    for name, frame in tables.items():
        path = out / "tables" / f"{name}.csv"
        frame.to_csv(path, index=name.startswith(("forecasts_", "daily_")))
        paths[name] = path
    stage.advance("tables")
    metrics["timings"]["total_seconds"] = time.perf_counter() - started
    report = _report(config, metrics, figures)
    md, html = report.write(out)
    metrics_json = out / "metrics.json"
    metrics_json.write_text(json.dumps(metrics, indent=2))
    stage.advance("report")
    return StudyResult(
        config=config,
        out=out,
        report_md=md,
        report_html=html,
        metrics_json=metrics_json,
        figures=figures,
        tables=paths,
        metrics=metrics,
    )
