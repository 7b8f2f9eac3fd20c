"""The study's report: its text, as one list of blocks written as Markdown and HTML.

A report is built from a few block types (heading, paragraph, table, figure, code) so
that the same content renders to both formats without a Markdown parser. The HTML embeds
every figure as a base64 PNG, so ``report.html`` is one file that can be mailed around.
:func:`study_report` writes the study's text from its metrics records, tables and
figures; every sentence loops over the registered models and the run's assets.
"""

from __future__ import annotations

import base64
import html
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from skvol.study._figures import KIND_LABEL
from skvol.study._metrics import StudyMetrics, level_key
from skvol.study._pipelines import (
    BASELINE_FAMILY,
    CROSS_ASSET_SETUP,
    RECOMMENDED_SETUP,
    REPORTED_SETUPS,
    RETURN_MODELS,
    STUDY_SETUP,
    TARGET_SCALE,
    all_models,
    model_spec,
)
from skvol.study._tables import backtest_table_name

if TYPE_CHECKING:
    from skvol.study._config import StudyConfig


def format_number(value, digits: int = 4) -> str:
    """Format a table or text number the same way everywhere (report and tests).

    Integers print as integers; other reals with ``digits`` significant digits, in
    scientific notation when very small or large; NaN prints as ``"nan"``.
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        if x == 0.0:
            return "0"
        if 1e3 <= abs(x) < 1e7:
            return f"{x:.1f}"
        if 1e-3 <= abs(x) < 1e3:
            return f"{x:.{digits}g}"
        return f"{x:.{digits - 1}e}"
    return str(value)


@dataclass
class Heading:
    """A section heading (level 1 to 4)."""

    text: str
    level: int = 2


@dataclass
class Paragraph:
    """A paragraph; ``text`` may use inline Markdown code spans and ``**bold**``."""

    text: str


@dataclass
class Bullets:
    """A bullet list."""

    items: list[str]


@dataclass
class Table:
    """A table from a DataFrame (the index is written as the first column when named)."""

    frame: pd.DataFrame
    caption: str = ""
    csv_name: str | None = None


@dataclass
class Figure:
    """A PNG figure, referenced by relative path in Markdown and embedded in HTML."""

    path: Path
    caption: str


@dataclass
class Code:
    """A code block."""

    text: str
    language: str = ""


Block = Heading | Paragraph | Bullets | Table | Figure | Code


@dataclass
class Report:
    """An ordered list of blocks with Markdown and HTML writers."""

    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, block: Block) -> None:
        """Append a block."""
        self.blocks.append(block)

    def to_markdown(self, base: Path) -> str:
        """Render as Markdown; figure paths are written relative to ``base``."""
        out = [f"# {self.title}", ""]
        for block in self.blocks:
            out.extend(_markdown(block, base))
            out.append("")
        return "\n".join(out).rstrip() + "\n"

    def to_html(self) -> str:
        """Render as one self-contained HTML page (figures embedded as base64 PNG)."""
        body = [f"<h1>{html.escape(self.title)}</h1>"]
        body.extend(_html(block) for block in self.blocks)
        return _HTML_PAGE.format(title=html.escape(self.title), body="\n".join(body))

    def write(self, out: Path, stem: str = "report") -> tuple[Path, Path]:
        """Write ``<stem>.md`` and ``<stem>.html`` into ``out``; return both paths."""
        md_path = out / f"{stem}.md"
        html_path = out / f"{stem}.html"
        md_path.write_text(self.to_markdown(out), encoding="utf-8")
        html_path.write_text(self.to_html(), encoding="utf-8")
        return md_path, html_path


def table_cells(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and formatted body cells of a table, index first when it is named."""
    frame = frame.reset_index() if frame.index.name is not None else frame
    header = [str(c) for c in frame.columns]
    rows = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return header, rows


def _cell(value) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return format_number(value)


