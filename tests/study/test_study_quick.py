"""``skvol study --quick`` end to end, checked by content.

One quick run on the simulated market (module fixture, through the console script's
``main``), then every output is checked against an independent recomputation: breach
counts from the per-day breach flags (which are themselves recomputed from the realised
values and VaRs), rates as counts over days, Kupiec p-values from the likelihood ratio,
accuracy from the forecast frames, coverage from the distributions, the rolling
correlation from the daily returns, and every number of the report's tables against
``metrics.json`` and the CSV tables.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from filelock import FileLock
from matplotlib.image import imread
from scipy import stats

from skvol.study._cli import main
from skvol.study._report import format_number

LEVELS = (0.95, 0.99)
SETUPS = ("prob_lstm_normal", "har_t_log", "cross_asset")
MODELS = (
    "lstm",
    "attention_lstm",
    "prob_lstm_normal",
    "har",
    "prob_lstm_t_log",
    "har_t_log",
    "cross_asset",
)
RETURN_MODELS = ("ewma", "garch", "gjr_t")
ASSETS = ("BTC", "EURUSD", "SPX")
FIGURES = ("realized_volatility", "rolling_correlation", "forecasts", "var_breaches", "calibration")


@pytest.fixture(scope="session")
def run(tmp_path_factory, request) -> Path:
    """One quick study per test session, shared by pytest-xdist workers (file lock)."""
    if hasattr(request.config, "workerinput"):  # an xdist worker: share the session's root
        root = tmp_path_factory.getbasetemp().parent
    else:
        root = tmp_path_factory.mktemp("study")
    out = root / "skvol-quick-study"
    with FileLock(str(root / "skvol-quick-study.lock")):
        if not (out / "metrics.json").is_file():
            argv = ["study", "--quick", "--seed", "3", "--out", str(out), "--no-progress"]
            assert main(argv) == 0
    return out


@pytest.fixture(scope="session")
def metrics(run) -> dict:
    return json.loads((run / "metrics.json").read_text())


def _md_tables(md: str) -> dict[str, list[list[str]]]:
    """Every Markdown table of the report under its caption: header row then body rows."""
    tables = {}
    for match in re.finditer(r"\*([^*\n]+)\*\n\n((?:\|.*\|\n)+)", md):
        lines = match.group(2).strip().splitlines()
        rows = [
            [c.strip().replace("\\|", "|") for c in line.strip("|").split(" | ")] for line in lines
        ]
        tables[match.group(1)] = [rows[0]] + rows[2:]
    return tables


def test_outputs_exist_and_command_is_recorded(run, metrics):
    assert (run / "report.md").is_file() and (run / "report.html").is_file()
    assert metrics["command"].startswith("skvol study --assets BTC EURUSD SPX --quick")
    assert metrics["config"]["quick"] is True and metrics["config"]["seed"] == 3
    assert set(metrics["data"]) == set(ASSETS)
    assert set(metrics["timings"]["stages"]) == {
        "read",
        "panel",
        "features",
        "models",
        "walk-forward",
        "backtest",
        "report",
    }


def test_figures_decode_and_html_embeds_them(run):
    page = (run / "report.html").read_text()
    embedded = [
        base64.b64decode(b) for b in re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    ]
    md = (run / "report.md").read_text()
    for name in FIGURES:
        path = run / "figures" / f"{name}.png"
        image = imread(path)
        assert image.shape[0] >= 300 and image.shape[1] >= 800, name
        assert image[..., :3].std() > 0.05, f"{name} looks blank"
        assert f"](figures/{name}.png)" in md
        assert path.read_bytes() in embedded
    assert len(embedded) == len(FIGURES)
    assert 'src="figures/' not in page


def test_breach_flags_counts_and_rates(run, metrics):
    days = pd.read_csv(run / "tables" / "breach_days.csv")
    upper = days["kind"] == "volatility"
    recomputed = np.where(upper, days["y_true"] > days["var"], days["y_true"] < days["var"])
    np.testing.assert_array_equal(days["breach"].to_numpy(), recomputed)
    for setup in SETUPS:
        for kind in ("volatility", "return"):
            for level in LEVELS:
                table = pd.read_csv(run / "tables" / f"var_{setup}_{kind}_{level:g}.csv")
                assert list(table["Asset"]) == list(ASSETS)
                for _, row in table.iterrows():
                    sel = days[
                        (days["setup"] == setup)
                        & (days["kind"] == kind)
                        & (days["asset"] == row["Asset"])
                        & (days["level"] == level)
                    ]
                    n, x = len(sel), int(sel["breach"].sum())
                    assert row["Days"] == n and row["Breaches"] == x
                    assert row["Expected"] == pytest.approx(n * (1 - level))
                    assert row["Recal. breaches"] == int(sel["breach_recal"].sum())
                    # Kupiec (1995) likelihood ratio, written out independently
                    p, phat = 1 - level, x / n
                    ll0 = (n - x) * np.log(1 - p) + x * np.log(p)
                    ll1 = (n - x) * np.log(1 - phat) if x < n else 0.0
                    ll1 += x * np.log(phat) if x > 0 else 0.0
                    assert row["Kupiec p"] == pytest.approx(
                        stats.chi2.sf(2 * (ll1 - ll0), 1), rel=1e-6
                    )
                    m = metrics["backtest"][setup][kind][row["Asset"]][f"{level:g}"]
                    assert m["actual_breaches"] == x and m["days"] == n
                    assert m["result"] == row["Result"]


def test_volatility_breaches_match_the_forecast_frames(run):
    days = pd.read_csv(run / "tables" / "breach_days.csv", parse_dates=["date"])
    for asset in ASSETS:
        fc = pd.read_csv(run / "tables" / f"forecasts_{asset}_prob_lstm_normal.csv", index_col=0)
        sel = days[
            (days["setup"] == "prob_lstm_normal")
            & (days["kind"] == "volatility")
            & (days["asset"] == asset)
            & (days["level"] == 0.95)
        ]
        q = stats.norm(fc["mean"], fc["scale"]).ppf(0.95)
        np.testing.assert_allclose(sel["var"].to_numpy(), q, rtol=1e-9)
        np.testing.assert_array_equal(sel["breach"].to_numpy(), fc["y_true"].to_numpy() > q)


def test_models_share_the_folds_and_accuracy_is_recomputed(run, metrics):
    for asset in ASSETS:
        frames = {
            m: pd.read_csv(run / "tables" / f"forecasts_{asset}_{m}.csv", index_col=0)
            for m in MODELS
        }
        first = frames["lstm"]
        assert first["fold"].nunique() == metrics["config"]["n_splits"]
        for model, fc in frames.items():
            assert list(fc.index) == list(first.index), model
            log_target = model.endswith("_log") or model == "cross_asset"
            inv = np.exp if log_target else np.expm1
            v, h = inv(fc["y_true"]), inv(fc["mean"])  # both in %^2 (returns scaled by 100)
            m = metrics["accuracy"][asset][model]
            ok = h > 0
            assert m["nonpositive"] == int((~ok).sum())
            h0 = h.clip(lower=0)
            assert m["rmse"] == pytest.approx(np.sqrt(np.mean((h0 - v) ** 2)), rel=1e-9)
            assert m["mae"] == pytest.approx(np.mean(np.abs(h0 - v)), rel=1e-9)
            ratio = v[ok] / h[ok]
            assert m["qlike"] == pytest.approx(np.mean(ratio - np.log(ratio) - 1), rel=1e-9)
        # the two targets are the same day's RV: exp(log RV) = expm1(log(1 + RV))
        np.testing.assert_allclose(
            np.exp(frames["har_t_log"]["y_true"]), np.expm1(first["y_true"]), rtol=1e-9
        )


def test_coverage_from_the_distributions(run, metrics):
    for asset in ASSETS:
        fc = pd.read_csv(run / "tables" / f"forecasts_{asset}_har_t_log.csv", index_col=0)
        dist = stats.t(fc["df"], fc["mean"], fc["scale"])
        lo, hi = dist.ppf(0.025), dist.ppf(0.975)
        inside = ((fc["y_true"] >= lo) & (fc["y_true"] <= hi)).mean()
        assert metrics["coverage"]["har_t_log"][asset]["0.95"] == pytest.approx(inside)


def test_rolling_correlation_from_daily_returns(run, metrics):
    """Every pair of the assets studied, each on the days both assets have."""
    pairs = [(a, b) for i, a in enumerate(ASSETS) for b in ASSETS[i + 1 :]]
    assert list(metrics["correlation"]) == [f"{a}/{b}" for a, b in pairs]
    md = (run / "report.md").read_text()
    for a, b in pairs:
        x = pd.read_csv(run / "tables" / f"daily_{a}.csv", index_col=0, parse_dates=True)["ret"]
        y = pd.read_csv(run / "tables" / f"daily_{b}.csv", index_col=0, parse_dates=True)["ret"]
        both = pd.concat([x, y], axis=1, join="inner").dropna()
        corr = both.iloc[:, 0].rolling(30).corr(both.iloc[:, 1]).dropna()
        c = metrics["correlation"][f"{a}/{b}"]
        assert c["days"] == len(corr)
        assert c["mean"] == pytest.approx(corr.mean(), rel=1e-9)
        assert c["last"] == pytest.approx(corr.iloc[-1], rel=1e-9)
        assert f"{a}/{b}: 30-day rolling correlation of daily returns, mean " in md


def test_data_summary_against_the_daily_features(run, metrics):
    for asset in ASSETS:
        daily = pd.read_csv(run / "tables" / f"daily_{asset}.csv", index_col=0)
        d = metrics["data"][asset]
        assert d["days"] == len(daily)
        assert d["jump_days"] == int((daily["jumps"] > 0).sum())
        assert d["mean_daily_vol_pct"] == pytest.approx(100 * np.sqrt(daily["rv"]).mean())
        # BTC trades every calendar day, the others on about 252 days a year
        per_year = 365 if asset == "BTC" else 252
        assert d["annualised_vol_pct"] == pytest.approx(
            100 * np.sqrt(per_year * daily["rv"].mean())
        )
        # the simulated truth: RV tracks the true quadratic variation closely
        assert d["rv_vs_true_variance_corr"] > 0.9


def test_report_tables_match_csv_and_metrics(run, metrics):
    md = (run / "report.md").read_text()
    tables = _md_tables(md)
    csv_refs = re.findall(r"\(CSV: `tables/([^`]+)\.csv`\)", md)
    captions = list(tables)
    assert len(csv_refs) == len(captions)
    for caption, name in zip(captions, csv_refs, strict=True):
        frame = pd.read_csv(run / "tables" / f"{name}.csv", keep_default_na=False)
        rows = tables[caption]
        assert rows[0] == list(frame.columns), caption
        assert len(rows) - 1 == len(frame), caption
        for md_row, csv_row in zip(rows[1:], frame.itertuples(index=False), strict=True):
            for text, value in zip(md_row, csv_row, strict=True):
                _same_cell(text, value, caption)
    accuracy = tables["Point-forecast accuracy on the same folds"]
    for row in accuracy[1:]:
        asset, label = row[0], row[1]
        key = next(k for k in MODELS if label.startswith(_label_prefix(k)))
        assert row[6] == format_number(metrics["accuracy"][asset][key]["qlike"])


def _as_float(text) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _same_cell(text: str, value, caption: str) -> None:
    """A report cell shows the CSV value: numbers to the report's 4 digits, text exactly."""
    number = _as_float(value) if not isinstance(value, bool | np.bool_) else None
    if (
        number is not None
        and _as_float(text) is not None
        and not isinstance(value, int | np.integer)
    ):
        assert float(text) == pytest.approx(number, rel=1e-3, abs=1e-12), (caption, text, value)
    else:
        assert text == str(value), (caption, text, value)


