"""Warnings and errors skvol raises on purpose (like :mod:`sklearn.exceptions`)."""

from __future__ import annotations

__all__ = ["TooFewRowsWarning"]


class TooFewRowsWarning(UserWarning):
    """``fit`` got fewer rows than the model's windows need and fitted a reduced model.

    For example :class:`skvol.HARRegressor` drops windows longer than the data, or
    falls back to partial windows, so that short inputs (scikit-learn's common checks)
    still fit. A user fitting directly is warned; :func:`skvol.walk_forward_predict`
    refuses such a fold with a ``ValueError``, since its forecasts would enter a backtest
    from a model other than the one asked for.
    """