def _markdown(block: Block, base: Path) -> list[str]:
    if isinstance(block, Heading):
        return ["#" * block.level + " " + block.text]
    if isinstance(block, Paragraph):
        return [block.text]
    if isinstance(block, Bullets):
        return [f"- {item}" for item in block.items]
    if isinstance(block, Table):
        header, rows = table_cells(block.frame)
        lines = []
        if block.caption:
            lines += [f"*{block.caption}*", ""]
        lines.append("| " + " | ".join(_md_escape(h) for h in header) + " |")
        lines.append("|" + "|".join("---" for _ in header) + "|")
        lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows]
        if block.csv_name:
            lines += ["", f"(CSV: `{block.csv_name}`)"]
        return lines
    if isinstance(block, Figure):
        rel = Path(block.path).resolve().relative_to(base.resolve()).as_posix()
        return [f"![{block.caption}]({rel})", "", f"*{block.caption}*"]
    if isinstance(block, Code):
        return [f"```{block.language}", block.text.rstrip("\n"), "```"]
    raise TypeError(f"unknown report block {type(block).__name__}")


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _inline(text: str) -> str:
    """Escape text for HTML, keeping the report's inline Markdown: `code` and **bold**."""
    parts = html.escape(text).split("`")
    for i in range(1, len(parts), 2):
        parts[i] = f"<code>{parts[i]}</code>"
    out = "".join(parts)
    pieces = out.split("**")
    for i in range(1, len(pieces), 2):
        pieces[i] = f"<strong>{pieces[i]}</strong>"
    return "".join(pieces)