def _label_prefix(key: str) -> str:
    return {
        "lstm": "LSTMRegressor",
        "attention_lstm": "AttentionLSTMRegressor",
        "prob_lstm_normal": "ProbabilisticLSTMRegressor (Normal)",
        "har": "HARRegressor (HAR-log, Normal)",
        "prob_lstm_t_log": "ProbabilisticLSTMRegressor (Student-t)",
        "har_t_log": "HARRegressor (HAR-log, Student-t)",
        "cross_asset": "CrossAssetLSTMRegressor",
    }[key]


def test_interpretation_sentences_use_the_metrics(run, metrics):
    md = (run / "report.md").read_text()
    section = md.split("## Interpretation", 1)[1].split("## Reproduce", 1)[0]
    for asset in ASSETS:
        acc = metrics["accuracy"][asset]
        complete = [k for k in acc if acc[k]["nonpositive"] == 0] or list(acc)
        best = min(complete, key=lambda k: acc[k]["qlike"])
        assert f"{asset}: the lowest QLIKE is {_label_prefix(best)}" in section
        har = min(acc["har"]["qlike"], acc["har_t_log"]["qlike"])
        assert format_number(har) in section
        assert format_number(acc[best]["qlike"]) in section
        cov = metrics["coverage"]["prob_lstm_normal"][asset]["0.95"]
        assert f"covers {format_number(cov)} of days for the study's setup" in section


