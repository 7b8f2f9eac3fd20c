"""sktime integration: skvol's distributional regressors as sktime forecasters.

This sub-package is imported on demand (``import skvol`` does not import it), so skvol
works without sktime; importing it without sktime installed raises an ImportError that
says how to install it.
"""

try:
    import sktime  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised only without sktime
    raise ImportError(
        "skvol.sktime needs the sktime package (pip install sktime); the rest of skvol "
        "works without it"
    ) from error

from skvol.sktime._adapter import VolatilityForecaster

__all__ = ["VolatilityForecaster"]
