"""The end-to-end study: ``skvol study`` and its report, figures, tables and metrics.

:func:`run_study` runs read -> panel -> features -> models -> walk-forward -> backtest ->
report from a :class:`StudyConfig`; the ``skvol`` command line (``skvol.study._cli.main``)
builds the configuration from its arguments. The figure functions draw from plain
DataFrames and can be used on their own.

Names load on first use (module ``__getattr__``), so the command line starts without
importing torch or matplotlib and can check its options, and answer Ctrl-C, first.
"""

import importlib

from skvol.study._config import StudyConfig

#: Public name -> the private module that defines it.
_LAZY = {
    "StudyResult": "skvol.study._outputs",
    "StudyMetrics": "skvol.study._metrics",
    "coverage_curve": "skvol.study._figures",
    "plot_calibration": "skvol.study._figures",
    "plot_forecasts": "skvol.study._figures",
    "plot_realized_volatility": "skvol.study._figures",
    "plot_rolling_correlation": "skvol.study._figures",
    "plot_var_breaches": "skvol.study._figures",
    "run_study": "skvol.study._run",
    "write_features": "skvol.study._run",
}

__all__ = ["StudyConfig", *sorted(_LAZY)]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'skvol.study' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
