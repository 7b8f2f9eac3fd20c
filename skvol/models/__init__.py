"""skvol.models: recurrent (skorch/PyTorch) regressors and the HAR benchmark."""

from skvol.models._har import HARRegressor
from skvol.models._lstm import (
    AttentionLSTMRegressor,
    LSTMRegressor,
    ProbabilisticLSTMRegressor,
)

__all__ = [
    "AttentionLSTMRegressor",
    "HARRegressor",
    "LSTMRegressor",
    "ProbabilisticLSTMRegressor",
]
