"""A return-ES backtest as a scikit-learn scorer: ``scorer(estimator, X, y) -> float``."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd

from skvol._history import date_index
from skvol.evaluation._backtest import check_level
from skvol.evaluation._es_backtest import acerbi_szekely
from skvol.evaluation._fz import fz0_loss
from skvol.evaluation._predict import dist_size, predict_dist
from skvol.evaluation._var import aligned_returns, check_target

__all__ = ["ESBacktestScorer"]

METRICS = ("fz0", "acerbi_szekely_pvalue")


class ESBacktestScorer:
    """Score a probabilistic regressor by its return VaR and ES on ``(X, y)``; greater is better.

    A plain callable ``scorer(estimator, X, y) -> float`` for ``scoring=`` in
    ``cross_validate`` and ``GridSearchCV``. It calls ``predict_dist(X)`` (on the last step
    of a Pipeline after the earlier steps transform ``X``), forms the return VaR and ES of
    :func:`return_var` and :func:`return_es` through ``target``, and scores them against
    the realised returns, looked up by the dates of ``X`` (or ``y``).

    Parameters
    ----------
    level : float, default=0.975
        ES level in (0.5, 1) (0.975 as Basel's FRTB).
    metric : {"fz0", "acerbi_szekely_pvalue"}, default="fz0"
        - "fz0": minus the mean FZ0 loss (:func:`fz0_loss`), strictly consistent for the
          pair (VaR, ES): the sound criterion for choosing ES models.
        - "acerbi_szekely_pvalue": the simulated p-value of Acerbi & Szekely's ``Z2``
          (:func:`acerbi_szekely`), a report rather than a selection criterion.
    target : NextDayTarget
        The :class:`skvol.NextDayTarget` that built ``y``.
    returns : Series
        Realised daily returns indexed by date, aligned like the target (row ``t`` holds
        the return of the day after ``t``), in decimal log returns.
    n_simulations : int, default=1000
        Simulations for "acerbi_szekely_pvalue".
    random_state : int or None, default=0
        Seed for "acerbi_szekely_pvalue" (an int, so every call and fold is reproducible).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from scipy import stats
    >>> from sklearn.linear_model import LinearRegression
    >>> from skvol import NextDayTarget
    >>> from skvol.evaluation import ESBacktestScorer
    >>> class LogVariance(LinearRegression):
    ...     def predict_dist(self, X):
    ...         return stats.norm(self.predict(X), 0.3)
    >>> rng = np.random.default_rng(0)
    >>> days = pd.bdate_range("2015-01-01", periods=800)
    >>> X = pd.DataFrame({"x": rng.normal(size=800)}, index=days)
    >>> log_v = pd.Series(-9.0 + 0.5 * X["x"] + 0.3 * rng.normal(size=800), index=days)
    >>> returns = np.sqrt(np.exp(log_v)) * rng.normal(size=800)
    >>> scorer = ESBacktestScorer(target=NextDayTarget(scale=1.0), returns=returns)
    >>> model = LogVariance().fit(X, log_v)
    >>> bool(scorer(model, X, log_v) > scorer(LogVariance().fit(X * 0, log_v), X, log_v))
    True
    """

    def __init__(
        self,
        level: float = 0.975,
        metric: str = "fz0",
        *,
        target=None,
        returns=None,
        n_simulations: int = 1000,
        random_state: int | None = 0,
    ):
        # Checked here: inside GridSearchCV a bad option would turn every score into NaN.
        caller = "ESBacktestScorer"
        level = check_level(level, f"{caller} level")
        if level <= 0.5:
            raise ValueError(f"{caller}: level must lie in (0.5, 1), got {level!r}")
        if metric not in METRICS:
            raise ValueError(f"{caller}: metric must be one of {METRICS}, got {metric!r}")
        check_target(target, caller)
        if not isinstance(returns, pd.Series) or not isinstance(returns.index, pd.DatetimeIndex):
            raise TypeError(
                f"{caller}: returns must be a pandas Series of realised returns with a "
                f"DatetimeIndex, got {type(returns).__name__}"
            )
        if isinstance(n_simulations, bool) or not isinstance(n_simulations, Integral):
            raise ValueError(f"{caller}: n_simulations must be a positive int")
        if n_simulations < 1:
            raise ValueError(f"{caller}: n_simulations must be a positive int")
        if random_state is not None and (
            isinstance(random_state, bool) or not isinstance(random_state, Integral)
        ):
            raise ValueError(f"{caller}: random_state must be an int or None")
        self.level = level
        self.metric = metric
        self.target = target
        self.returns = returns
        self.n_simulations = int(n_simulations)
        self.random_state = random_state

    def __repr__(self) -> str:
        return (
            f"ESBacktestScorer(level={self.level!r}, metric={self.metric!r}, "
            f"target={self.target!r})"
        )

    def __call__(self, estimator, X, y) -> float:
        """Score a fitted ``estimator`` on ``(X, y)``; greater is better.

        Parameters
        ----------
        estimator : fitted estimator or Pipeline with ``predict_dist``
        X : DataFrame of shape (n_days, n_features)
            Rows in time order, with a DatetimeIndex (or ``y`` has one).
        y : Series or array-like of shape (n_days,)
            The target (only its length and dates are used).

        Returns
        -------
        float
        """
        caller = "ESBacktestScorer"
        n = len(X)
        if np.size(y) != n:
            raise ValueError(f"{caller}: X has {n} rows but y has {np.size(y)}")
        x_dates, y_dates = date_index(X), date_index(y)
        if x_dates is not None and y_dates is not None and not x_dates.equals(y_dates):
            raise ValueError(
                f"{caller}: X and y have different dates; align them so each row meets its target"
            )
        realised = aligned_returns(
            self.returns, x_dates if x_dates is not None else y_dates, caller
        )
        dist = predict_dist(estimator, X, caller)
        if dist_size(dist) not in (1, n):
            raise ValueError(
                f"{caller}: predict_dist returned a distribution with {dist_size(dist)} "
                f"elements for {n} rows"
            )
        var = np.broadcast_to(self.target.return_var(dist, self.level), (n,))
        es = np.broadcast_to(self.target.return_es(dist, self.level), (n,))
        if self.metric == "fz0":
            return -fz0_loss(realised, var, es, self.level)
        return acerbi_szekely(
            realised,
            dist,
            self.level,
            target=self.target,
            var=var,
            es=es,
            n_simulations=self.n_simulations,
            random_state=self.random_state,
        ).pvalue
