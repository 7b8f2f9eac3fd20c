"""The study's figures, drawn from plain DataFrames.

Each ``plot_*`` function takes the numbers to plot (no estimator, no file reading) and a
path, draws with matplotlib's object-oriented API (``matplotlib.figure.Figure``, no pyplot
state, no display needed) and writes a PNG. They are reusable outside the study on any
frame with the documented columns; :func:`study_figures` picks the study's frames for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from skvol.evaluation import walk_forward_dist
from skvol.study._analysis import pit_values
from skvol.study._pipelines import RECOMMENDED_SETUP, STUDY_SETUP, model_spec

if TYPE_CHECKING:
    from skvol.study._run import AssetStudy

DPI = 110
#: Central band of the forecast figure.
BAND_LEVEL = 0.95
#: How the report names the two VaRs.
KIND_LABEL = {"volatility": "volatility VaR", "return": "return VaR"}


def _save(fig: Figure, path: Path) -> Path:
    """Lay out with fixed margins in inches (constrained layout costs seconds) and save."""
    height = fig.get_figheight()
    fig.subplots_adjust(
        left=0.08, right=0.98, bottom=0.5 / height, top=1 - 0.35 / height, hspace=0.5, wspace=0.25
    )
    path = Path(path)
    fig.savefig(path, dpi=DPI)
    return path


def _check_columns(name: str, frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"figure data for {name!r} lacks column(s) {missing}; has {list(frame.columns)}"
        )


def plot_realized_volatility(daily: Mapping[str, pd.DataFrame], path: Path) -> Path:
    """Daily realized volatility with detected jump days, one panel per asset.

    Parameters
    ----------
    daily : mapping of str to DataFrame
        Per asset, a frame indexed by date with columns ``rv`` (daily realized variance,
        squared log returns) and ``jumps`` (number of detected intraday jumps that day;
        all NaN for an asset known only from daily measures).
    path : Path
        PNG file to write.

    Returns
    -------
    Path
        ``path``.
    """
    fig = Figure(figsize=(10, 2.6 * max(len(daily), 1)))
    axes = fig.subplots(max(len(daily), 1), 1, squeeze=False)[:, 0]
    for ax, (asset, frame) in zip(axes, daily.items(), strict=False):
        _check_columns(asset, frame, ("rv", "jumps"))
        vol = 100 * np.sqrt(frame["rv"].to_numpy(dtype=float))
        ax.plot(frame.index, vol, lw=0.8, color="tab:blue", label="realized volatility")
        jumps = frame["jumps"].to_numpy(dtype=float)
        title = f"{asset}: daily realized volatility"
        if np.isnan(jumps).all():
            title += " (daily measures: no intraday jump detection)"
        else:
            jump_days = jumps > 0
            ax.scatter(
                frame.index[jump_days],
                vol[jump_days],
                s=10,
                color="tab:red",
                zorder=3,
                label=f"days with detected jumps ({int(jump_days.sum())})",
            )
        ax.set_title(title)
        ax.set_ylabel("sqrt(RV), % per day")
        ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path)


def plot_rolling_correlation(corr: Mapping[str, pd.Series], path: Path, window: int = 30) -> Path:
    """Rolling correlation of daily returns for one or more asset pairs.

    Parameters
    ----------
    corr : mapping of str to Series
        Per pair label (``"BTC/SPX"``), the rolling correlation indexed by date.
    path : Path
        PNG file to write.
    window : int, default=30
        Window length in days, for the title.

    Returns
    -------
    Path
        ``path``.
    """
    fig = Figure(figsize=(10, 3.2))
    ax = fig.subplots()
    for label, series in corr.items():
        ax.plot(series.index, series.to_numpy(dtype=float), lw=1.0, label=label)
    ax.axhline(0.0, color="grey", lw=0.6)
    ax.set_ylim(-1, 1)
    ax.set_ylabel("correlation")
    ax.set_title(f"{window}-day rolling correlation of daily returns")
    if corr:
        ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path)


def plot_forecasts(forecasts: Mapping[str, pd.DataFrame], path: Path) -> Path:
    """Probabilistic forecasts: predicted mean and central band against the realised target.

    Parameters
    ----------
    forecasts : mapping of str to DataFrame
        Per panel title, a frame indexed by date with columns ``y_true``, ``mean``,
        ``lower`` and ``upper`` (the band's bounds, e.g. the 2.5% and 97.5% quantiles).
    path : Path
        PNG file to write.

    Returns
    -------
    Path
        ``path``.
    """
    fig = Figure(figsize=(10, 2.6 * max(len(forecasts), 1)))
    axes = fig.subplots(max(len(forecasts), 1), 1, squeeze=False)[:, 0]
    for ax, (title, frame) in zip(axes, forecasts.items(), strict=False):
        _check_columns(title, frame, ("y_true", "mean", "lower", "upper"))
        x = frame.index
        ax.fill_between(
            x,
            frame["lower"].to_numpy(float),
            frame["upper"].to_numpy(float),
            color="tab:orange",
            alpha=0.3,
            lw=0,
            label="95% band",
        )
        ax.plot(
            x, frame["mean"].to_numpy(float), color="tab:orange", lw=1.0, label="predicted mean"
        )
        ax.plot(x, frame["y_true"].to_numpy(float), color="black", lw=0.7, label="realised")
        outside = (frame["y_true"] < frame["lower"]) | (frame["y_true"] > frame["upper"])
        ax.set_title(f"{title}: {int(outside.sum())} of {len(frame)} days outside the band")
        ax.legend(loc="upper left", fontsize=8, ncols=3)
    return _save(fig, path)


def plot_var_breaches(backtests: Mapping[str, pd.DataFrame], path: Path) -> Path:
    """VaR forecasts and breaches over time, one panel per series.

    Parameters
    ----------
    backtests : mapping of str to DataFrame
        Per panel title, a frame indexed by date with columns ``y_true`` (the realised
        value), ``var`` (the VaR forecast) and ``breach`` (bool).
    path : Path
        PNG file to write.

    Returns
    -------
    Path
        ``path``.
    """
    fig = Figure(figsize=(10, 2.4 * max(len(backtests), 1)))
    axes = fig.subplots(max(len(backtests), 1), 1, squeeze=False)[:, 0]
    for ax, (title, frame) in zip(axes, backtests.items(), strict=False):
        _check_columns(title, frame, ("y_true", "var", "breach"))
        breach = frame["breach"].to_numpy(dtype=bool)
        ax.plot(
            frame.index, frame["y_true"].to_numpy(float), color="grey", lw=0.7, label="realised"
        )
        ax.plot(frame.index, frame["var"].to_numpy(float), color="tab:blue", lw=1.0, label="VaR")
        ax.scatter(
            frame.index[breach],
            frame["y_true"].to_numpy(float)[breach],
            color="tab:red",
            s=14,
            zorder=3,
            label=f"breaches ({int(breach.sum())})",
        )
        ax.set_title(title)
        ax.legend(loc="upper left", fontsize=8, ncols=3)
    return _save(fig, path)


def coverage_curve(pit: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Empirical coverage of the central intervals at ``levels`` from PIT values.

    A central interval at level ``a`` covers the outcome exactly when its PIT value
    ``u = F(y)`` lies in ``[(1 - a) / 2, (1 + a) / 2]``.
    """
    pit = np.asarray(pit, dtype=float)
    pit = pit[np.isfinite(pit)]
    levels = np.asarray(levels, dtype=float)
    inside = np.abs(pit[:, None] - 0.5) <= levels[None, :] / 2
    return inside.mean(axis=0) if len(pit) else np.full(len(levels), np.nan)


def plot_calibration(pit: Mapping[str, np.ndarray], path: Path, bins: int = 10) -> Path:
    """Calibration: coverage of central intervals at several levels, and PIT histograms.

    Parameters
    ----------
    pit : mapping of str to ndarray
        Per series, the probability integral transforms ``F_t(y_t)`` of the realised
        targets under the predicted distributions (uniform when calibrated).
    path : Path
        PNG file to write.
    bins : int, default=10
        Bins of the PIT histogram.

    Returns
    -------
    Path
        ``path``.
    """
    fig = Figure(figsize=(11, 4))
    ax_cov, ax_hist = fig.subplots(1, 2)
    levels = np.linspace(0.05, 0.99, 40)
    ax_cov.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--", label="ideal")
    edges = np.linspace(0, 1, bins + 1)
    for label, values in pit.items():
        values = np.asarray(values, dtype=float)
        ax_cov.plot(levels, coverage_curve(values, levels), lw=1.2, label=label)
        counts, _ = np.histogram(values[np.isfinite(values)], bins=edges)
        density = counts / max(counts.sum(), 1) * bins
        ax_hist.step(edges, np.r_[density, density[-1]], where="post", lw=1.2, label=label)
    ax_cov.set_xlabel("nominal coverage of the central interval")
    ax_cov.set_ylabel("empirical coverage")
    ax_cov.set_title("interval coverage")
    ax_cov.legend(fontsize=7)
    ax_hist.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax_hist.set_xlabel("PIT value F(y)")
    ax_hist.set_ylabel("density")
    ax_hist.set_title("PIT histogram (flat when calibrated)")
    return _save(fig, path)


def study_figures(
    fig_dir: Path,
    assets: Mapping[str, AssetStudy],
    correlations: Mapping[tuple[str, str], pd.Series],
    days: pd.DataFrame,
    levels: Sequence[float],
) -> dict[str, Path]:
    """Draw the study's figures into ``fig_dir``; return their paths by name.

    ``days`` is the per-day breach table (:func:`skvol.study._tables.breach_days`). The
    forecast band, breach and calibration panels show the study's and the recommended
    setup for every asset.
    """
    figures = {
        "realized_volatility": plot_realized_volatility(
            {a.name: a.daily[["rv", "jumps"]] for a in assets.values()},
            fig_dir / "realized_volatility.png",
        )
    }
    if correlations:
        figures["rolling_correlation"] = plot_rolling_correlation(
            {f"{a}/{b}": s for (a, b), s in correlations.items()},
            fig_dir / "rolling_correlation.png",
        )
    bands = {}
    for a in assets.values():
        for key in (STUDY_SETUP, RECOMMENDED_SETUP):
            spec = model_spec(key)
            fc = a.forecasts[key]
            lo, hi = walk_forward_dist(fc).interval(BAND_LEVEL)
            bands[f"{a.name}, {spec.label}, target {spec.target_label}"] = pd.DataFrame(
                {"y_true": fc["y_true"], "mean": fc["mean"], "lower": lo, "upper": hi},
                index=fc.index,
            )
    figures["forecasts"] = plot_forecasts(bands, fig_dir / "forecasts.png")
    panels = {}
    low, high = min(levels), max(levels)
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
            title = f"{a.name}: {KIND_LABEL[kind]} {level:.0%}, {model_spec(setup).label}"
            panels[title] = sel.set_index("date")[["y_true", "var", "breach"]]
    figures["var_breaches"] = plot_var_breaches(panels, fig_dir / "var_breaches.png")
    pit = {
        f"{a.name}, {'study' if key == STUDY_SETUP else 'recommended'}": pit_values(
            a.forecasts[key]
        )
        for a in assets.values()
        for key in (STUDY_SETUP, RECOMMENDED_SETUP)
    }
    figures["calibration"] = plot_calibration(pit, fig_dir / "calibration.png")
    return figures
