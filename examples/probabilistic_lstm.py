"""A probabilistic LSTM forecast of tomorrow's volatility, and its VaR backtest.

On the simulated market (no data needed): the panel of BTC's 5-minute returns, daily
features (log RV, log BV, jump count, daily return) in a Pipeline ending in a
Student-t ``ProbabilisticLSTMRegressor`` on tomorrow's log RV, walk-forward forecasts,
and the VaR backtest table (volatility VaR and return VaR at 95% and 99%).

    python examples/probabilistic_lstm.py

With ``SKVOL_EXAMPLE_QUICK=1`` it uses fewer days and epochs.
"""

from __future__ import annotations

import os

import numpy as np
from scipy import stats
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from skvol import (
    BipowerVariation,
    DailyReturn,
    JumpCounter,
    NextDayTarget,
    ProbabilisticLSTMRegressor,
    RealizedVariance,
    next_day_target,
    var_backtest,
    var_backtest_table,
    walk_forward_predict,
)
from skvol.data import simulate_market

QUICK = os.environ.get("SKVOL_EXAMPLE_QUICK") == "1"
N_DAYS, EPOCHS = (220, 5) if QUICK else (800, 60)
TARGET = NextDayTarget(measure="rv", transform="log", scale=100.0)  # log RV in %^2

market = simulate_market(n_days=N_DAYS, assets=("BTC",), freq="5min", seed=1)
panel = market.panel(freq="5min")
y = TARGET.from_panel(panel, "BTC").dropna()
returns = next_day_target(panel, "BTC", "return", transform=None)  # tomorrow's return
X = panel.loc[y.index]

log_variances = Pipeline(
    [
        (
            "measures",
            FeatureUnion(
                [("rv", RealizedVariance()), ("bv", BipowerVariation())],
                verbose_feature_names_out=False,
            ),
        ),
        ("log", FunctionTransformer(np.log, feature_names_out="one-to-one")),
    ]
)
pipe = Pipeline(
    [
        (
            "features",
            FeatureUnion(
                [("log_var", log_variances), ("jumps", JumpCounter()), ("ret", DailyReturn())],
                verbose_feature_names_out=False,
            ),
        ),
        (
            "model",
            ProbabilisticLSTMRegressor(
                distribution="student_t",
                lookback=10,
                hidden_size=16,
                max_epochs=EPOCHS,
                random_state=0,
            ),
        ),
    ]
).set_output(transform="pandas")

cv = TimeSeriesSplit(n_splits=3, test_size=len(y) // 6)
forecasts = walk_forward_predict(pipe, X, y, cv=cv, levels=(0.95, 0.99))
print(forecasts.head())

dist = stats.t(forecasts["df"], forecasts["mean"], forecasts["scale"])
realised_return = returns.loc[forecasts.index]
results = {}
for level in (0.95, 0.99):
    results[f"volatility VaR {level:.0%}"] = var_backtest(
        forecasts["y_true"], forecasts[f"var_{level * 100:g}"], level, side="upper"
    )
    results[f"return VaR {level:.0%}"] = var_backtest(
        realised_return, TARGET.return_var(dist, level), level, side="lower"
    )
print(var_backtest_table(results).to_string(index=False))
print(f"learned degrees of freedom: median {np.median(forecasts['df']):.1f}")
