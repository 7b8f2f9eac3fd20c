"""A small daily-measures frame built from the simulated market (test helper).

One row per date on the union of the assets' calendars, columns ``<asset>__rv``,
``__bv``, ``__rs_neg``, ``__rs_pos``, ``__ret`` and ``__jumps`` in decimal units, NaN where
an asset did not trade; and the targets ``<asset>__log_rv_next``: the log of the asset's
next trading day's RV in squared percent (returns times 100).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from skvol.data import RegimeShift, simulate_market
from skvol.features import (
    BipowerVariation,
    DailyReturn,
    JumpCounter,
    RealizedSemivariance,
    RealizedVariance,
)

MEASURES = ("rv", "bv", "rs_neg", "rs_pos", "ret", "jumps")


def daily_measures(panel: pd.DataFrame) -> pd.DataFrame:
    """The daily-measures frame of an intraday panel (columns grouped by asset)."""
    parts = []
    for transformer in (
        RealizedVariance(),
        BipowerVariation(),
        RealizedSemivariance(),
        DailyReturn(),
        JumpCounter(),
    ):
        out = transformer.set_output(transform="pandas").fit_transform(panel)
        parts.append(out.rename(columns=lambda c: c.replace("__n_jumps", "__jumps")))
    frame = pd.concat(parts, axis=1)
    assets = list(dict.fromkeys(c.split("__")[0] for c in frame.columns))
    return frame[[f"{a}__{m}" for a in assets for m in MEASURES]]


def next_log_rv(frame: pd.DataFrame, scale: float = 100.0) -> pd.DataFrame:
    """Each asset's log RV (squared ``scale`` units) of its next trading day, on its own rows."""
    targets = {}
    for column in frame.columns[frame.columns.str.endswith("__rv")]:
        asset = column[: -len("__rv")]
        own = frame[column].dropna()
        nxt = np.log(own.shift(-1) * scale**2)
        targets[f"{asset}__log_rv_next"] = nxt.reindex(frame.index)
    return pd.DataFrame(targets, index=frame.index)


def simulated_measures(
    n_days: int = 160,
    assets: tuple[str, ...] = ("BTC", "EURUSD", "SPX"),
    seed: int = 0,
    regime_shift: RegimeShift | None = None,
    freq: str = "5min",
) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    """(X, Y, market): the daily-measures frame, its targets and the simulated market."""
    market = simulate_market(
        n_days=n_days, assets=assets, freq=freq, regime_shift=regime_shift, seed=seed
    )
    X = daily_measures(market.panel(freq=freq, how="outer"))
    return X, next_log_rv(X), market
