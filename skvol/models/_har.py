"""The HAR-RV benchmark of Corsi (2009), fitted by ordinary least squares."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import optimize, special, stats
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from skvol._history import carry, date_index, prepend
from skvol._history import check_dates as _check_dates

#: Lower bound of the Student-t degrees of freedom, so the residual variance exists.
DF_FLOOR = 2.01


def har_averages(values: np.ndarray, windows: tuple[int, ...]) -> np.ndarray:
    """Trailing averages of every column over each window, partial at the start.

    Row ``t`` of the block for window ``w`` is the mean of rows
    ``max(0, t - w + 1), ..., t`` (a full window once ``t >= w - 1``).

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_features)
    windows : tuple of int

    Returns
    -------
    averages : ndarray of shape (n_rows, n_features * len(windows))
        Column ``j * len(windows) + k`` is the window-``windows[k]`` average of column j.
    """
    n_rows, n_features = values.shape
    blocks = []
    for w in windows:
        padded = np.concatenate([np.zeros((w - 1, n_features)), values], axis=0)
        sums = sliding_window_view(padded, w, axis=0).sum(axis=-1)
        counts = np.minimum(np.arange(1, n_rows + 1), w)[:, None]
        blocks.append(sums / counts)
    return np.stack(blocks, axis=-1).reshape(n_rows, n_features * len(windows))


def _student_t_mle(residuals: np.ndarray) -> tuple[float, float]:
    """MLE of (df, scale) of a zero-location Student-t with ``DF_FLOOR < df <= 1000``.

    Maximises ``sum log t(r_i; df, 0, scale)`` over ``(log(df - DF_FLOOR), log scale)``
    with L-BFGS-B and analytic gradients.
    """
    n_rows = residuals.shape[0]
    r2 = residuals**2

    def nll_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        df = DF_FLOOR + np.exp(theta[0])
        scale2 = np.exp(2 * theta[1])
        u = r2 / (df * scale2)
        log1p_u = np.log1p(u)
        nll = (
            n_rows
            * (
                special.gammaln(df / 2)
                - special.gammaln((df + 1) / 2)
                + 0.5 * np.log(df * np.pi)
                + theta[1]
            )
            + 0.5 * (df + 1) * log1p_u.sum()
        )
        d_df = (
            n_rows
            * (0.5 * special.digamma(df / 2) - 0.5 * special.digamma((df + 1) / 2) + 0.5 / df)
            + 0.5 * log1p_u.sum()
            - 0.5 * (df + 1) / df * np.sum(u / (1 + u))
        )
        d_log_scale = n_rows - (df + 1) * np.sum(u / (1 + u))
        return float(nll), np.array([d_df * (df - DF_FLOOR), d_log_scale])

    start = np.array([np.log(5.0 - DF_FLOOR), np.log(np.std(residuals) * np.sqrt(0.6))])
    result = optimize.minimize(
        nll_and_grad,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(None, np.log(1000.0 - DF_FLOOR)), (None, None)],
        options={"ftol": 1e-13, "gtol": 1e-9},
    )
    return DF_FLOOR + float(np.exp(result.x[0])), float(np.exp(result.x[1]))


class HARRegressor(RegressorMixin, BaseEstimator):
    """Heterogeneous autoregressive (HAR) regression of Corsi (2009), fitted by OLS.

    For each input column ``x`` (after ``log`` if ``log=True``) and each window ``w`` the
    regressor on row ``t`` is the trailing average ``(x_t + ... + x_{t-w+1}) / w``; with
    the default windows these are the daily, weekly and monthly components of Corsi's
    eq. (8)::

        y_t = b0 + sum_j (b_j^d x_j,t + b_j^w mean(x_j,t-4..t) + b_j^m mean(x_j,t-21..t)) + e_t

    Given ``X = rv[:-1]`` and ``y = rv[1:]`` (``log=False``) this is the HAR-RV model of
    highfrequency's ``HARmodel(type="HAR")``. As there, rows without a full longest
    window (the first ``max(windows) - 1``) are not used in fit. If that leaves fewer
    rows than coefficients plus one, all rows are used with partial (expanding) windows
    and a warning. Predictions use partial windows for rows that have no full history,
    unless a DataFrame continues the fitted dates: then the carried last
    ``max(windows) - 1`` rows are prepended, so walk-forward predictions equal
    full-history ones.

    Parameters
    ----------
    windows : tuple of int, default=(1, 5, 22)
        Averaging windows in rows (trading days), strictly increasing.
    log : bool, default=True
        Take natural logs of the inputs first (HAR-log, when the target is log RV);
        requires positive inputs.
    distribution : {"normal", "student_t"}, default="normal"
        Residual family used by ``predict_dist``.

    Attributes
    ----------
    intercept_ : float
        OLS intercept.
    coef_ : ndarray of shape (n_features_in_ * len(windows),)
        Slopes grouped by input column: ``coef_[j * len(windows) + k]`` is the slope of
        the window-``windows[k]`` average of column j (daily, weekly, monthly for column
        0, then for column 1, ...).
    regressor_names_ : ndarray of str
        Names of the regressors in ``coef_`` order, ``"<column>__w<window>"``.
    scale_ : float
        Residual scale. Normal: ``sqrt(RSS / (n - p))`` with ``p`` coefficients
        including the intercept (the OLS convention; ``RSS / n`` when ``n <= p``).
        Student-t: maximum-likelihood scale jointly with ``df_``.
    df_ : float
        Student-t degrees of freedom by maximum likelihood (``> 2.01``); only for
        ``distribution="student_t"``.
    n_fit_rows_ : int
        Rows used by OLS.
    history_ : skvol._history.History
        The last ``max(windows) - 1`` input rows seen in fit.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Column names seen in fit (DataFrames with string column names only).

    References
    ----------
    Corsi, F. (2009). A simple approximate long-memory model of realized volatility.
    Journal of Financial Econometrics, 7(2), 174-196.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.models import HARRegressor
    >>> rng = np.random.default_rng(0)
    >>> rv = np.exp(rng.normal(-9, 0.5, size=300))
    >>> har = HARRegressor(log=False).fit(rv[:-1, None], rv[1:])
    >>> har.coef_.shape
    (3,)
    >>> har.predict_dist(rv[:, None]).ppf(0.95).shape
    (300,)
    """

    _parameter_constraints: dict = {
        "windows": ["array-like"],
        "log": ["boolean"],
        "distribution": [StrOptions({"normal", "student_t"})],
    }

    def __init__(self, windows=(1, 5, 22), log: bool = True, distribution: str = "normal"):
        self.windows = windows
        self.log = log
        self.distribution = distribution

    def _windows(self) -> tuple[int, ...]:
        windows = tuple(self.windows)
        if (
            not windows
            or not all(isinstance(w, Integral) and not isinstance(w, bool) for w in windows)
            or any(w < 1 for w in windows)
            or any(np.diff(windows) <= 0)
        ):
            raise ValueError(
                "the `windows` parameter of HARRegressor must be a non-empty, strictly "
                f"increasing sequence of positive integers; got {self.windows!r}"
            )
        return tuple(int(w) for w in windows)

    def _regressors(self, X: np.ndarray, windows: tuple[int, ...]) -> np.ndarray:
        if self.log:
            bad = ~(X > 0)
            if bad.any():
                row, col = np.argwhere(bad)[0]
                names = getattr(self, "feature_names_in_", None)
                column = f"column {names[col]!r}" if names is not None else f"column {col}"
                kind = "Negative values in data" if X[row, col] < 0 else "Non-positive data"
                raise ValueError(
                    f"{kind} passed to HARRegressor(log=True), which takes logs of its "
                    f"inputs: {column} has {float(X[row, col])!r} at row {row}; pass "
                    "log=False or strictly positive measures"
                )
            X = np.log(X)
        return har_averages(X, windows)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the HAR regression by OLS.

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Daily measures in time order (for example realized variance).
        y : array-like of shape (n_days,)
            Target aligned to each row (for example tomorrow's realized variance).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        windows = self._windows()
        index = date_index(X)
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        _check_dates(index)
        design = self._regressors(X, windows)
        n_coef = design.shape[1] + 1
        first = max(windows) - 1
        if X.shape[0] - first < n_coef + 1:
            warnings.warn(
                f"HARRegressor: only {max(X.shape[0] - first, 0)} of n_samples = "
                f"{X.shape[0]} rows have a full {max(windows)}-row window, fewer than the "
                f"{n_coef + 1} needed for {n_coef} coefficients and a residual scale; "
                "fitting on all rows with partial (expanding) windows",
                UserWarning,
                stacklevel=2,
            )
            first = 0
        design, target = design[first:], y[first:]
        ones = np.ones((design.shape[0], 1))
        solution, *_ = np.linalg.lstsq(np.hstack([ones, design]), target, rcond=None)
        self.intercept_ = float(solution[0])
        self.coef_ = solution[1:]
        residuals = target - self.intercept_ - design @ self.coef_
        n_rows = target.shape[0]
        rss = float(residuals @ residuals)
        self.scale_ = np.sqrt(rss / (n_rows - n_coef if n_rows > n_coef else n_rows))
        if self.distribution == "student_t":
            self.df_, self.scale_ = _student_t_mle(residuals)
        self.scale_ = max(float(self.scale_), np.finfo(np.float64).tiny)
        columns = (
            self.feature_names_in_
            if hasattr(self, "feature_names_in_")
            else [f"x{j}" for j in range(X.shape[1])]
        )
        self.regressor_names_ = np.array([f"{c}__w{w}" for c in columns for w in windows])
        self.n_fit_rows_ = n_rows
        self.history_ = carry(X, index, max(windows) - 1)
        return self

    def predict(self, X) -> np.ndarray:
        """Predict the target (the predictive mean) for each row.

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Rows in time order; a DataFrame continuing the fitted dates gets the carried
            history prepended.

        Returns
        -------
        y_pred : ndarray of shape (n_days,)
        """
        check_is_fitted(self)
        windows = self._windows()
        index = date_index(X)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        _check_dates(index)
        block, n_prepended = prepend(self.history_, X, index)
        design = self._regressors(block, windows)[n_prepended:]
        return self.intercept_ + design @ self.coef_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = bool(self.log)
        return tags

    def predict_dist(self, X):
        """Predictive distribution: ``norm(mean, scale_)`` or ``t(df_, mean, scale_)``.

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Rows in time order.

        Returns
        -------
        dist : scipy.stats frozen distribution with one element per row
        """
        mean = self.predict(X)
        if self.distribution == "student_t":
            return stats.t(self.df_, loc=mean, scale=self.scale_)
        return stats.norm(loc=mean, scale=self.scale_)
