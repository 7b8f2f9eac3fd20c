"""The HAR-RV benchmark of Corsi (2009) and its lineage (HAR-J, HAR-CJ, HARQ, SHAR).

The lineage follows R highfrequency's ``HARmodel`` (Cornelissen, Boudt, Kleen and Sjoerup):
regressors are trailing means of daily measures, and the coefficients are OLS. Standard
errors follow its ``summary.HARmodel``: Newey-West with lag 22 (``sandwich::NeweyWest``,
Bartlett weights, prewhitened by a VAR(1), no finite-sample adjustment), reported here with
and without the prewhitening, beside the classical OLS ones.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy import optimize, special, stats
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from skvol._columns import SEP
from skvol._history import carry, check_dates, date_index, prepend
from skvol.exceptions import TooFewRowsWarning
from skvol.models._probabilistic import ProbabilisticMixin

#: Lower bound of the Student-t degrees of freedom, so the residual variance exists.
DF_FLOOR = 2.01
#: Newey-West lag of highfrequency's ``summary.HARmodel`` (``NeweyWest(object, lag = 22)``).
NW_LAG = 22
#: One-sided level of the ABD jump test in HAR-CJ (highfrequency's ``alpha = 0.05``).
JUMP_TEST_LEVEL = 0.95
#: The daily measures each kind reads from a daily-measures frame (``<asset>__<measure>``).
KIND_MEASURES: dict[str, tuple[str, ...]] = {
    "harj": ("rv", "bv"),
    "harcj": ("rv", "bv", "tq"),
    "harq": ("rv", "rq"),
    "shar": ("rv", "rs_pos", "rs_neg"),
}


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


def abd_jump_statistic(rv: np.ndarray, bv: np.ndarray, tq: np.ndarray, n_days: int) -> np.ndarray:
    """The ABD jump z statistic of each day, as highfrequency's ``ABDJumptest``.

    Andersen, Bollerslev and Diebold (2007, eq. 18), in the form highfrequency evaluates::

        z_t = sqrt(n_days) * ((RV_t - BV_t) / RV_t)
              * [(mu1^-4 + 2 mu1^-2 - 5) * max(1, TQ_t / BV_t^2)]^(-1/2),  mu1 = sqrt(2/pi)

    where highfrequency's ``n`` is the number of days in the series (``length(RV)``), not
    the number of intraday returns of the day.

    Parameters
    ----------
    rv, bv, tq : ndarray of shape (n_rows,)
        Realized variance, bipower variation and tripower quarticity per day.
    n_days : int
        The ``n`` of the statistic.

    Returns
    -------
    z : ndarray of shape (n_rows,)
    """
    mu1 = np.sqrt(2.0 / np.pi)
    theta = mu1**-4 + 2.0 * mu1**-2 - 5.0
    return np.sqrt(n_days) * ((rv - bv) / rv) / np.sqrt(theta * np.maximum(1.0, tq / bv**2))


def newey_west_cov(
    design: np.ndarray, residuals: np.ndarray, lag: int = NW_LAG, prewhite: bool = True
) -> np.ndarray:
    """Newey-West covariance of OLS coefficients, as ``sandwich::NeweyWest`` computes it.

    With ``u_t = x_t e_t`` (the OLS estimating functions; ``design`` includes the intercept
    column), Bartlett weights ``w_j = 1 - j / (lag + 1)`` and
    ``Gamma_j = sum_t u_t u_{t+j}'``::

        S = sum_{j=0}^{lag} w_j (Gamma_j + Gamma_j') / (1 + [j = 0]),
        V = (X'X)^{-1} S (X'X)^{-1}.

    With ``prewhite=True`` (sandwich's default, used by highfrequency's summary) ``u`` is
    first filtered by a VAR(1) without intercept fitted by OLS,
    ``u_t = A u_{t-1} + v_t``; ``S`` is computed from the ``n - 1`` residuals ``v`` and
    recoloured, ``D S D'`` with ``D = (I - A)^{-1}``. No finite-sample adjustment
    (``adjust = FALSE``, sandwich's default for ``NeweyWest``). Lags beyond the number of
    rows are dropped, as sandwich does.

    Parameters
    ----------
    design : ndarray of shape (n_rows, n_coef)
    residuals : ndarray of shape (n_rows,)
    lag : int
    prewhite : bool

    Returns
    -------
    cov : ndarray of shape (n_coef, n_coef)

    References
    ----------
    Newey, W. K. and West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity
    and autocorrelation consistent covariance matrix. Econometrica, 55(3), 703-708.
    Andrews, D. W. K. and Monahan, J. C. (1992). An improved heteroskedasticity and
    autocorrelation consistent covariance matrix estimator. Econometrica, 60(4), 953-966.
    """
    u = design * residuals[:, None]
    n_coef = u.shape[1]
    recolour = np.eye(n_coef)
    if prewhite:
        a_transposed, *_ = np.linalg.lstsq(u[:-1], u[1:], rcond=None)
        recolour = np.linalg.pinv(np.eye(n_coef) - a_transposed.T)
        u = u[1:] - u[:-1] @ a_transposed
    n_rows = u.shape[0]
    meat = 0.5 * (u.T @ u)
    for j in range(1, min(lag, n_rows - 1) + 1):
        meat += (1.0 - j / (lag + 1)) * (u[:-j].T @ u[j:])
    meat = recolour @ (meat + meat.T) @ recolour.T
    bread = np.linalg.pinv(design.T @ design)
    return bread @ meat @ bread


@dataclass(frozen=True)
class HARSummary:
    """Coefficients, standard errors and fit of a fitted :class:`HARRegressor`.

    Attributes
    ----------
    kind : str
        The HAR variant (``"har"``, ``"harj"``, ``"harcj"``, ``"harq"``, ``"shar"``).
    fit_method : str
        ``"ols"`` or ``"mle"``.
    table : pandas.DataFrame
        One row per coefficient (``"const"`` first, then ``regressor_names_``). OLS fits:
        columns ``coef``, ``se_ols``, ``se_nw``, ``se_nw_prewhite``, ``t_nw_prewhite`` and
        ``pvalue_nw_prewhite`` (two-sided, t with ``n_obs - n_coef`` degrees of freedom, as
        highfrequency's ``summary.HARmodel``). MLE fits: ``coef``, ``se_mle`` (arch's
        robust standard errors), ``t_mle``, ``pvalue_mle`` (normal reference, as arch).
    r2, adj_r2 : float
        In-sample R^2 ``1 - RSS / TSS`` and ``1 - (1 - R^2)(n - 1)/(n - p)``.
    n_obs : int
        Rows used in the fit.
    nw_lag : int
        Newey-West lag.
    """

    kind: str
    fit_method: str
    table: pd.DataFrame
    r2: float
    adj_r2: float
    n_obs: int
    nw_lag: int

    def __str__(self) -> str:
        head = (
            f"HAR kind={self.kind!r} fit by {self.fit_method.upper()}, n_obs={self.n_obs}, "
            f"R^2={self.r2:.4f}, adjusted R^2={self.adj_r2:.4f}"
        )
        return f"{head}\n{self.table.to_string(float_format=lambda v: f'{v:.6g}')}"


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


class HARRegressor(ProbabilisticMixin, RegressorMixin, BaseEstimator):
    """Heterogeneous autoregressive (HAR) regression of Corsi (2009) and its lineage.

    Row ``t`` of ``X`` holds day ``t``'s measures and ``y[t]`` the target of day ``t + 1``
    (for example ``RV_{t+1}``). ``X^(w)_t`` is the mean of the last ``w`` days including
    ``t``. With the default windows ``(1, 5, 22)`` (daily, weekly, monthly; Corsi, 2009,
    eq. 8) each ``kind`` regresses ``y`` on, as R highfrequency's ``HARmodel`` defines it:

    * ``"har"``: ``x^(w)`` of **every** column of ``X`` (any columns, ndarrays too): for
      ``X = rv[:-1]``, ``y = rv[1:]`` this is ``HARmodel(type="HAR")``.
    * ``"harj"`` (Andersen, Bollerslev and Diebold, 2007): ``RV^(w)`` and ``J^(w)`` with
      ``J = max(RV - BV, 0)`` (``type="HARJ"``).
    * ``"harcj"`` (ABD, 2007): ``C^(w)`` and ``J^(w)``. A day is a jump day when the ABD
      statistic (:func:`abd_jump_statistic`, with ``n_days`` the number of rows of the
      ``X`` given to ``fit``) exceeds the normal 95% quantile; then ``C = BV`` and
      ``J = max(RV - BV, 0)``, otherwise ``C = RV`` and ``J = 0`` (``type="HARCJ"``).
    * ``"harq"`` (Bollerslev, Patton and Quaedvlieg, 2016, eq. 9): ``RV^(w)`` and
      ``(sqrt(RQ_t) - sqrt(mean RQ)) * RV_t``, the mean over the rows of ``X`` given to
      ``fit`` (``type="HARQ"`` with ``periodsQ = 1``).
    * ``"shar"`` (Patton and Sheppard, 2015, eq. 13): the daily ``RV`` split into its
      semivariances ``RS+_t`` and ``RS-_t``, plus ``RV^(w)`` for the longer windows.

    The kinds other than ``"har"`` read one asset's columns ``<asset>__rv``, ``__bv``,
    ``__tq``, ``__rq``, ``__rs_pos``, ``__rs_neg`` of a daily-measures frame by name (other
    columns of the frame, such as ``__ret``, are not used); a missing one is a
    ``ValueError`` naming it.

    ``log=True`` takes logs of the daily measures **before** averaging (``log(1 + J)`` for
    jumps, as highfrequency's ``J + 1``; in HARQ the interaction multiplies ``log RV_t``).
    This is HAR-log, the study's choice for a log-RV target. highfrequency's
    ``transform = "log"`` instead takes logs of the averages; the equality with
    highfrequency is for ``log=False``.

    As in highfrequency, rows without a full longest window (the first
    ``max(windows) - 1``) are not used in fit. Short inputs use what exists, with a
    warning: a window longer than the rows given to ``fit`` is not used (``windows_``
    holds the windows fitted), and when fewer than ``p + 1`` rows (``p`` coefficients,
    intercept included) have a full window, all rows are used with partial windows (the
    mean of the days that exist). Fewer than ``p + 1`` rows in all is a ``ValueError``
    naming the rows needed: OLS could not leave a residual degree of freedom, and the
    residual scale would be 0. Predictions use partial windows for rows without full history, unless a
    DataFrame continues the fitted dates: then the carried last ``max(windows) - 1`` rows
    are prepended, so walk-forward predictions equal full-history ones.

    Parameters
    ----------
    windows : tuple of int, default=(1, 5, 22)
        Averaging windows in rows (trading days), strictly increasing.
    log : bool, default=False
        Take natural logs of the daily measures first (HAR-log); requires positive
        inputs. The default fits levels, as highfrequency's ``HARmodel``.
    distribution : {"normal", "student_t"}, default="normal"
        Residual family used by ``predict_dist``.
    kind : {"har", "harj", "harcj", "harq", "shar"}, default="har"
        The HAR variant (see above).
    fit_method : {"ols", "mle"}, default="ols"
        ``"ols"``: coefficients by OLS; with ``distribution="student_t"`` the t's ``df_``
        and ``scale_`` are then fitted to the residuals. ``"mle"``: coefficients, scale
        and ``df`` jointly by maximum likelihood, delegated to arch's ``LS`` mean with a
        constant variance and a ``Normal`` or ``StudentsT`` distribution; on
        ``X = y_series[:-1]``, ``y = y_series[1:]`` this is arch's
        ``HARX(y_series, lags=[1, 5, 22])``. Needs a well-scaled target (for example
        log RV; arch warns otherwise).

    Attributes
    ----------
    intercept_ : float
        Intercept.
    coef_ : ndarray of shape (n_regressors,)
        Slopes in ``regressor_names_`` order. For ``kind="har"``,
        ``coef_[j * len(windows) + k]`` is the slope of the window-``windows[k]`` average
        of column j.
    regressor_names_ : ndarray of str
        ``"<measure>__w<window>"``; for the lineage the measures are ``rv``, ``c``,
        ``j``, ``rq_rv`` (the HARQ interaction), ``rs_pos``, ``rs_neg``.
    scale_ : float
        Residual scale. OLS, Normal: ``sqrt(RSS / (n - p))``; OLS, Student-t: MLE of the
        residuals' t scale jointly with ``df_``; MLE: ``sqrt(sigma2)`` (Normal) or
        ``sqrt(sigma2 (df - 2) / df)`` (Student-t, arch's unit-variance parametrisation).
    df_ : float
        Student-t degrees of freedom; only for ``distribution="student_t"``.
    se_ols_, se_nw_, se_nw_prewhite_ : ndarray of shape (n_regressors + 1,)
        Standard errors of ``(intercept_, *coef_)`` (OLS fits only): classical
        ``sqrt(diag(s^2 (X'X)^-1))`` with ``s^2 = RSS / (n - p)``, and Newey-West with lag
        22 without and with prewhitening (:func:`newey_west_cov`; highfrequency's
        ``summary`` reports the prewhitened one).
    se_mle_ : ndarray of shape (n_regressors + 1,)
        arch's robust (QMLE sandwich) standard errors (MLE fits only).
    r2_, adj_r2_ : float
        In-sample R^2 and adjusted R^2 on the rows used.
    rq_mean_ : float
        ``mean RQ`` of the fit rows (``kind="harq"`` only).
    n_days_jump_test_ : int
        The ``n_days`` of the ABD statistic (``kind="harcj"`` only).
    windows_ : tuple of int
        The windows fitted: ``windows`` less those longer than the rows given to fit.
    n_fit_rows_ : int
        Rows used in the fit.
    history_ : skvol._history.History
        The last ``max(windows_) - 1`` input rows seen in fit.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Column names seen in fit (DataFrames with string column names only).

    References
    ----------
    Corsi, F. (2009). A simple approximate long-memory model of realized volatility.
    Journal of Financial Econometrics, 7(2), 174-196.
    Andersen, T. G., Bollerslev, T. and Diebold, F. X. (2007). Roughing it up: including
    jump components in the measurement, modeling and forecasting of return volatility.
    Review of Economics and Statistics, 89(4), 701-720.
    Bollerslev, T., Patton, A. J. and Quaedvlieg, R. (2016). Exploiting the errors: a
    simple approach for improved volatility forecasting. Journal of Econometrics, 192(1),
    1-18.
    Patton, A. J. and Sheppard, K. (2015). Good volatility, bad volatility: signed jumps
    and the persistence of volatility. Review of Economics and Statistics, 97(3), 683-697.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.models import HARRegressor
    >>> rng = np.random.default_rng(0)
    >>> rv = np.exp(rng.normal(-9, 0.5, size=300))
    >>> har = HARRegressor().fit(rv[:-1, None], rv[1:])
    >>> har.coef_.shape
    (3,)
    >>> har.predict_dist(rv[:, None]).ppf(0.95).shape
    (300,)
    >>> list(har.summary().table.columns[:3])
    ['coef', 'se_ols', 'se_nw']
    """

    _parameter_constraints: dict = {
        "windows": ["array-like"],
        "log": ["boolean"],
        "distribution": [StrOptions({"normal", "student_t"})],
        "kind": [StrOptions({"har", *KIND_MEASURES})],
        "fit_method": [StrOptions({"ols", "mle"})],
    }

    def __init__(
        self,
        windows=(1, 5, 22),
        log: bool = False,
        distribution: str = "normal",
        *,
        kind: str = "har",
        fit_method: str = "ols",
    ):
        self.windows = windows
        self.log = log
        self.distribution = distribution
        self.kind = kind
        self.fit_method = fit_method

    def _windows(self) -> tuple[int, ...]:
        windows = tuple(self.windows)
        if (
            not windows
            or not all(isinstance(w, Integral) and not isinstance(w, bool) for w in windows)
            or any(w < 1 for w in windows)
            or any(np.diff(windows) <= 0)
            or (self.kind == "shar" and len(windows) < 2)
        ):
            raise ValueError(
                "the `windows` parameter of HARRegressor must be a non-empty, strictly "
                "increasing sequence of positive integers (at least two for kind='shar'); "
                f"got {self.windows!r}"
            )
        return tuple(int(w) for w in windows)

    def _column_name(self, col: int) -> str:
        names = getattr(self, "feature_names_in_", None)
        return f"column {names[col]!r}" if names is not None else f"column {col}"

    def _log(self, values: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """Natural log, refusing a non-positive value with its column and row."""
        bad = ~(values > 0)
        if bad.any():
            row, j = np.argwhere(bad)[0]
            kind = "Negative values in data" if values[row, j] < 0 else "Non-positive data"
            raise ValueError(
                f"{kind} passed to HARRegressor(log=True), which takes logs of its "
                f"inputs: {self._column_name(columns[j])} has {float(values[row, j])!r} at "
                f"row {row}; pass log=False or strictly positive measures"
            )
        return np.log(values)

    def _measure_columns(self) -> dict[str, int]:
        """Positions of the measures ``kind`` needs, found by name in the fitted columns."""
        needed = KIND_MEASURES[self.kind]
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            raise ValueError(
                f"HARRegressor(kind={self.kind!r}) reads columns "
                f"{', '.join(repr('<asset>__' + m) for m in needed)} of a daily-measures "
                "DataFrame by name; X has no column names (pass a DataFrame)"
            )
        positions: dict[str, int] = {}
        for measure in needed:
            found = [
                i for i, name in enumerate(names) if name == measure or name.endswith(SEP + measure)
            ]
            if not found:
                raise ValueError(
                    f"HARRegressor(kind={self.kind!r}) needs the column '<asset>__{measure}' "
                    f"in X; X has columns {list(names)}"
                )
            if len(found) > 1:
                raise ValueError(
                    f"HARRegressor(kind={self.kind!r}) models one asset, but X has "
                    f"{len(found)} '__{measure}' columns {[str(names[i]) for i in found]}; "
                    "pass one asset's columns"
                )
            positions[measure] = found[0]
        return positions

    def _daily_components(
        self, X: np.ndarray, positions: dict[str, int]
    ) -> tuple[np.ndarray, list[str], np.ndarray | None]:
        """The daily series each kind averages, and HARQ's interaction term."""
        col = {m: X[:, i] for m, i in positions.items()}
        if self.log:
            logged = {"rv", "rs_pos", "rs_neg"} | ({"bv"} if self.kind == "harcj" else set())
            for m in sorted(logged & positions.keys()):
                self._log(col[m][:, None], np.array([positions[m]]))
        interaction = None
        if self.kind == "harj":
            jumps = np.maximum(col["rv"] - col["bv"], 0.0)
            daily, names = [col["rv"], jumps], ["rv", "j"]
        elif self.kind == "harcj":
            z = abd_jump_statistic(col["rv"], col["bv"], col["tq"], self.n_days_jump_test_)
            jump_day = z > stats.norm.ppf(JUMP_TEST_LEVEL)
            continuous = np.where(jump_day, col["bv"], col["rv"])
            jumps = np.where(jump_day, np.maximum(col["rv"] - col["bv"], 0.0), 0.0)
            daily, names = [continuous, jumps], ["c", "j"]
        elif self.kind == "harq":
            daily, names = [col["rv"]], ["rv"]
            interaction = np.sqrt(col["rq"]) - np.sqrt(self.rq_mean_)
        else:
            daily, names = [col["rs_pos"], col["rs_neg"], col["rv"]], ["rs_pos", "rs_neg", "rv"]
        if self.log:
            daily = [
                np.log1p(d) if n == "j" else np.log(d) for d, n in zip(daily, names, strict=True)
            ]
        return np.column_stack(daily), names, interaction

    def _design(self, X: np.ndarray, windows: tuple[int, ...]) -> np.ndarray:
        """The regressors (without the intercept) of every row of a block."""
        if self.kind == "har":
            columns = np.arange(X.shape[1])
            return har_averages(self._log(X, columns) if self.log else X, windows)
        positions = self._measure_columns()
        daily, names, interaction = self._daily_components(X, positions)
        if self.kind == "shar":
            semis = har_averages(daily[:, :2], windows[:1])
            return np.hstack([semis, har_averages(daily[:, 2:], windows[1:])])
        design = har_averages(daily, windows)
        if interaction is not None:
            design = np.hstack([design, (interaction * daily[:, 0])[:, None]])
        return design

    def _regressor_names(self, windows: tuple[int, ...]) -> np.ndarray:
        if self.kind == "har":
            columns = (
                self.feature_names_in_
                if hasattr(self, "feature_names_in_")
                else [f"x{j}" for j in range(self.n_features_in_)]
            )
            return np.array([f"{c}__w{w}" for c in columns for w in windows])
        if self.kind == "shar":
            w0 = windows[0]
            return np.array(
                [f"rs_pos__w{w0}", f"rs_neg__w{w0}", *(f"rv__w{w}" for w in windows[1:])]
            )
        measures = {"harj": ("rv", "j"), "harcj": ("c", "j"), "harq": ("rv",)}[self.kind]
        names = [f"{m}__w{w}" for m in measures for w in windows]
        if self.kind == "harq":
            names.append(f"rq_rv__w{windows[0]}")
        return np.array(names)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the HAR regression (OLS, or maximum likelihood with ``fit_method="mle"``).

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Daily measures in time order (for the lineage, a daily-measures DataFrame).
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
        check_dates(index)
        n_rows = X.shape[0]
        if self.kind == "harq":
            rq = X[:, self._measure_columns()["rq"]]
            if (rq < 0).any():
                raise ValueError(
                    "HARRegressor(kind='harq') takes sqrt of the realized quarticity: "
                    f"{self._column_name(self._measure_columns()['rq'])} has "
                    f"{float(rq[rq < 0][0])!r}"
                )
            self.rq_mean_ = float(rq.mean())
        if self.kind == "harcj":
            self.n_days_jump_test_ = n_rows
        self.windows_ = tuple(w for w in windows if w <= n_rows)
        if len(self.windows_) < (2 if self.kind == "shar" else 1):
            raise ValueError(
                f"HARRegressor(kind={self.kind!r}, windows={windows}) needs at least "
                f"{windows[len(self.windows_)]} rows for its windows; got n_samples={n_rows}"
            )
        if self.windows_ != windows:
            warnings.warn(
                f"HARRegressor: windows {windows[len(self.windows_) :]} are longer than the "
                f"n_samples = {n_rows} rows given to fit and are not used; fitting windows "
                f"{self.windows_}",
                TooFewRowsWarning,
                stacklevel=2,
            )
        design = self._design(X, self.windows_)
        n_coef = design.shape[1] + 1
        if n_rows < n_coef + 1:
            raise ValueError(
                f"HARRegressor(kind={self.kind!r}, windows={self.windows_}) has {n_coef} "
                f"coefficients and needs at least {n_coef + 1} rows to fit them and a "
                f"residual scale; got n_samples={n_rows}"
            )
        first = max(self.windows_) - 1
        if n_rows - first < n_coef + 1:
            warnings.warn(
                f"HARRegressor: only {n_rows - first} of n_samples = {n_rows} rows have a "
                f"full {max(self.windows_)}-row window, fewer than the {n_coef + 1} needed "
                f"for {n_coef} coefficients and a residual scale; fitting on all rows with "
                "partial (expanding) windows",
                TooFewRowsWarning,
                stacklevel=2,
            )
            first = 0
        design, target = design[first:], y[first:]
        full = np.hstack([np.ones((design.shape[0], 1)), design])
        if self.fit_method == "mle":
            self._fit_mle(design, target)
        else:
            self._fit_ols(full, target)
        residuals = target - full @ np.r_[self.intercept_, self.coef_]
        rss = float(residuals @ residuals)
        tss = float(np.sum((target - target.mean()) ** 2))
        self.r2_ = 1.0 - rss / tss if tss > 0 else float("nan")
        self.adj_r2_ = 1.0 - (1.0 - self.r2_) * (target.shape[0] - 1) / (target.shape[0] - n_coef)
        self.regressor_names_ = self._regressor_names(self.windows_)
        self.n_fit_rows_ = target.shape[0]
        self.history_ = carry(X, index, max(self.windows_) - 1)
        return self

    def _fit_ols(self, full: np.ndarray, target: np.ndarray) -> None:
        solution, *_ = np.linalg.lstsq(full, target, rcond=None)
        self.intercept_ = float(solution[0])
        self.coef_ = solution[1:]
        residuals = target - full @ solution
        n_rows, n_coef = full.shape
        s2 = float(residuals @ residuals) / (n_rows - n_coef)
        self.scale_ = np.sqrt(s2)
        self.se_ols_ = np.sqrt(np.diag(s2 * np.linalg.pinv(full.T @ full)))
        self.se_nw_ = np.sqrt(np.diag(newey_west_cov(full, residuals, NW_LAG, prewhite=False)))
        self.se_nw_prewhite_ = np.sqrt(
            np.diag(newey_west_cov(full, residuals, NW_LAG, prewhite=True))
        )
        if self.distribution == "student_t":
            self.df_, self.scale_ = _student_t_mle(residuals)
        self.scale_ = max(float(self.scale_), np.finfo(np.float64).tiny)

    def _fit_mle(self, design: np.ndarray, target: np.ndarray) -> None:
        from arch.univariate import LS, ConstantVariance, Normal, StudentsT

        distribution = StudentsT() if self.distribution == "student_t" else Normal()
        model = LS(
            target,
            design,
            constant=True,
            volatility=ConstantVariance(),
            distribution=distribution,
            rescale=False,
        )
        result = model.fit(disp="off", options={"ftol": 1e-12, "maxiter": 1000})
        params = result.params.to_numpy()
        n_mean = design.shape[1] + 1
        self.intercept_ = float(params[0])
        self.coef_ = params[1:n_mean]
        self.se_mle_ = result.std_err.to_numpy()[:n_mean]
        sigma2 = float(params[n_mean])
        if self.distribution == "student_t":
            self.df_ = float(params[n_mean + 1])
            self.scale_ = np.sqrt(sigma2 * (self.df_ - 2.0) / self.df_)
        else:
            self.scale_ = np.sqrt(sigma2)

    def summary(self) -> HARSummary:
        """Coefficients with standard errors, t statistics, p-values and R^2.

        Returns
        -------
        HARSummary
        """
        check_is_fitted(self)
        coef = np.r_[self.intercept_, self.coef_]
        dof = self.n_fit_rows_ - coef.shape[0]
        if self.fit_method == "mle":
            t_mle = coef / self.se_mle_
            columns = {
                "coef": coef,
                "se_mle": self.se_mle_,
                "t_mle": t_mle,
                "pvalue_mle": 2 * stats.norm.sf(np.abs(t_mle)),
            }
        else:
            t_nw = coef / self.se_nw_prewhite_
            columns = {
                "coef": coef,
                "se_ols": self.se_ols_,
                "se_nw": self.se_nw_,
                "se_nw_prewhite": self.se_nw_prewhite_,
                "t_nw_prewhite": t_nw,
                "pvalue_nw_prewhite": 2 * stats.t.sf(np.abs(t_nw), dof),
            }
        table = pd.DataFrame(columns, index=["const", *self.regressor_names_])
        return HARSummary(
            kind=self.kind,
            fit_method=self.fit_method,
            table=table,
            r2=float(self.r2_),
            adj_r2=float(self.adj_r2_),
            n_obs=int(self.n_fit_rows_),
            nw_lag=NW_LAG,
        )

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
        index = date_index(X)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        check_dates(index)
        block, n_prepended = prepend(self.history_, X, index)
        design = self._design(block, self.windows_)[n_prepended:]
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