def _html(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{_inline(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f"<p>{_inline(block.text)}</p>"
    if isinstance(block, Bullets):
        items = "".join(f"<li>{_inline(item)}</li>" for item in block.items)
        return f"<ul>{items}</ul>"
    if isinstance(block, Table):
        header, rows = table_cells(block.frame)
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        caption = f"<caption>{_inline(block.caption)}</caption>" if block.caption else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if isinstance(block, Figure):
        data = base64.b64encode(Path(block.path).read_bytes()).decode("ascii")
        return (
            f'<figure><img alt="{html.escape(block.caption)}" '
            f'src="data:image/png;base64,{data}"/>'
            f"<figcaption>{_inline(block.caption)}</figcaption></figure>"
        )
    if isinstance(block, Code):
        return f"<pre><code>{html.escape(block.text)}</code></pre>"
    raise TypeError(f"unknown report block {type(block).__name__}")


# --- the study's text -------------------------------------------------------------------


def _joined(words: list[str]) -> str:
    return " or ".join(words)


def accuracy_notes(metrics: StudyMetrics) -> list[str]:
    """Per asset: the lowest QLIKE, the best baseline against the other models.

    A QLIKE that leaves out days with a negative variance forecast is not comparable, so
    the ranking uses the models without such days (all models when none is complete).
    """
    notes = []
    for asset in metrics.assets:
        models = {m.model: m for m in metrics.accuracy_of(asset)}
        family = {k: model_spec(k).family for k in models}
        complete = [k for k, m in models.items() if not m.nonpositive] or list(models)
        best = min(complete, key=lambda k: models[k].qlike)
        baselines = [k for k in models if family[k] == BASELINE_FAMILY]
        others = [k for k in models if family[k] != BASELINE_FAMILY]
        text = (
            f"{asset}: the lowest QLIKE is {model_spec(best).label}'s "
            f"({format_number(models[best].qlike)})."
        )
        if baselines and others:
            pool = [k for k in baselines if k in complete] or baselines
            base = min(pool, key=lambda k: models[k].qlike)
            qlike = models[base].qlike
            which = "better" if len(baselines) == 2 else "best"
            named = f"{model_spec(base).label} ({format_number(qlike)})"
            losers = [model_spec(k).label for k in others if models[k].qlike > qlike]
            if losers:
                text += f" The {which} {BASELINE_FAMILY} model, {named}, beats {', '.join(losers)}."
            else:
                rivals = _joined(list(dict.fromkeys(family[k] for k in others)))
                text += f" Every {rivals} beats the {which} {BASELINE_FAMILY} model, {named}."
        bad = [
            f"{model_spec(k).label} on {m.nonpositive} days"
            for k, m in models.items()
            if m.nonpositive
        ]
        if bad:
            text += (
                f" A negative variance was forecast by {', '.join(bad)} "
                "(the log(1 + RV) target allows it)."
            )
        notes.append(text)
    return notes


def interpretation(metrics: StudyMetrics) -> list[str]:
    """The report's Interpretation bullets, every number read from ``metrics``."""
    notes = accuracy_notes(metrics)
    for setup in REPORTED_SETUPS:
        for kind in KIND_LABEL:
            for asset in metrics.assets:
                bad = [
                    f"{level_key(b.level)}: {b.actual_breaches} breaches vs "
                    f"{format_number(b.expected_breaches)} expected, {b.result}"
                    for b in metrics.backtests_of(setup, kind, asset)
                    if b.result != "calibrated"
                ]
                if bad:
                    notes.append(
                        f"{model_spec(setup).label}, {KIND_LABEL[kind]}, {asset}: "
                        f"miscalibrated ({'; '.join(bad)})."
                    )
    study, rec = metrics.setup(STUDY_SETUP), metrics.setup(RECOMMENDED_SETUP)
    if metrics.comparison:
        notes.append(cross_asset_note(metrics))
    notes.append(
        f"Study setup: {study.calibrated} of {study.backtests} backtests calibrated; "
        f"recommended setup: {rec.calibrated} of {rec.backtests}, with a variance-scale "
        f"pinball loss {format_number(rec.pinball_ratio)} times the study setup's."
    )
    for asset in metrics.assets:
        s = metrics.coverage_of(STUDY_SETUP, asset).at(0.95)
        r = metrics.coverage_of(RECOMMENDED_SETUP, asset).at(0.95)
        notes.append(
            f"{asset}: the central 95% interval covers {format_number(s)} of days for the "
            f"study's setup and {format_number(r)} for the recommended one."
        )
    return notes


def risk_notes(metrics: StudyMetrics) -> list[str]:
    """The Risk desk bullets: the MCS, the DM verdicts, the ES backtests, traffic lights."""
    notes = []
    for asset in metrics.assets:
        rows = metrics.comparison_of(asset)
        if not rows:
            continue
        members = [model_spec(c.model).label for c in rows if c.in_mcs]
        better = [
            f"{model_spec(c.model).label} ({format_number(c.qlike_ratio)}x, p {format_number(c.dm_p)})"
            for c in rows
            if c.dm_p is not None and c.dm_p < 0.05 and c.qlike_ratio < 1
        ]
        worse = [
            model_spec(c.model).label
            for c in rows
            if c.dm_p is not None and c.dm_p < 0.05 and c.qlike_ratio > 1
        ]
        text = (
            f"{asset}: the 90% Model Confidence Set on QLIKE ({rows[0].days} days) holds "
            f"{', '.join(members)}. "
        )
        text += (
            f"Significantly better than HAR-log (DM, 5%): {', '.join(better)}. "
            if better
            else "No model beats HAR-log significantly (DM, 5%). "
        )
        if worse:
            text += f"Significantly worse: {', '.join(worse)}."
        notes.append(text.strip())
        rejected = [
            model_spec(e.model).label for e in metrics.es if e.asset == asset and e.z2_p < 0.05
        ]
        notes.append(
            f"{asset}: ES at {metrics.es[0].level:.1%} rejected by Acerbi-Szekely Z2 (5%) for "
            + (", ".join(rejected) if rejected else "no model")
            + "."
        )
        zones = [
            f"{model_spec(b.model).label} {b.traffic_light}"
            for b in metrics.backtest
            if b.asset == asset and b.kind == "return" and b.traffic_light != "n/a"
        ]
        if zones:
            notes.append(
                f"{asset}: Basel traffic light of the 99% return VaR on the last 250 days: "
                + ", ".join(zones)
                + "."
            )
    return notes


def cross_asset_note(metrics: StudyMetrics) -> str:
    """Whether the cross-asset model earns the recommendation, from the run's numbers."""
    cross, rec = metrics.setup(CROSS_ASSET_SETUP), metrics.setup(RECOMMENDED_SETUP)
    rows = [c for c in metrics.comparison if c.model == CROSS_ASSET_SETUP]
    qlike = {(c.asset, c.model): c.qlike for c in metrics.comparison}
    ratios = [
        f"{c.asset} {format_number(c.qlike_ratio)}x (DM p {format_number(c.dm_p)}; "
        f"{format_number(c.qlike / qlike[(c.asset, RECOMMENDED_SETUP)])}x the recommended setup's)"
        for c in rows
        if c.dm_p is not None
    ]
    wins = all(c.dm_p is not None and c.dm_p < 0.05 and c.qlike_ratio < 1 for c in rows)
    meets = bool(rows) and wins and cross.calibrated >= rec.calibrated
    return (
        f"Cross-asset model: {cross.calibrated} of {cross.backtests} backtests calibrated "
        f"(recommended setup: {rec.calibrated}); QLIKE against HAR-log: "
        f"{', '.join(ratios) or 'n/a'}. On this run it "
        + ("meets" if meets else "does not meet")
        + " the bar for the recommendation (lower QLIKE than HAR-log with DM p < 0.05 on "
        "every asset, and at least as many calibrated backtests as the recommended setup); "
        f"the recommendation, `{RECOMMENDED_SETUP}`, is chosen on the full runs "
        "(docs/study.md, docs/models.md)."
    )


def study_report(
    config: StudyConfig,
    metrics: StudyMetrics,
    tables: Mapping[str, pd.DataFrame],
    figures: Mapping[str, Path],
) -> Report:
    """The study's report from its metrics, tables (by CSV name) and figures (by name)."""

    def table(name: str, caption: str) -> Table:
        return Table(tables[name], caption=caption, csv_name=f"tables/{name}.csv")

    rep = Report("skvol study: volatility, jumps and Value-at-Risk")
    cfg = metrics.config
    source = {
        "simulated": (
            f"the simulated market (`simulate_market`, {cfg['simulated_days']} business days, "
            f"seed {config.seed})"
        ),
        "kaggle": "the Kaggle minute-bar dataset",
    }.get(config.data, f"files ({config.data})")
    rep.add(
        Paragraph(
            f"Data: {source}; assets {', '.join(metrics.assets)}; "
            f"{'quick' if config.quick else 'full'} run. "
            f"Every number below was computed by this run and is also in `metrics.json`."
        )
    )
    rep.add(Heading("Data"))
    rep.add(
        table(
            "data",
            "Days in the study per asset (annualised vol: sqrt(days/year x mean daily RV))",
        )
    )
    for d in metrics.data:
        if d.true_jump_days is not None:
            rep.add(
                Paragraph(
                    f"{d.asset}: the simulation put jumps on {d.true_jump_days} days; "
                    f"JumpCounter flagged {d.jump_days} days and the BNS test rejects on "
                    f"{d.bns_rejections_5pct} days at 5%. Correlation of daily RV with the "
                    f"true quadratic variation: {format_number(d.rv_vs_true_variance_corr)}."
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
        for c in metrics.correlation:
            rep.add(
                Paragraph(
                    f"{c.pair}: 30-day rolling correlation of daily returns, mean "
                    f"{format_number(c.mean)}, range {format_number(c.min)} to "
                    f"{format_number(c.max)}, last {format_number(c.last)} ({c.days} days)."
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
                *[f"`{s.key}`: {s.label}, target {s.target_label}" for s in all_models()],
                *[f"`{s.key}`: {s.label}, on daily returns" for s in RETURN_MODELS],
                f"Study setup: `{STUDY_SETUP}`; recommended setup: `{RECOMMENDED_SETUP}` "
                "(see Setup comparison).",
                f"Recurrent models: lookback {cfg['lookback']} days, hidden size "
                f"{cfg['hidden_size']}, at most {cfg['max_epochs']} epochs, early stopping "
                f"patience {cfg['patience']}, seed {config.seed}.",
            ]
        )
    )
    rep.add(
        table(
            "tomorrow",
            "Each model fitted on all days: tomorrow's forecast (daily volatility in %, "
            "return VaR in %)",
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
    rep.add(table("accuracy", "Point-forecast accuracy on the same folds"))
    rep.add(Heading("Probabilistic forecasts"))
    rep.add(Figure(figures["forecasts"], "Predicted mean and 95% band against the realised target"))
    rep.add(Heading("VaR backtests"))
    rep.add(
        Paragraph(
            "Volatility VaR: the upper quantile of the predicted target distribution; a breach is a realised "
            "target above it. Return VaR: the lower quantile of tomorrow's daily log return r ~ N(0, V) mixed "
            "over the predicted distribution of the variance V (`return_var`); a breach is a realised return "
            "below it. Result: two-sided Kupiec test at 5%; CC: Christoffersen's conditional coverage; "
            "DQ: Engle & Manganelli's dynamic quantile test (4 lags); Basel traffic light on the last "
            "250 days, for 99% VaR only (n/a otherwise). Recal.: the same VaR recalibrated online by "
            "quantile tracking (`QuantileTracker`, step 0.01 in level units), each day's from the "
            "breaches of the earlier test days only; beyond 99.9%: the share of days on which it lies "
            "beyond the model's own 99.9% VaR. A recalibrated breach count is pinned near its target "
            "by construction, so its Kupiec test passes almost always; judge it by the raw model's "
            "need for it and by the pinball loss."
        )
    )
    for setup, name in (
        (STUDY_SETUP, "Study setup"),
        (RECOMMENDED_SETUP, "Recommended setup"),
        (CROSS_ASSET_SETUP, "Cross-asset model"),
    ):
        for kind in KIND_LABEL:
            for level in config.levels:
                rep.add(
                    table(
                        backtest_table_name(setup, kind, level),
                        f"{name} ({model_spec(setup).label}): {KIND_LABEL[kind]} at {level:.0%}",
                    )
                )
    rep.add(Figure(figures["var_breaches"], "VaR forecasts and breaches over time"))
    rep.add(Heading("Calibration"))
    rep.add(table("coverage", "Coverage of central intervals"))
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
        table(
            "setup_summary",
            "Setups in brief: Kupiec-calibrated backtests (volatility and return VaR, every "
            "asset and level), mean coverage of the 95% interval, and mean variance-scale "
            "pinball loss relative to the study's setup",
        )
    )
    rep.add(table("setups", "Distribution models compared"))
    rep.add(Heading("Risk desk"))
    rep.add(
        Paragraph(
            f"The desks' benchmarks join here: {', '.join(s.label for s in RETURN_MODELS)}, on "
            "daily returns (their return distribution gives the return VaR and ES; their "
            "conditional variance the QLIKE). Expected Shortfall at 97.5% (Basel FRTB) of "
            "tomorrow's return, backtested by Acerbi & Szekely's Z1 and Z2 (p-values simulated "
            "under each model's own predictive distributions; low: the tail is worse than "
            "predicted) and McNeil & Frey's exceedance-residual bootstrap test; FZ0 scores the "
            "joint (VaR, ES) forecast (lower is better). The return VaR table adds the "
            "Engle-Manganelli DQ test and the Basel traffic light (99% VaR, last 250 days). "
            "Forecast comparison: QLIKE of each model's variance forecast on the days all models "
            "forecast, against HAR-log by Diebold-Mariano (Newey-West, HLN, two-sided), and the "
            "Model Confidence Set at 90% (arch's MCS)."
        )
    )
    rep.add(table("forecast_comparison", "Forecast comparison: QLIKE, DM against HAR-log, 90% MCS"))
    rep.add(table("es", "Return ES at 97.5% and its backtests"))
    rep.add(
        table(
            "return_var",
            "Return VaR of every distribution model: raw (with DQ and traffic light) and "
            "recalibrated online",
        )
    )
    rep.add(Bullets(risk_notes(metrics)))
    rep.add(Heading("Interpretation"))
    rep.add(Bullets(interpretation(metrics)))
    rep.add(Heading("Reproduce"))
    rep.add(Code(metrics.command, "bash"))
    env = metrics.environment
    rep.add(Paragraph("Environment: " + ", ".join(f"{k} {v}" for k, v in env.items()) + "."))
    rep.add(
        Paragraph(
            "Stage times (s): "
            + ", ".join(f"{k} {format_number(v)}" for k, v in metrics.stage_seconds.items())
            + "."
        )
    )
    return rep


_HTML_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>{title}</title>
<style>
body {{ font-family: sans-serif; max-width: 72em; margin: 2em auto; line-height: 1.45; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; }}
th {{ background: #eee; }}
caption {{ caption-side: top; font-style: italic; text-align: left; }}
figure {{ margin: 1.5em 0; }}
img {{ max-width: 100%; }}
code {{ background: #f4f4f4; }}
pre {{ background: #f4f4f4; padding: 0.6em; overflow-x: auto; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""