def test_setup_summary_counts_the_backtests(run, metrics):
    for key in SETUPS:
        results = [
            b["result"]
            for kind in ("volatility", "return")
            for asset in ASSETS
            for b in metrics["backtest"][key][kind][asset].values()
        ]
        summary = metrics["setups"][key]
        assert summary["backtests"] == len(results) == 2 * len(ASSETS) * len(LEVELS)
        assert summary["calibrated"] == results.count("calibrated")
    assert metrics["setups"]["prob_lstm_normal"]["pinball_ratio"] == pytest.approx(1.0)


def test_a_qlike_over_fewer_days_is_not_the_lowest(metrics):
    """A model whose negative variance forecasts were left out of its QLIKE is not ranked."""
    from skvol.study._metrics import StudyMetrics
    from skvol.study._report import accuracy_notes

    changed = json.loads(json.dumps(metrics))
    acc = changed["accuracy"]["BTC"]
    acc["har"].update(qlike=1e-6, nonpositive=5)
    notes = accuracy_notes(StudyMetrics.from_dict(changed))
    btc = next(n for n in notes if n.startswith("BTC:"))
    assert "HARRegressor (HAR-log, Normal)'s" not in btc
    assert "HARRegressor (HAR-log, Normal) on 5 days" in btc


def test_metrics_json_is_the_records_serialised(run, metrics):
    """metrics.json reads back into the records and writes out again byte for byte."""
    from skvol.study._metrics import StudyMetrics

    records = StudyMetrics.from_dict(metrics)
    assert json.dumps(records.to_dict(), indent=2) == (run / "metrics.json").read_text()
    assert records.assets == list(ASSETS)
    assert [a.model for a in records.accuracy_of("BTC")] == list(MODELS)
    har = records.fit_of("SPX", "har_t_log")
    assert [f.level for f in har.levels] == list(LEVELS)
    assert har.at(0.99).return_var == metrics["fits"]["SPX"]["har_t_log"]["return_var_0.99"]
    assert records.fit_of("SPX", "lstm").levels == ()


