"""sktime forecaster adapter for skvol's distributional regressors.

A skvol regressor maps today's daily features to a distribution for a target aligned to
today's row (usually tomorrow's volatility). :class:`VolatilityForecaster` turns such a
regressor, plus an optional feature pipeline, into an sktime forecaster of the daily
series itself, with sktime's probabilistic API.

Multi-step horizons use the *direct* strategy (Taieb and Hyndman 2012; sktime's
``DirectTabularRegressionForecaster``): one clone of the regressor per step ``h`` of the
horizon, each trained on the pairs (design row of day ``t``, ``y[t + h]``). Every step
thus gets a genuine predictive distribution from the regressor, rather than a recursive
plug-in of point forecasts, which would understate the spread.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
from sklearn.base import clone
from sktime.forecasting.base import BaseForecaster

from skvol.evaluation._predict import dist_params, has_predict_dist, predict_dist

__all__ = ["VolatilityForecaster"]


class VolatilityForecaster(BaseForecaster):
    """sktime forecaster of a daily volatility series from a skvol distributional regressor.

    The series ``y`` (for example daily log realized variance) and the optional
    exogenous daily features ``X`` form the *design frame*: on day ``t`` its columns
    are ``y[t]`` (named after ``y``, or ``"y"`` when ``y`` has no name) followed by the
    columns of ``X[t]``. ``features`` (when given) turns the design frame into the
    regressor's input; the regressor then learns the distribution of ``y[t + h]`` given
    day ``t``'s row, for each step ``h`` of the forecasting horizon (direct strategy).
    Only information up to the cutoff is used: the forecast for ``cutoff + h`` comes
    from the design row of the cutoff day, computed with the history before it.

    Parameters
    ----------
    estimator : scikit-learn regressor with ``predict_dist``, or a Pipeline ending in one
        A skvol regressor (for example ``HARRegressor`` or
        ``ProbabilisticLSTMRegressor``) whose ``predict_dist(X)`` returns a frozen
        ``scipy.stats`` distribution with one element per row. It is cloned once per
        step of the horizon; the instance given is never fitted.
    features : scikit-learn transformer or None, default=None
        Applied to the design frame (a DataFrame with the index of ``y``) before the
        regressor. It is fitted on the same rows as the regressor of each step and
        must only look backwards in time (as every skvol transformer does). None
        passes the design frame unchanged.

    Attributes
    ----------
    estimators_ : dict of int -> estimator
        The fitted regressor for each relative step ``h`` of the horizon.
    features_ : dict of int -> transformer or None
        The fitted feature transformer of each step (None when ``features`` is None).
    steps_ : ndarray of int
        The relative steps of the horizon, in the order of ``fh``.

    Notes
    -----
    *Horizons.* ``fh`` is required in ``fit`` and must be strictly out of sample
    (relative steps ``h >= 1``); each distinct step costs one fit of the regressor.
    In-sample forecasts are not offered (``capability:insample`` is False).

    *Exogenous data.* ``X`` must cover every date of ``y`` passed to ``fit`` and
    ``update``. The ``X`` passed to ``predict``-like methods (future rows, in sktime's
    convention) is not needed by the direct strategy and is not used: forecasts use
    the design row of the cutoff day. ``X`` must be free of missing values; compute
    daily features from an intraday panel first (for example with skvol's
    ``RealizedVariance``).

    *Updating.* ``update(y, X, update_params=True)`` appends the new days and refits
    every step's regressor on the whole history (a plain refit, not an incremental
    one); ``update_params=False`` only appends the days, so the next forecast is made
    from the new cutoff day with the parameters already fitted.

    *Cost.* Each forecast recomputes ``features`` and ``predict_dist`` over the whole
    stored history (the model then needs no carried state to stay exact) and keeps the
    last row: cost grows linearly with the history, which is cheap for daily series.

    *Probabilistic predictions.* ``predict_quantiles``, ``predict_interval`` and
    ``predict_var`` come from the regressor's own distribution (``ppf`` and ``var``
    of ``scipy.stats``), so Student-t forecasts keep their fat tails; the variance of a
    Student-t with ``df <= 2`` is infinite. ``predict_proba`` returns a Normal
    distribution (skpro's, or sktime's built-in one when skpro is absent) or a
    Student-t (``skpro.distributions.TDistribution``, requires skpro).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skvol.models import HARRegressor
    >>> from skvol.sktime import VolatilityForecaster
    >>> rng = np.random.default_rng(0)
    >>> log_rv = pd.Series(
    ...     -9 + 0.1 * rng.standard_normal(300).cumsum() + rng.standard_normal(300),
    ...     index=pd.date_range("2015-01-01", periods=300, freq="D"), name="log_rv",
    ... )
    >>> forecaster = VolatilityForecaster(HARRegressor(log=False)).fit(log_rv, fh=[1, 2])
    >>> forecaster.predict().shape
    (2,)
    >>> forecaster.predict_interval(coverage=0.9).shape
    (2, 2)
    """

    _tags = {
        "authors": ["skvol developers"],
        "maintainers": ["skvol developers"],
        "y_inner_mtype": "pd.Series",
        "X_inner_mtype": "pd.DataFrame",
        "requires-fh-in-fit": True,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:update": True,
        "capability:missing_values": False,
    }
    # the adapter keeps its own history (``_cur_y``, ``_cur_X``), so sktime's legacy
    # data pool is not needed (and sktime 1.3 makes False the default)
    _config = {"remember_data": False}

    def __init__(self, estimator, features=None):
        self.estimator = estimator
        self.features = features
        # sktime's legacy data pool stays empty (config remember_data=False); the
        # attributes exist so that switching the config on behaves as in sktime
        self._y = None
        self._X = None
        super().__init__()

    # ------------------------------------------------------------------ fitting

    def _fit(self, y, X, fh):
        if not has_predict_dist(self.estimator):
            raise TypeError(
                "VolatilityForecaster: the parameter `estimator` must have a "
                "`predict_dist` method (or be a Pipeline whose last step has one); "
                f"{type(self.estimator).__name__} has none"
            )
        if self.features is not None and not hasattr(self.features, "transform"):
            raise TypeError(
                "VolatilityForecaster: the parameter `features` must be a transformer "
                f"with `fit` and `transform` or None, got {type(self.features).__name__}"
            )
        # sktime has already refused in-sample steps (capability:insample is False)
        self.steps_ = fh.to_relative(self.cutoff).to_numpy().astype(np.int64)
        self._cur_y = y
        self._cur_X = X
        self._fit_steps()
        return self

    def _fit_steps(self):
        design = self._design()
        target = self._cur_y.to_numpy()
        n_rows = len(design)
        self.estimators_ = {}
        self.features_ = {}
        for h in np.unique(self.steps_):
            h = int(h)
            n_train = n_rows - h
            if n_train < 1:
                raise ValueError(
                    f"VolatilityForecaster: y has {n_rows} observations, too few for step "
                    f"{h} of fh (the direct strategy needs at least {h + 1})"
                )
            rows = design.iloc[:n_train]
            y_h = pd.Series(target[h:], index=rows.index, name=self._cur_y.name)
            transformer = None
            if self.features is not None:
                transformer = clone(self.features)
                rows = transformer.fit_transform(rows, y_h)
            self.features_[h] = transformer
            self.estimators_[h] = clone(self.estimator).fit(rows, y_h)

    def _update(self, y, X=None, update_params=True):
        if (X is None) != (self._cur_X is None):
            had = "with" if self._cur_X is not None else "without"
            raise ValueError(
                f"VolatilityForecaster was fitted {had} exogenous X; update must be "
                f"called {had} X as well"
            )
        self._cur_y = _append_rows(self._cur_y, y)
        if X is not None:
            self._cur_X = _append_rows(self._cur_X, X)
        if update_params:
            self._fit_steps()
        return self

    def _design(self) -> pd.DataFrame:
        """The design frame: ``y`` as a column, then the exogenous columns."""
        y = self._cur_y
        name = "y" if y.name is None else str(y.name)
        design = pd.DataFrame({name: y.to_numpy(dtype=np.float64)}, index=y.index)
        if self._cur_X is None:
            return design
        missing = y.index.difference(self._cur_X.index)
        if len(missing) > 0:
            raise ValueError(
                f"VolatilityForecaster: X has no row for {len(missing)} date(s) of y, "
                f"first {missing[0]!r}; X must cover every date of y"
            )
        exog = self._cur_X.loc[y.index]
        exog.columns = [str(c) for c in exog.columns]
        if name in exog.columns:
            raise ValueError(
                f"VolatilityForecaster: X has a column named {name!r}, the name of the "
                "target series in the design frame; rename the column or the series"
            )
        return pd.concat([design, exog], axis=1)

    # --------------------------------------------------------------- forecasting

    def _forecast_dist(self, fh):
        """Frozen scipy distribution with one element per step of ``fh``, in its order."""
        steps = fh.to_relative(self.cutoff).to_numpy().astype(np.int64)
        design = self._design()
        per_step = {}
        for h in np.unique(steps):
            h = int(h)
            rows = design
            if self.features_[h] is not None:
                rows = self.features_[h].transform(rows)
            dist = predict_dist(self.estimators_[h], rows, "VolatilityForecaster")
            per_step[h] = _last_element(dist, len(design))
        families = {family.name for family, _ in per_step.values()}
        if len(families) != 1:
            raise ValueError(
                "VolatilityForecaster: the regressors of different steps returned "
                f"different distribution families {sorted(families)}"
            )
        family, first = per_step[int(steps[0])]
        names = list(first)
        params = {
            name: np.array([per_step[int(h)][1][name] for h in steps], dtype=np.float64)
            for name in names
        }
        return family(**params)

    def _predict(self, fh, X):
        dist = self._forecast_dist(fh)
        index = fh.to_absolute_index(self.cutoff)
        return pd.Series(
            np.asarray(dist.mean(), dtype=np.float64), index=index, name=self._cur_y.name
        )

    def _predict_quantiles(self, fh, X, alpha):
        dist = self._forecast_dist(fh)
        alpha = np.asarray(alpha, dtype=np.float64)
        values = dist.ppf(alpha[:, None]).T
        return pd.DataFrame(
            values,
            index=fh.to_absolute_index(self.cutoff),
            columns=self._get_columns(method="predict_quantiles", alpha=list(alpha)),
        )

    def _predict_var(self, fh, X=None, cov=False):
        if cov:
            raise NotImplementedError(
                "VolatilityForecaster forecasts each step separately (direct strategy); "
                "covariances across steps (cov=True) are not modelled"
            )
        dist = self._forecast_dist(fh)
        return pd.DataFrame(
            np.asarray(dist.var(), dtype=np.float64)[:, None],
            index=fh.to_absolute_index(self.cutoff),
            columns=pd.Index(self._get_columns(method="predict_var")),
        )

    def _predict_proba(self, fh, X, marginal=True):
        dist = self._forecast_dist(fh)
        index = fh.to_absolute_index(self.cutoff)
        columns = pd.Index(self._get_columns(method="predict_var"))
        loc = np.asarray(dist.kwds["loc"], dtype=np.float64)[:, None]
        scale = np.asarray(dist.kwds["scale"], dtype=np.float64)[:, None]
        has_skpro = importlib.util.find_spec("skpro") is not None
        family = dist.dist.name
        if family == "norm":
            if has_skpro:
                from skpro.distributions.normal import Normal
            else:
                from sktime.base._proba._normal import Normal
            return Normal(mu=loc, sigma=scale, index=index, columns=columns)
        if family == "t":
            if not has_skpro:
                raise ImportError(
                    "VolatilityForecaster.predict_proba of a Student-t forecast needs "
                    "skpro (pip install skpro); predict_quantiles, predict_interval and "
                    "predict_var work without it"
                )
            from skpro.distributions.t import TDistribution

            df = np.asarray(dist.kwds["df"], dtype=np.float64)[:, None]
            return TDistribution(mu=loc, sigma=scale, df=df, index=index, columns=columns)
        raise NotImplementedError(
            f"VolatilityForecaster.predict_proba supports Normal and Student-t forecasts, "
            f"the regressor returned scipy.stats.{family}"
        )

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Parameter sets for sktime's estimator checks: fast HAR-based forecasters.

        Parameters
        ----------
        parameter_set : str, default="default"
            Name of the set (only ``"default"``).

        Returns
        -------
        list of dict
            A plain HAR forecaster and one with a standardising feature step.
        """
        from sklearn.preprocessing import StandardScaler

        from skvol.models import HARRegressor

        return [
            {"estimator": HARRegressor(windows=(1, 2, 5), log=False)},
            {"estimator": HARRegressor(windows=(1, 3), log=False), "features": StandardScaler()},
        ]


def _last_element(dist, n_rows: int):
    """Family and parameters (by name) of the last element of a frozen scipy distribution."""
    last = {}
    for name, value in dist_params(dist).items():
        if value.ndim > 1 or (value.ndim == 1 and value.shape[0] != n_rows):
            raise ValueError(
                f"predict_dist returned parameter {name!r} of shape {value.shape}; "
                f"expected one value per row ({n_rows} rows) or a scalar"
            )
        last[name] = float(value.reshape(-1)[-1])
    return dist.dist, last


def _append_rows(old, new):
    """Rows of ``old`` not in ``new``, then ``new``, in time order (``new`` wins)."""
    kept = old.loc[~old.index.isin(new.index)]
    return pd.concat([kept, new]).sort_index()
