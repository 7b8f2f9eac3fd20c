"""Return-volatility benchmarks desks run: RiskMetrics EWMA and the GARCH family, via arch.

Estimation, filtering and forecasting are delegated to Kevin Sheppard's ``arch`` (imported
on first use: it takes about a second to load). skvol adds the scikit-learn interface, the
carried history that makes walk-forward forecasts equal full-history ones, and
``predict_dist``/``predict_variance`` for return VaR/ES and QLIKE against realized variance.

**Units.** arch's optimiser expects returns of order 1 (it warns about poorly scaled data
otherwise), so the daily log returns are multiplied by ``RETURN_SCALE = 100`` (percent)
before arch sees them. ``params_`` are arch's, in percent units (``omega`` in %^2);
``predict``, ``predict_variance`` and ``predict_dist`` are back in the units of ``X``
(decimal returns in, decimal returns and squared decimal returns out).
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy import stats
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from skvol._columns import SEP
from skvol._history import carry, check_dates, date_index, prepend
from skvol.models._probabilistic import ProbabilisticMixin

#: Factor applied to returns before arch sees them (decimal to percent returns).
RETURN_SCALE = 100.0


class _ArchVolatilityRegressor(ProbabilisticMixin, RegressorMixin, BaseEstimator):
    """Shared interface: the return column, carried history and one-step forecasts."""

    def _arch_model(self, returns: np.ndarray):
        raise NotImplementedError

    def _n_params(self) -> int:
        raise NotImplementedError

    def _return_column(self) -> int:
        """Position of the daily return: ``ret``/``<asset>__ret`` if named, else column 0."""
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return 0
        found = [i for i, n in enumerate(names) if n == "ret" or str(n).endswith(SEP + "ret")]
        if len(found) > 1:
            raise ValueError(
                f"{type(self).__name__} models one asset's returns, but X has "
                f"{len(found)} return columns {[str(names[i]) for i in found]}; pass one"
            )
        return found[0] if found else 0

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Estimate the model by maximum likelihood on the daily returns in ``X`` (arch).

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Daily returns in time order: the ``ret`` or ``<asset>__ret`` column of a
            daily-measures frame, otherwise the first column (other columns are not used).
        y : array-like of shape (n_days,), default=None
            Tomorrow's return aligned to today's row (``ret`` shifted by -1). It is
            validated (numeric, finite, one per row) so the model fits in a Pipeline, but
            not used: the likelihood is that of the returns in ``X``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        index = date_index(X)
        if y is None:
            X = validate_data(self, X, dtype=np.float64)
        else:
            X, _ = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        check_dates(index)
        needed = self._n_params() + 2
        if X.shape[0] < needed:
            raise ValueError(
                f"{type(self).__name__} estimates {self._n_params()} parameters and needs "
                f"at least {needed} daily returns; got n_samples={X.shape[0]}"
            )
        returns = X[:, self._return_column()]
        model = self._arch_model(returns * RETURN_SCALE)
        result = model.fit(disp="off")
        self.params_ = result.params
        self.loglikelihood_ = float(result.loglikelihood)
        n_mean = model.num_params
        self.backcast_ = model.volatility.backcast(model.resids(self.params_.to_numpy()[:n_mean]))
        self.history_ = carry(returns[:, None], index, returns.shape[0])
        return self

    def _one_step(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Tomorrow's mean and variance (decimal units) for each row, arch's forecasts.

        arch's volatility recursion and one-step forecast run with the fitted parameters
        from ``backcast_``, the fit sample's starting variance, so row ``t`` of an undated
        block uses rows ``<= t`` of it only (arch's own ``forecast`` would start from the
        first 75 rows of the block). A frame continuing the fitted dates is filtered after
        the whole fitted history, which reproduces ``fit``'s own forecasts exactly. The one
        block-wide quantity is arch's numerical safeguard ``variance_bounds`` (variances are
        clipped to 1e-6..1e6 times a causal EWMA, within a floor and ceiling set by the
        block's variance and largest return), which does not bind on returns a GARCH fits.
        """
        check_is_fitted(self)
        index = date_index(X)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        check_dates(index)
        returns = X[:, self._return_column()][:, None]
        block, n_prepended = prepend(self.history_, returns, index)
        model = self._arch_model(block[:, 0] * RETURN_SCALE)
        params = self.params_.to_numpy()
        n_mean, n_vol = model.num_params, model.volatility.num_params
        resids = np.asarray(model.resids(params[:n_mean]), dtype=np.float64)
        forecast = model.volatility.forecast(
            params[n_mean : n_mean + n_vol],
            resids,
            self.backcast_,
            model.volatility.variance_bounds(resids, 2.0),
            start=0,
            horizon=1,
        )
        mean = (block[:, 0] * RETURN_SCALE - resids)[n_prepended:] / RETURN_SCALE
        variance = forecast.forecasts[n_prepended:, 0] / RETURN_SCALE**2
        return mean, variance

    def predict(self, X) -> np.ndarray:
        """Tomorrow's expected return for each row (the mean of ``predict_dist``).

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Daily returns in time order; a DataFrame whose ``DatetimeIndex`` continues the
            fitted dates is filtered after the fitted history, an undated block alone.

        Returns
        -------
        y_pred : ndarray of shape (n_days,)
        """
        return self._one_step(X)[0]

    def predict_variance(self, X) -> np.ndarray:
        """Tomorrow's conditional variance of the return for each row (arch's forecast).

        Row ``t`` is ``Var(r_{t+1} | r_1, ..., r_t)`` in squared units of ``X``, to score
        against tomorrow's realized variance (QLIKE).

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)

        Returns
        -------
        variance : ndarray of shape (n_days,)
        """
        return self._one_step(X)[1]

    def predict_dist(self, X):
        """Tomorrow's return distribution for each row (frozen ``scipy.stats``).

        ``norm(mean, sigma)``, or for Student-t innovations arch's standardised t (unit
        variance): ``t(nu, mean, sigma * sqrt((nu - 2) / nu))``, so its variance is the
        forecast ``sigma^2``.

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)

        Returns
        -------
        dist : scipy.stats frozen distribution with one element per row
        """
        mean, variance = self._one_step(X)
        sigma = np.sqrt(variance)
        if getattr(self, "distribution", "normal") == "student_t":
            nu = float(self.params_["nu"])
            return stats.t(nu, loc=mean, scale=sigma * np.sqrt((nu - 2.0) / nu))
        return stats.norm(loc=mean, scale=sigma)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        # y is tomorrow's return, which a variance model does not fit: R^2 is about 0
        tags.regressor_tags.poor_score = True
        return tags


