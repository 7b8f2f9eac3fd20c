"""Choose a volatility model by its VaR backtest with GridSearchCV.

A small simulated market (one asset, 10-minute bars) gives the intraday panel; a Pipeline
turns it into daily realized variance and bipower variation and forecasts tomorrow's
``log(1 + RV)`` (RV in squared percent) with either the HAR benchmark or a small
probabilistic LSTM. ``GridSearchCV`` with ``VaRBacktestScorer`` (minus the pinball loss of
the 95% VaR, greater is better) picks the model over walk-forward folds; the winner is then
backtested out of sample, for the volatility VaR and for the return VaR it implies. The
simulated market has a high-volatility stretch (70% to 85% of its span) inside the test
folds; a model fitted on calmer days underestimates risk there, and the backtest says so.

    python examples/gridsearch_var_scorer.py

With ``SKVOL_EXAMPLE_QUICK=1`` the market is shorter and the LSTM trains for fewer epochs.
"""

from __future__ import annotations

import os

import pandas as pd
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline, make_union

from skvol.data import simulate_market
from skvol.evaluation import (
    VaRBacktestScorer,
    var_backtest,
    var_backtest_table,
    walk_forward_predict,
)
from skvol.features import BipowerVariation, NextDayTarget, RealizedVariance, next_day_target
from skvol.models import HARRegressor, ProbabilisticLSTMRegressor

QUICK = os.environ.get("SKVOL_EXAMPLE_QUICK") == "1"
N_DAYS = 300 if QUICK else 500
EPOCHS = 5 if QUICK else 20
#: percent returns: the target is log(1 + RV in squared percent), the original study's
TARGET = NextDayTarget(measure="rv", transform="log1p", scale=100.0)


def _label(params: dict) -> str:
    """A short name for one grid candidate, e.g. "HARRegressor distribution=normal"."""
    extra = " ".join(f"{k.split('__')[-1]}={v}" for k, v in params.items() if k != "model")
    return f"{type(params['model']).__name__} {extra}"


def main() -> None:
    market = simulate_market(n_days=N_DAYS, assets=("SPX",), freq="10min", seed=42)
    panel = market.panel(freq="10min")
    y = TARGET.from_panel(panel, "SPX").dropna()
    returns = next_day_target(panel, "SPX", measure="return", transform=None).dropna()
    X = panel.loc[y.index]
    print(f"panel: {X.shape[0]} days x {X.shape[1]} intraday returns")

    pipe = Pipeline(
        [
            ("features", make_union(RealizedVariance(), BipowerVariation())),
            ("model", HARRegressor(log=True)),
        ]
    ).set_output(transform="pandas")  # the DatetimeIndex flows to the model
    lstm = ProbabilisticLSTMRegressor(lookback=10, max_epochs=EPOCHS, patience=None, random_state=0)
    grid = [
        {"model": [HARRegressor(log=True)], "model__distribution": ["normal", "student_t"]},
        {"model": [lstm], "model__hidden_size": [4, 16]},
    ]
    search = GridSearchCV(
        pipe, grid, cv=TimeSeriesSplit(4), scoring=VaRBacktestScorer(level=0.95)
    ).fit(X, y)
    table = pd.DataFrame(
        {
            "candidate": [_label(p) for p in search.cv_results_["params"]],
            "mean pinball score": search.cv_results_["mean_test_score"],
            "rank": search.cv_results_["rank_test_score"],
        }
    )
    print(table.sort_values("rank").to_string(index=False))
    print(f"best: {_label(search.best_params_)}")

    cv = TimeSeriesSplit(5, test_size=len(y) // 8)
    vol = walk_forward_predict(search.best_estimator_, X, y, cv=cv, levels=(0.95, 0.99))
    ret = walk_forward_predict(
        search.best_estimator_,
        X,
        y,
        cv=cv,
        levels=(0.95, 0.99),
        kind="return",
        returns=returns,
        target=TARGET,
    )
    results = {
        "volatility VaR 95%": var_backtest(vol["y_true"], vol["var_95"], 0.95, side="upper"),
        "volatility VaR 99%": var_backtest(vol["y_true"], vol["var_99"], 0.99, side="upper"),
        "return VaR 95%": var_backtest(ret["return"], ret["var_95"], 0.95, side="lower"),
        "return VaR 99%": var_backtest(ret["return"], ret["var_99"], 0.99, side="lower"),
    }
    with pd.option_context("display.width", 160, "display.float_format", "{:.3g}".format):
        print(var_backtest_table(results).to_string(index=False))


if __name__ == "__main__":
    main()
