"""A VaR backtest as a scikit-learn scorer: ``scorer(estimator, X, y) -> float``."""

from __future__ import annotations

import numpy as np

from skvol._history import date_index
from skvol.evaluation._backtest import (
    breach_flags,
    check_level,
    christoffersen_conditional_coverage,
    kupiec_pof,
)
from skvol.evaluation._predict import predict_dist
from skvol.evaluation._scores import pinball_loss
from skvol.evaluation._var import aligned_returns, check_kind, var_for_kind

__all__ = ["VaRBacktestScorer"]

METRICS = ("pinball", "coverage_error", "kupiec_pvalue", "christoffersen_pvalue")


class VaRBacktestScorer:
    """Score a probabilistic regressor by backtesting its VaR on ``(X, y)``; greater is better.

    A plain callable ``scorer(estimator, X, y) -> float``, so it can be given as
    ``scoring=`` to ``cross_validate``, ``GridSearchCV`` and friends. It calls
    ``predict_dist(X)`` on the estimator (or on the last step of a Pipeline, after the
    earlier steps transform ``X``), forms the VaR and scores it against the realised values.

    Parameters
    ----------
    level : float, default=0.95
        VaR level in (0, 1).
    metric : {"pinball", "coverage_error", "kupiec_pvalue", "christoffersen_pvalue"}, \
default="pinball"
        - "pinball": minus the mean pinball loss of the VaR, at ``alpha = level`` for a
          volatility VaR and ``1 - level`` for a return VaR. Strictly consistent for the
          quantile, hence the sound default for choosing models.
        - "coverage_error": minus ``|breach rate - (1 - level)|``.
        - "kupiec_pvalue": the p-value of Kupiec's POF test.
        - "christoffersen_pvalue": the p-value of Christoffersen's conditional coverage
          test (frequency and independence, chi2(2)).

        The last three are reports rather than selection criteria: a constant quantile can
        reach the right breach rate.
    kind : {"volatility", "return"}, default="volatility"
        "volatility": the ``level`` quantile of the predicted target, breached when ``y``
        is above it. "return": the return VaR of :func:`return_var`, breached when the
        realised return (from ``returns``) is below it.
    returns : Series or None, default=None
        For ``kind="return"``: realised daily returns indexed by date, aligned like the
        target (row ``t`` holds the return of the day after ``t``, as given by
        ``next_day_target(panel, asset, measure="return", transform=None)``); looked up
        with the DatetimeIndex of ``X`` (or of ``y``).
    target : NextDayTarget or None, default=None
        For ``kind="return"`` (required there): the :class:`skvol.NextDayTarget` that built
        ``y`` (see :func:`return_var`).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> from sklearn.linear_model import LinearRegression
    >>> from skvol.evaluation import VaRBacktestScorer
    >>> class Gaussian(LinearRegression):
    ...     def predict_dist(self, X):
    ...         return stats.norm(self.predict(X), 1.0)
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 1))
    >>> y = 2 * X[:, 0] + rng.normal(size=500)
    >>> scorer = VaRBacktestScorer(level=0.95, metric="kupiec_pvalue")
    >>> scorer(Gaussian().fit(X, y), X, y) > 0.05
    True
    """

    def __init__(
        self,
        level: float = 0.95,
        metric: str = "pinball",
        kind: str = "volatility",
        returns=None,
        target=None,
    ):
        # Checked here, not at call time: inside GridSearchCV a bad option would otherwise
        # turn every score into NaN and the search would "succeed" with best_score_=nan.
        caller = "VaRBacktestScorer"
        self.level = check_level(level, f"{caller} level")
        if metric not in METRICS:
            raise ValueError(f"{caller}: metric must be one of {METRICS}, got {metric!r}")
        check_kind(kind, returns, caller, target)
        self.metric = metric
        self.kind = kind
        self.returns = returns
        self.target = target

    def __repr__(self) -> str:
        extra = f", kind='return', target={self.target!r}" if self.kind == "return" else ""
        return f"VaRBacktestScorer(level={self.level!r}, metric={self.metric!r}{extra})"

    def __call__(self, estimator, X, y) -> float:
        """Score a fitted ``estimator`` on ``(X, y)``.

        Parameters
        ----------
        estimator : fitted estimator or Pipeline with ``predict_dist``
        X : array-like of shape (n_days, n_features)
            Rows in time order.
        y : array-like of shape (n_days,)
            The realised target.

        Returns
        -------
        float
            Greater is better.
        """
        caller = "VaRBacktestScorer"
        level = self.level
        y_true = np.asarray(y, dtype=float).ravel()
        if len(X) != y_true.size:
            raise ValueError(f"{caller}: X has {len(X)} rows but y has {y_true.size}")
        x_dates, y_dates = date_index(X), date_index(y)
        if x_dates is not None and y_dates is not None and not x_dates.equals(y_dates):
            raise ValueError(
                f"{caller}: X and y have different dates (first X date {x_dates[0]}, first "
                f"y date {y_dates[0]}); align them first so each row meets its target"
            )
        if self.kind == "return":
            index = date_index(X)
            realised = aligned_returns(
                self.returns, index if index is not None else date_index(y), caller
            )
        else:
            realised = y_true
        dist = predict_dist(estimator, X, caller)
        var, side = var_for_kind(dist, level, self.kind, self.target, realised.size, caller)
        if self.metric == "pinball":
            alpha = level if side == "upper" else 1.0 - level
            return -pinball_loss(realised, var, alpha)
        flags = breach_flags(realised, var, side)
        if self.metric == "coverage_error":
            return -abs(float(flags.mean()) - (1.0 - level))
        if self.metric == "kupiec_pvalue":
            return kupiec_pof(flags, level).pvalue
        return christoffersen_conditional_coverage(flags, level).pvalue
