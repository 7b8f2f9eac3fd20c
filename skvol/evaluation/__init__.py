"""skvol.evaluation: walk-forward forecasts, VaR backtests and recalibration, scores, the scorer."""

from skvol.evaluation._backtest import (
    ChristoffersenIndependenceResult,
    ConditionalCoverageResult,
    KupiecResult,
    TrafficLightResult,
    VaRBacktestResult,
    breach_flags,
    christoffersen_conditional_coverage,
    christoffersen_independence,
    kupiec_pof,
    traffic_light,
    var_backtest,
    var_backtest_table,
)
from skvol.evaluation._recalibrate import QuantileTracker, RecalibratedVaR
from skvol.evaluation._scorer import VaRBacktestScorer
from skvol.evaluation._scores import (
    crps,
    mse_loss,
    negative_log_likelihood,
    pinball_loss,
    qlike_loss,
)
from skvol.evaluation._var import (
    predicted_variance,
    return_es,
    return_var,
    volatility_es,
    volatility_var,
)
from skvol.evaluation._walk_forward import walk_forward_predict

__all__ = [
    "ChristoffersenIndependenceResult",
    "ConditionalCoverageResult",
    "KupiecResult",
    "QuantileTracker",
    "RecalibratedVaR",
    "TrafficLightResult",
    "VaRBacktestResult",
    "VaRBacktestScorer",
    "breach_flags",
    "christoffersen_conditional_coverage",
    "christoffersen_independence",
    "crps",
    "kupiec_pof",
    "mse_loss",
    "negative_log_likelihood",
    "pinball_loss",
    "predicted_variance",
    "qlike_loss",
    "return_es",
    "return_var",
    "traffic_light",
    "var_backtest",
    "var_backtest_table",
    "volatility_es",
    "volatility_var",
    "walk_forward_predict",
]
