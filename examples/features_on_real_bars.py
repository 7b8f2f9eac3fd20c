"""Daily realized measures and jumps from real minute bars.

Reads EUR/USD minute bars (HistData files in ``../shared/data/eurusd_histdata``, or any
folder or file given as the first argument), builds the intraday panel of 5-minute log
returns on the FX session, and computes each day's realized variance, bipower variation,
semivariances, jump count, BNS jump test and daily return with one FeatureUnion.

    python examples/features_on_real_bars.py [PATH]

With ``SKVOL_EXAMPLE_QUICK=1`` only the first month is read.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
from sklearn.pipeline import FeatureUnion

from skvol.data import intraday_panel, read_bars
from skvol.features import (
    BipowerVariation,
    BNSJumpTest,
    DailyReturn,
    JumpCounter,
    RealizedSemivariance,
    RealizedVariance,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "eurusd_histdata"
QUICK = os.environ.get("SKVOL_EXAMPLE_QUICK") == "1"


def main(path: Path) -> None:
    if QUICK and path.is_dir():
        path = sorted(path.iterdir())[0]  # one month of bars
    bars = read_bars(path)
    panel = intraday_panel(bars, freq="5min", session="fx", asset="EURUSD")
    print(f"{len(bars):,} bars -> {panel.shape[0]} days x {panel.shape[1]} five-minute returns")

    features = FeatureUnion(
        [
            ("rv", RealizedVariance()),
            ("bv", BipowerVariation()),
            ("rs", RealizedSemivariance()),
            ("jumps", JumpCounter(jump_variation=True)),
            ("bns", BNSJumpTest()),
            ("ret", DailyReturn()),
        ],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    daily = features.fit_transform(panel)
    print(daily.describe().T[["mean", "50%", "max"]].to_string(float_format="{:.3g}".format))

    vol = 100 * np.sqrt(252 * daily["EURUSD__rv"].mean())
    jump_days = int((daily["EURUSD__n_jumps"] > 0).sum())
    share = (daily["EURUSD__rv"] - daily["EURUSD__bv"]).clip(lower=0).sum() / daily[
        "EURUSD__rv"
    ].sum()
    print(f"annualised realized volatility {vol:.1f}%")
    print(
        f"days with detected jumps: {jump_days} of {len(daily)}; BNS rejects at 5% on "
        f"{int((daily['EURUSD__bns_p'] < 0.05).sum())} days"
    )
    print(f"share of variation from jumps (RV - BV)+ / RV: {share:.1%}")
    # the semivariances split RV exactly
    assert np.allclose(daily["EURUSD__rs_neg"] + daily["EURUSD__rs_pos"], daily["EURUSD__rv"])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA)
