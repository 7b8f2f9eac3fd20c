"""skvol: scikit-learn compatible volatility, jump and VaR forecasting from intraday data."""

from skvol import data, evaluation, features, models, parallel
from skvol.evaluation import *  # noqa: F403
from skvol.features import *  # noqa: F403
from skvol.models import *  # noqa: F403

__version__ = "0.1.0"

__all__ = [
    "data",
    "evaluation",
    "features",
    "models",
    "parallel",
    *features.__all__,
    *models.__all__,
    *evaluation.__all__,
]
