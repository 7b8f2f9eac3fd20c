"""Quantiles, intervals and parameters of a model's predicted distribution (torch-free).

:class:`ProbabilisticMixin` gives any estimator with ``predict_dist(X)`` (a frozen
``scipy.stats`` distribution with one element per row) the two table methods
``predict_quantiles`` and ``predict_interval``; :func:`distribution_params` reads a frozen
distribution's named parameters. Nothing here imports torch, so the HAR baseline and the
evaluation code can use it.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
from sklearn.utils.validation import _num_samples

__all__ = ["ProbabilisticMixin", "distribution_params"]


def distribution_params(dist) -> dict[str, np.ndarray]:
    """Named parameters of a frozen ``scipy.stats`` distribution.

    Parameters
    ----------
    dist : scipy.stats frozen distribution
        For example what ``predict_dist(X)`` returns: ``norm(loc, scale)`` or
        ``t(df, loc, scale)``, with parameters given by position or by keyword.

    Returns
    -------
    params : dict of str to ndarray
        The distribution's shape parameters in scipy's order (``"df"`` for the t), then
        ``"loc"`` and ``"scale"`` (0 and 1 when the distribution was frozen without
        them), each as a float ndarray of the shape it was given (a scalar stays 0-d), so
        ``dist.dist(**params)`` rebuilds the distribution.

    Raises
    ------
    TypeError
        If ``dist`` is not a frozen scipy distribution.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> from skvol.models import distribution_params
    >>> params = distribution_params(stats.t(5.0, loc=np.array([0.0, 1.0]), scale=2.0))
    >>> {name: value.tolist() for name, value in params.items()}
    {'df': 5.0, 'loc': [0.0, 1.0], 'scale': 2.0}
    """
    if not (hasattr(dist, "dist") and hasattr(dist, "args") and hasattr(dist, "kwds")):
        raise TypeError(
            "distribution_params needs a frozen scipy.stats distribution (for example "
            f"scipy.stats.norm(loc, scale), what predict_dist returns); got {type(dist).__name__}"
        )
    shapes = [s.strip() for s in dist.dist.shapes.split(",")] if dist.dist.shapes else []
    values = dict(zip([*shapes, "loc", "scale"], dist.args, strict=False))
    values.update(dist.kwds)
    values.setdefault("loc", 0.0)
    values.setdefault("scale", 1.0)
    return {name: np.asarray(value, dtype=float) for name, value in values.items()}


def _probabilities(values, name: str) -> np.ndarray:
    """A scalar or 1-D sequence of distinct probabilities strictly inside (0, 1)."""
    array = np.atleast_1d(np.asarray(values, dtype=object))
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"`{name}` must be a number or a non-empty 1-D list; got {values!r}")
    if not all(isinstance(v, Real) and not isinstance(v, bool) for v in array):
        raise TypeError(f"`{name}` must hold real numbers; got {values!r}")
    array = array.astype(float)
    bad = ~((array > 0) & (array < 1))
    if bad.any():
        raise ValueError(f"`{name}` must lie strictly between 0 and 1; got {array[bad].tolist()}")
    if len(np.unique(array)) != array.size:
        raise ValueError(f"`{name}` must not repeat a value; got {array.tolist()}")
    return array


def _row_index(X, n_rows: int) -> pd.Index:
    """X's own index for pandas input (its dates), a RangeIndex otherwise."""
    index = X.index if isinstance(X, (pd.DataFrame, pd.Series)) else None
    return pd.RangeIndex(n_rows) if index is None else index