class EWMARegressor(_ArchVolatilityRegressor):
    """RiskMetrics exponentially weighted moving average variance (J.P. Morgan, 1996).

    ``sigma2_{t+1} = lam * sigma2_t + (1 - lam) * r_t^2`` with zero mean and Normal
    returns, arch's ``ZeroMean`` + ``EWMAVariance(lam)`` (which starts the recursion at
    arch's backcast, an exponentially weighted mean of the first 75 squared returns).
    Nothing is estimated; ``fit`` validates and keeps the history.

    Parameters
    ----------
    lam : float, default=0.94
        Decay, RiskMetrics' daily value.

    Attributes
    ----------
    params_ : pandas.Series
        arch's parameters (empty: EWMA has none to estimate).
    loglikelihood_ : float
        Normal log-likelihood of the percent returns in fit.
    backcast_ : float
        arch's starting value of the variance recursion, from the fit sample's residuals
        (EGARCH: of the log variance); predictions start every block from it.
    history_ : skvol._history.History
        The returns seen in fit, with their dates.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    GARCHRegressor : GARCH(1,1), GJR-GARCH and EGARCH estimated by arch.

    References
    ----------
    J.P. Morgan/Reuters (1996). RiskMetrics - Technical Document, 4th edition, section 5.2.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.models import EWMARegressor
    >>> rng = np.random.default_rng(0)
    >>> r = 0.01 * rng.standard_normal(300)
    >>> ewma = EWMARegressor().fit(r[:-1, None], r[1:])
    >>> ewma.predict_variance(r[:, None]).shape
    (300,)
    >>> ewma.predict_dist(r[:, None]).ppf(0.01).shape
    (300,)
    """

    _parameter_constraints: dict = {"lam": [Interval(Real, 0, 1, closed="neither")]}

    def __init__(self, lam: float = 0.94):
        self.lam = lam

    def _n_params(self) -> int:
        return 0

    def _arch_model(self, returns: np.ndarray):
        from arch.univariate import EWMAVariance, Normal, ZeroMean

        return ZeroMean(
            returns, volatility=EWMAVariance(self.lam), distribution=Normal(), rescale=False
        )


