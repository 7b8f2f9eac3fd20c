"""Small probabilistic regressors for the evaluation tests (independent of skvol.models)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from skvol._history import carry, date_index, prepend


class GaussianLinear(RegressorMixin, BaseEstimator):
    """OLS mean with a constant residual scale times ``scale_factor``; Normal or Student-t."""

    def __init__(self, scale_factor=1.0, df=None):
        self.scale_factor = scale_factor
        self.df = df

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64)
        design = np.column_stack([np.ones(len(X)), X])
        self.coef_, *_ = np.linalg.lstsq(design, y, rcond=None)
        self.sigma_ = float(np.std(y - design @ self.coef_))
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return np.column_stack([np.ones(len(X)), X]) @ self.coef_

    def predict_dist(self, X):
        mean, scale = self.predict(X), self.scale_factor * self.sigma_
        if self.df is None:
            return stats.norm(mean, scale)
        return stats.t(self.df, mean, scale)


class TrailingMeanGaussian(RegressorMixin, BaseEstimator):
    """Regress y on the trailing ``window``-row mean of X's first column, carrying history.

    Predictions on a DataFrame that continues the fitted dates prepend the last rows of
    fit (skvol._history), so they use exactly the same trailing means as a full-history run.
    """

    def __init__(self, window=5):
        self.window = window

    def _features(self, values):
        x = pd.Series(values[:, 0]).rolling(self.window, min_periods=1).mean().to_numpy()
        return np.column_stack([np.ones(len(x)), x])

    def fit(self, X, y):
        index = date_index(X)
        X, y = validate_data(self, X, y, dtype=np.float64)
        design = self._features(X)
        self.coef_, *_ = np.linalg.lstsq(design, y, rcond=None)
        self.sigma_ = float(np.std(y - design @ self.coef_))
        self.history_ = carry(X, index, self.window - 1)
        return self

    def predict(self, X):
        check_is_fitted(self)
        index = date_index(X)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        block, n_prepended = prepend(self.history_, X, index)
        return (self._features(block) @ self.coef_)[n_prepended:]

    def predict_dist(self, X):
        return stats.norm(self.predict(X), self.sigma_)


class PeekingGaussian(TrailingMeanGaussian):
    """A look-ahead bug on purpose: the feature of row t uses row t + 1 of X."""

    def _features(self, values):
        x = pd.Series(values[:, 0]).shift(-1).fillna(0.0).to_numpy()
        return np.column_stack([np.ones(len(x)), x])


class PointOnly(GaussianLinear):
    """No predict_dist: only a mean."""

    predict_dist = None