class ProbabilisticMixin:
    """``predict_quantiles`` and ``predict_interval`` from an estimator's ``predict_dist``.

    Mix it in before the estimator base (``class Model(ProbabilisticMixin, RegressorMixin,
    BaseEstimator)``); the estimator provides ``predict_dist(X)``, a frozen
    ``scipy.stats`` distribution with one element per row of ``X`` (or a single element
    for all rows). Both methods return DataFrames indexed like ``X`` (its dates for a
    DataFrame, a RangeIndex for an ndarray); the column layout follows sktime's
    ``predict_quantiles`` / ``predict_interval`` without the variable level.
    """

    def predict_quantiles(self, X, levels) -> pd.DataFrame:
        """Quantiles of each row's predictive distribution: ``predict_dist(X).ppf(level)``.

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Rows in time order, as for ``predict_dist``.
        levels : float or sequence of float
            Probabilities strictly between 0 and 1, distinct (for example 0.01 for the
            1% quantile, the VaR level of a left tail).

        Returns
        -------
        quantiles : DataFrame of shape (n_days, len(levels))
            One column per level (the float itself, in the given order; columns named
            ``"level"``), indexed like ``X``.

        Raises
        ------
        ValueError
            If a level is not strictly inside (0, 1), repeats, or ``levels`` is empty.

        Examples
        --------
        >>> import numpy as np
        >>> from skvol.models import ProbabilisticLSTMRegressor
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(100, 1))
        >>> model = ProbabilisticLSTMRegressor(lookback=2, hidden_size=4, max_epochs=2,
        ...                                    random_state=0).fit(X, X[:, 0])
        >>> model.predict_quantiles(X, [0.05, 0.5, 0.95]).columns.tolist()
        [0.05, 0.5, 0.95]
        """
        levels = _probabilities(levels, "levels")
        dist = self.predict_dist(X)
        return pd.DataFrame(
            self._ppf(dist, levels, _num_samples(X)),
            index=_row_index(X, _num_samples(X)),
            columns=pd.Index(levels, name="level"),
        )

    def predict_interval(self, X, coverage=0.9) -> pd.DataFrame:
        """Central prediction intervals: ``predict_dist(X).interval(coverage)`` per row.

        The interval of coverage ``c`` runs from the ``(1 - c) / 2`` quantile to the
        ``(1 + c) / 2`` quantile of each row's predictive distribution.

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Rows in time order, as for ``predict_dist``.
        coverage : float or sequence of float, default=0.9
            Nominal coverages strictly between 0 and 1, distinct.

        Returns
        -------
        intervals : DataFrame of shape (n_days, 2 * len(coverage))
            Columns are a 2-level MultiIndex ``(coverage, "lower" | "upper")`` (levels
            named ``"coverage"`` and ``"bound"``), indexed like ``X``.

        Raises
        ------
        ValueError
            If a coverage is not strictly inside (0, 1), repeats, or is empty.

        Examples
        --------
        >>> import numpy as np
        >>> from skvol.models import ProbabilisticLSTMRegressor
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(100, 1))
        >>> model = ProbabilisticLSTMRegressor(lookback=2, hidden_size=4, max_epochs=2,
        ...                                    random_state=0).fit(X, X[:, 0])
        >>> model.predict_interval(X, [0.5, 0.9]).columns.tolist()
        [(0.5, 'lower'), (0.5, 'upper'), (0.9, 'lower'), (0.9, 'upper')]
        """
        coverage = _probabilities(coverage, "coverage")
        dist = self.predict_dist(X)
        n_rows = _num_samples(X)
        probabilities = np.column_stack([(1 - coverage) / 2, (1 + coverage) / 2]).ravel()
        columns = pd.MultiIndex.from_product(
            [coverage, ["lower", "upper"]], names=["coverage", "bound"]
        )
        return pd.DataFrame(
            self._ppf(dist, probabilities, n_rows),
            index=_row_index(X, n_rows),
            columns=columns,
        )

    @staticmethod
    def _ppf(dist, probabilities: np.ndarray, n_rows: int) -> np.ndarray:
        """``dist.ppf`` at every probability for every row, shape (n_rows, n_probabilities)."""
        values = np.asarray(dist.ppf(probabilities[:, None]), dtype=float)
        if values.ndim != 2 or values.shape[1] not in (1, n_rows):
            raise ValueError(
                f"predict_dist returned a distribution of shape {values.shape[1:]} for "
                f"{n_rows} rows of X; expected one element per row"
            )
        return np.broadcast_to(values, (len(probabilities), n_rows)).T.copy()