class GARCHRegressor(_ArchVolatilityRegressor):
    """GARCH(1,1), GJR-GARCH(1,1,1) or EGARCH(1,1,1) on daily returns, estimated by arch.

    ``r_t = mu + e_t`` (or ``mu = 0``), ``e_t = sigma_t z_t`` with ``z_t`` Normal or arch's
    standardised Student-t, and

    * ``"garch"`` (Bollerslev, 1986): ``sigma2_t = omega + alpha e_{t-1}^2 + beta sigma2_{t-1}``;
    * ``"gjr"`` (Glosten, Jagannathan and Runkle, 1993): adds
      ``gamma e_{t-1}^2 [e_{t-1} < 0]``;
    * ``"egarch"`` (Nelson, 1991): ``ln sigma2_t = omega + alpha (|z_{t-1}| - sqrt(2/pi))
      + gamma z_{t-1} + beta ln sigma2_{t-1}``,

    exactly as arch's ``arch_model(r, mean=..., vol="GARCH"/"EGARCH", p=1, o=0/1, q=1,
    dist="normal"/"t")`` defines and fits them, on ``RETURN_SCALE * r`` (percent returns).
    Forecasts are arch's one-step forecasts with the fitted parameters fixed.

    Parameters
    ----------
    kind : {"garch", "gjr", "egarch"}, default="garch"
    distribution : {"normal", "student_t"}, default="normal"
        Innovation distribution (arch's ``Normal`` or ``StudentsT``).
    mean : {"constant", "zero"}, default="constant"
        Mean of the daily return.

    Attributes
    ----------
    params_ : pandas.Series
        arch's estimates (``mu``, ``omega``, ``alpha[1]``, ``gamma[1]``, ``beta[1]``,
        ``nu``), in percent units.
    loglikelihood_ : float
        Log-likelihood of the percent returns at ``params_``.
    backcast_ : float
        arch's starting value of the variance recursion, from the fit sample's residuals
        (EGARCH: of the log variance); predictions start every block from it.
    history_ : skvol._history.History
        The returns seen in fit, with their dates.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    EWMARegressor : RiskMetrics, nothing to estimate.

    References
    ----------
    Bollerslev, T. (1986). Generalized autoregressive conditional heteroskedasticity.
    Journal of Econometrics, 31(3), 307-327.
    Glosten, L. R., Jagannathan, R. and Runkle, D. E. (1993). On the relation between the
    expected value and the volatility of the nominal excess return on stocks. Journal of
    Finance, 48(5), 1779-1801.
    Nelson, D. B. (1991). Conditional heteroskedasticity in asset returns: a new approach.
    Econometrica, 59(2), 347-370.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.models import GARCHRegressor
    >>> rng = np.random.default_rng(0)
    >>> r = 0.01 * rng.standard_t(6, size=500)
    >>> garch = GARCHRegressor(kind="gjr", distribution="student_t").fit(r[:-1, None], r[1:])
    >>> list(garch.params_.index)
    ['mu', 'omega', 'alpha[1]', 'gamma[1]', 'beta[1]', 'nu']
    >>> garch.predict_dist(r[:, None]).ppf(0.01).shape
    (500,)
    """

    _parameter_constraints: dict = {
        "kind": [StrOptions({"garch", "gjr", "egarch"})],
        "distribution": [StrOptions({"normal", "student_t"})],
        "mean": [StrOptions({"constant", "zero"})],
    }

    def __init__(self, kind: str = "garch", distribution: str = "normal", mean: str = "constant"):
        self.kind = kind
        self.distribution = distribution
        self.mean = mean

    def _n_params(self) -> int:
        n_vol = 3 if self.kind == "garch" else 4
        return n_vol + (self.mean == "constant") + (self.distribution == "student_t")

    def _arch_model(self, returns: np.ndarray):
        from arch.univariate import EGARCH, GARCH, ConstantMean, Normal, StudentsT, ZeroMean

        o = 0 if self.kind == "garch" else 1
        volatility = EGARCH(p=1, o=o, q=1) if self.kind == "egarch" else GARCH(p=1, o=o, q=1)
        distribution = StudentsT() if self.distribution == "student_t" else Normal()
        mean = ConstantMean if self.mean == "constant" else ZeroMean
        return mean(returns, volatility=volatility, distribution=distribution, rescale=False)
