"""The end-to-end study: ``skvol study`` and its report, figures, tables and metrics.

:func:`run_study` runs read -> panel -> features -> models -> walk-forward -> backtest ->
report from a :class:`StudyConfig`; the ``skvol`` command line (``skvol.study._cli.main``)
builds the configuration from its arguments. The figure functions draw from plain
DataFrames and can be used on their own.
"""

from skvol.study._config import StudyConfig
from skvol.study._figures import (
    coverage_curve,
    plot_calibration,
    plot_forecasts,
    plot_realized_volatility,
    plot_rolling_correlation,
    plot_var_breaches,
)
from skvol.study._run import StudyResult, run_study, write_features

__all__ = [
    "StudyConfig",
    "StudyResult",
    "coverage_curve",
    "plot_calibration",
    "plot_forecasts",
    "plot_realized_volatility",
    "plot_rolling_correlation",
    "plot_var_breaches",
    "run_study",
    "write_features",
]
