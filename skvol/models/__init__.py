"""skvol.models: recurrent (skorch/PyTorch) regressors and the HAR, EWMA and GARCH benchmarks.

The recurrent models need torch and skorch; they are imported on first use (PEP 562
module ``__getattr__``), so ``from skvol.models import HARRegressor`` loads neither; the
EWMA/GARCH models import arch inside ``fit``/``predict``.
"""

from __future__ import annotations

import importlib

from skvol.models._garch import EWMARegressor, GARCHRegressor
from skvol.models._har import HARRegressor, HARSummary
from skvol.models._probabilistic import ProbabilisticMixin, distribution_params

#: Public names served lazily, and the private module that defines each.
_LAZY = {
    "AttentionLSTMRegressor": "skvol.models._lstm",
    "CrossAssetLSTMRegressor": "skvol.models._cross_asset",
    "LSTMRegressor": "skvol.models._lstm",
    "ProbabilisticLSTMRegressor": "skvol.models._lstm",
}

__all__ = [
    "AttentionLSTMRegressor",
    "EWMARegressor",
    "GARCHRegressor",
    "CrossAssetLSTMRegressor",
    "HARRegressor",
    "HARSummary",
    "LSTMRegressor",
    "ProbabilisticLSTMRegressor",
    "ProbabilisticMixin",
    "distribution_params",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'skvol.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
