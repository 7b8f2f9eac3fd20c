"""Shared machinery of the panel transformers: validation, asset grouping, output names."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_array,
    check_is_fitted,
    validate_data,
)

from skvol._columns import feature_name, group_assets


def reject_infinite(X: np.ndarray, estimator: BaseEstimator) -> None:
    """Raise a ValueError naming the first column holding +/-inf (NaN is allowed)."""
    if X.size == 0 or (
        np.fmax.reduce(X, axis=None) < np.inf and np.fmin.reduce(X, axis=None) > -np.inf
    ):
        return
    bad = np.isinf(X)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        names = getattr(estimator, "feature_names_in_", None)
        column = f"column {names[col]!r}" if names is not None else f"column {col}"
        raise ValueError(
            f"{type(estimator).__name__}: X contains infinity at row {row}, {column}; "
            "intraday returns must be finite floats (NaN marks a missing bin)."
        )


def check_panel(estimator: BaseEstimator, X, *, reset: bool) -> np.ndarray:
    """Validate a panel: 2-D float64, NaN allowed, infinity rejected with its position.

    A DataFrame whose columns are all numpy floats (what ``intraday_panel`` returns) takes
    a fast path: scikit-learn checks its column names and width, and the array check runs
    on its values, which skips ``check_array``'s per-column loop over thousands of bins.
    """
    if isinstance(X, pd.DataFrame) and X.shape[1] > 0:
        values = X.to_numpy()
        if values.dtype.kind == "f":
            validate_data(estimator, X, reset=reset, skip_check_array=True)
            X = check_array(values, dtype=np.float64, ensure_all_finite=False)
            reject_infinite(X, estimator)
            return X
    try:
        X = validate_data(
            estimator,
            X,
            reset=reset,
            dtype=np.float64,
            ensure_all_finite=False,
            ensure_min_samples=1,
        )
    except (TypeError, ValueError) as exc:
        if isinstance(X, pd.DataFrame):
            raise_non_numeric(X, type(estimator).__name__, exc)
        raise
    reject_infinite(X, estimator)
    return X


def raise_non_numeric(X: pd.DataFrame, who: str, exc: Exception) -> None:
    """Name the first value of ``X`` that is not a number, when there is one."""
    for j, column in enumerate(X.columns):
        values = X.iloc[:, j]
        if values.dtype.kind in "fiub":
            continue
        number = pd.to_numeric(values, errors="coerce")
        bad = np.flatnonzero((number.isna() & values.notna()).to_numpy())
        if bad.size:
            row = int(bad[0])
            raise ValueError(
                f"{who}: {values.iloc[row]!r} at row {row}, column {column!r} is not a "
                "number; intraday returns must be numbers (NaN marks a missing bin)"
            ) from exc


def asset_block(X: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The columns of one asset, as a view when they are contiguous."""
    if positions.size and np.all(np.diff(positions) == 1):
        return X[:, positions[0] : positions[-1] + 1]
    return X[:, positions]


class PanelTransformer(TransformerMixin, BaseEstimator):
    """Base of the row-local transformers: each day's row maps to that day's features.

    Subclasses set ``_suffixes`` (one output name suffix per output column of an asset)
    and implement ``_compute(r, state)``, mapping one asset's ``(n_days, n_bins)`` block
    to an ``(n_days, len(suffixes))`` array; ``_fit_asset(r)`` may learn the per-asset
    ``state`` passed back to ``_compute``.
    """

    _parameter_constraints: dict = {}
    _suffixes: tuple[str, ...] = ()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _output_suffixes(self) -> tuple[str, ...]:
        return self._suffixes

    def _fit_asset(self, r: np.ndarray) -> object:
        return None

    def _compute(self, r: np.ndarray, state: object) -> np.ndarray:
        raise NotImplementedError

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the assets of the panel (and any per-asset state); returns ``self``.

        Parameters
        ----------
        X : array-like of shape (n_days, n_bins_total)
            Intraday log returns, one row per day, columns ``"<asset>__<bin>"``
            (NaN = missing bin). A plain ndarray is one unnamed asset.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        X = check_panel(self, X, reset=True)
        groups = group_assets(getattr(self, "feature_names_in_", None), X.shape[1])
        self.assets_ = [asset for asset, _ in groups]
        self.asset_columns_ = [pos for _, pos in groups]
        self.asset_state_ = [self._fit_asset(asset_block(X, pos)) for pos in self.asset_columns_]
        return self

    def transform(self, X):
        """Compute each day's features.

        Parameters
        ----------
        X : array-like of shape (n_days, n_bins_total)
            Intraday log returns laid out as in ``fit``.

        Returns
        -------
        features : ndarray of shape (n_days, n_features_out)
            One row per day, columns named by ``get_feature_names_out``.
        """
        check_is_fitted(self)
        X = check_panel(self, X, reset=False)
        blocks = [
            self._compute(asset_block(X, pos), state)
            for pos, state in zip(self.asset_columns_, self.asset_state_, strict=True)
        ]
        return np.column_stack(blocks) if blocks else np.empty((X.shape[0], 0))

    def get_feature_names_out(self, input_features=None):
        """Output names ``"<asset>__<suffix>"`` (``"<suffix>"`` for an unnamed asset).

        Parameters
        ----------
        input_features : array-like of str or None
            Must match ``feature_names_in_`` when given (scikit-learn convention).

        Returns
        -------
        names : ndarray of str objects
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features)
        return np.asarray(
            [
                feature_name(asset, suffix)
                for asset in self.assets_
                for suffix in self._output_suffixes()
            ],
            dtype=object,
        )