def test_a_new_model_is_in_every_sentence(metrics, monkeypatch):
    """A newly registered model enters the interpretation without editing the report code."""
    from skvol.study import _pipelines
    from skvol.study._metrics import StudyMetrics
    from skvol.study._report import accuracy_notes

    new = _pipelines.ModelSpec("gru", "GRURegressor", "log", False, "GRU", None)
    registered = _pipelines.all_models() + (new,)
    monkeypatch.setattr(_pipelines, "all_models", lambda: registered)
    changed = json.loads(json.dumps(metrics))
    for asset in ASSETS:
        acc = changed["accuracy"][asset]
        acc["gru"] = dict(acc["har"], qlike=1e3)  # far worse than every HAR model
    notes = accuracy_notes(StudyMetrics.from_dict(changed))
    for asset in ASSETS:
        note = next(n for n in notes if n.startswith(f"{asset}:"))
        assert "GRURegressor" in note.split("beats", 1)[1], note


def test_return_var_is_backtested_against_the_next_days_return(run):
    """Day t's return VaR is judged by day t+1's return (the next row's sum of returns)."""
    days = pd.read_csv(run / "tables" / "breach_days.csv", parse_dates=["date"])
    for asset in ASSETS:
        daily = pd.read_csv(run / "tables" / f"daily_{asset}.csv", index_col=0, parse_dates=True)
        tomorrow = daily["ret"].shift(-1)
        sel = days[
            (days["setup"] == "har_t_log")
            & (days["kind"] == "return")
            & (days["asset"] == asset)
            & (days["level"] == 0.99)
        ]
        assert len(sel) > 0 and tomorrow.loc[sel["date"]].notna().all()
        np.testing.assert_allclose(sel["y_true"], tomorrow.loc[sel["date"]], rtol=1e-12)


