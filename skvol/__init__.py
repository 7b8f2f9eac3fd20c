"""skvol: scikit-learn compatible volatility, jump and VaR forecasting from intraday data.

Importing skvol loads numpy, pandas, scipy and scikit-learn only: the recurrent models
(torch, skorch) load on first use of their names, and the ``study``, ``sktime`` and
``parallel`` sub-packages on first access.
"""

from __future__ import annotations

import importlib

from skvol import data, evaluation, features, models
from skvol.evaluation import *  # noqa: F403
from skvol.features import *  # noqa: F403
from skvol.models import (  # noqa: F401  (the torch-free models, eagerly)
    EWMARegressor,
    GARCHRegressor,
    HARRegressor,
    HARSummary,
)

__version__ = "0.1.0"

_SUBPACKAGES = ("parallel", "sktime", "study")
#: Served lazily (they import the torch-free parts of skvol.models only).
_LAZY = {"make_pipeline": "skvol._pipeline", "ProbabilisticPipeline": "skvol._pipeline"}

__all__ = [
    "data",
    "evaluation",
    "features",
    "models",
    "parallel",  # noqa: F405  (loaded on first access by __getattr__)
    *features.__all__,
    *models.__all__,
    *evaluation.__all__,
    "make_pipeline",  # noqa: F405  (loaded on first access by __getattr__)
]


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        value = importlib.import_module(f"skvol.{name}")
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in models.__all__:
        value = getattr(models, name)
    else:
        raise AttributeError(f"module 'skvol' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_SUBPACKAGES))
