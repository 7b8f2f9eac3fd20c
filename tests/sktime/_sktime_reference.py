"""Small reference regressors with ``predict_dist`` for testing the adapter on its own.

They are deliberately simple (least squares with a constant residual scale), so a test
can recompute every forecast by hand.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data


class GaussianLeastSquares(RegressorMixin, BaseEstimator):
    """OLS with an intercept and Gaussian residuals (scale = residual RMS, ddof=0)."""

    def __init__(self, df=None):
        self.df = df

    def fit(self, X, y):
        X, y = validate_data(self, X, y, y_numeric=True)
        design = np.column_stack([np.ones(len(X)), X])
        self.coef_, *_ = np.linalg.lstsq(design, y, rcond=None)
        resid = y - design @ self.coef_
        self.scale_ = max(float(np.sqrt(np.mean(resid**2))), 1e-8)
        return self

    def predict_dist(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        loc = np.column_stack([np.ones(len(X)), X]) @ self.coef_
        scale = np.full(len(X), self.scale_)
        if self.df is None:
            return stats.norm(loc=loc, scale=scale)
        return stats.t(df=self.df, loc=loc, scale=scale)

    def predict(self, X):
        return self.predict_dist(X).mean()