# --- the risk desk: forecast comparison, ES, DQ, the pooled model, the return models ------


def _frame(run: Path, asset: str, model: str) -> pd.DataFrame:
    return pd.read_csv(
        run / "tables" / f"forecasts_{asset}_{model}.csv", index_col=0, parse_dates=True
    )


def _newey_west_dm_p(d: np.ndarray) -> float:
    """Two-sided DM p-value, written out: Bartlett lag floor(n^(1/3)), HLN, t(n - 1)."""
    n = d.size
    lag = int(np.floor(n ** (1 / 3)))
    u = d - d.mean()
    s = u @ u / n + 2 * sum((1 - k / (lag + 1)) * (u[k:] @ u[:-k]) / n for k in range(1, lag + 1))
    dm = d.mean() / np.sqrt(s / n) * np.sqrt((n - 1) / n)
    return float(2 * stats.t.sf(abs(dm), n - 1))


def test_forecast_comparison_recomputed_from_the_forecast_frames(run, metrics):
    """QLIKE of E[V] on the common days, its ratio to HAR-log and the DM p-value."""
    for asset in ASSETS:
        comp = metrics["comparison"][asset]
        assert set(comp) == set(MODELS) | set(RETURN_MODELS)
        har, cross = _frame(run, asset, "har"), _frame(run, asset, "cross_asset")
        common = har.index.intersection(cross.index)
        # HAR-log on log(1 + RV) in percent, Normal: a variance is never negative, so
        # E[V] = E[max(exp(Y) - 1, 0)] / 1e4 = (e^(mu + s^2/2) Phi((mu + s^2)/s) - Phi(mu/s)) / 1e4
        mu, s = har["mean"], har["scale"]
        ev_har = (
            np.exp(mu + s**2 / 2) * stats.norm.cdf((mu + s**2) / s) - stats.norm.cdf(mu / s)
        ) / 1e4
        ev_cross = np.exp(cross["mean"] + cross["scale"] ** 2 / 2) / 1e4  # log RV
        rv = np.expm1(har["y_true"]) / 1e4
        ewma = _frame(run, asset, "ewma")
        keep = ewma.index.intersection(common)
        positive = ev_har > 0
        for point in ("lstm", "attention_lstm"):  # plug-in expm1(mean) can be <= 0
            positive &= np.expm1(_frame(run, asset, point)["mean"]) > 0
        keep = keep[positive.loc[keep].to_numpy()]
        assert len(keep) == comp["har"]["days"]

        def qlike(h, rv=rv, keep=keep):
            ratio = rv.loc[keep] / h.loc[keep]
            return (ratio - np.log(ratio) - 1).to_numpy()

        lh, lc = qlike(ev_har), qlike(ev_cross)
        assert comp["har"]["qlike"] == pytest.approx(lh.mean(), rel=1e-9)
        assert comp["cross_asset"]["qlike_ratio"] == pytest.approx(lc.mean() / lh.mean(), rel=1e-9)
        assert comp["cross_asset"]["dm_p"] == pytest.approx(_newey_west_dm_p(lc - lh), rel=1e-9)
        assert "dm_p" not in comp["har"]
        # EWMA: tomorrow's return variance is its scale squared (zero-mean Normal)
        le = qlike(ewma["scale"] ** 2)
        assert comp["ewma"]["qlike"] == pytest.approx(le.mean(), rel=1e-9)
        # the MCS keeps at least the model with the lowest loss, at p = 1
        best = min(comp, key=lambda k: comp[k]["qlike"])
        assert comp[best]["in_mcs"] and comp[best]["mcs_p"] == 1.0
        for entry in comp.values():
            assert entry["in_mcs"] == (entry["mcs_p"] >= 0.10)


