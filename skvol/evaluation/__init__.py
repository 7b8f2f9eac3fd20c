"""skvol.evaluation: walk-forward forecasts, VaR and ES backtests, recalibration, scores, scorers and forecast comparison."""

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
    traffic_light_series,
    var_backtest,
    var_backtest_table,
)
from skvol.evaluation._compare import (
    DieboldMarianoResult,
    ModelConfidenceSetResult,
    diebold_mariano,
    model_confidence_set,
)
from skvol.evaluation._dq import DynamicQuantileResult, dq_test
from skvol.evaluation._es_backtest import (
    AcerbiSzekelyResult,
    McNeilFreyResult,
    acerbi_szekely,
    mcneil_frey,
)
from skvol.evaluation._es_scorer import ESBacktestScorer
from skvol.evaluation._frames import daily_loss, walk_forward_dist
from skvol.evaluation._fz import fz0_loss
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
from skvol.evaluation._walk_forward import level_suffix, walk_forward_predict

__all__ = [
    "AcerbiSzekelyResult",
    "ChristoffersenIndependenceResult",
    "ConditionalCoverageResult",
    "DieboldMarianoResult",
    "DynamicQuantileResult",
    "ESBacktestScorer",
    "KupiecResult",
    "QuantileTracker",
    "RecalibratedVaR",
    "McNeilFreyResult",
    "ModelConfidenceSetResult",
    "TrafficLightResult",
    "VaRBacktestResult",
    "VaRBacktestScorer",
    "acerbi_szekely",
    "breach_flags",
    "christoffersen_conditional_coverage",
    "christoffersen_independence",
    "crps",
    "daily_loss",
    "diebold_mariano",
    "dq_test",
    "fz0_loss",
    "kupiec_pof",
    "mcneil_frey",
    "model_confidence_set",
    "mse_loss",
    "negative_log_likelihood",
    "pinball_loss",
    "predicted_variance",
    "qlike_loss",
    "return_es",
    "return_var",
    "traffic_light",
    "traffic_light_series",
    "var_backtest",
    "var_backtest_table",
    "volatility_es",
    "volatility_var",
    "walk_forward_dist",
    "walk_forward_predict",
    "level_suffix",
]