def test_es_of_the_ewma_model_is_the_normal_tail_mean(run, metrics):
    """EWMA's ES at 97.5%: -sigma phi(z) / 0.025 (zero mean), breaches of its 2.5% quantile."""
    z = stats.norm.ppf(0.975)
    for asset in ASSETS:
        fc = _frame(run, asset, "ewma")
        daily = pd.read_csv(run / "tables" / f"daily_{asset}.csv", index_col=0, parse_dates=True)
        nxt = daily["ret"].shift(-1).reindex(fc.index)
        ok = nxt.notna()
        sigma, r = fc.loc[ok, "scale"], nxt[ok]
        es = metrics["es"]["ewma"][asset]["0.975"]
        assert es["days"] == int(ok.sum())
        assert es["mean_es"] == pytest.approx(-(sigma * stats.norm.pdf(z) / 0.025).mean(), rel=1e-9)
        assert es["breaches"] == int((r < -z * sigma).sum())
        for p in ("z2_p", "z1_p", "mcneil_frey_p"):
            assert p not in es or 0.0 < es[p] <= 1.0
    assert set(metrics["es"]) == {
        "prob_lstm_normal",
        "har",
        "prob_lstm_t_log",
        "har_t_log",
        "cross_asset",
        *RETURN_MODELS,
    }


def _dq_p(hit: np.ndarray, var: np.ndarray, level: float, lags: int = 4) -> float:
    """Engle-Manganelli DQ written out: Hit on (1, 4 lagged hits, VaR), chi2(rank)."""
    h = hit.astype(float) - (1 - level)
    X = np.column_stack(
        [np.ones(h.size - lags)] + [h[lags - k : -k] for k in range(1, lags + 1)] + [var[lags:]]
    )
    y = h[lags:]
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    stat = float(y @ X @ beta) / (level * (1 - level))
    return float(stats.chi2.sf(stat, np.linalg.matrix_rank(X)))


def test_dq_p_values_and_recalibrated_breaches(run, metrics):
    days = pd.read_csv(run / "tables" / "breach_days.csv")
    for (setup, kind, asset, level), sel in days.groupby(["setup", "kind", "asset", "level"]):
        b = metrics["backtest"][setup][kind][asset][f"{level:g}"]
        var, hit = sel["var"].to_numpy(), sel["breach"].to_numpy()
        assert b["dq_p"] == pytest.approx(_dq_p(hit, var, level), rel=1e-6, abs=1e-12)
        recal = sel["var_recal"].to_numpy()
        assert np.isfinite(recal).all()
        side = sel["y_true"] > recal if kind == "volatility" else sel["y_true"] < recal
        np.testing.assert_array_equal(sel["breach_recal"].to_numpy(), side.to_numpy())
        assert b["recal_breaches"] == int(side.sum())
    # the return models have return VaR backtests only
    for model in RETURN_MODELS:
        assert set(metrics["backtest"][model]) == {"return"}


def test_pooled_model_is_tested_on_each_assets_own_folds(run, metrics):
    for asset in ASSETS:
        cross, har = _frame(run, asset, "cross_asset"), _frame(run, asset, "har_t_log")
        assert cross.index.equals(har.index)
        np.testing.assert_allclose(cross["y_true"], har["y_true"], rtol=1e-12)
        np.testing.assert_array_equal(cross["fold"], har["fold"])
        fit = metrics["fits"][asset]["cross_asset"]
        assert fit["date"] == metrics["fits"][asset]["har_t_log"]["date"]
        assert fit["return_var_0.99"] < fit["return_var_0.95"] < 0
