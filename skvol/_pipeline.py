"""A scikit-learn Pipeline that also forecasts distributions.

scikit-learn's :class:`~sklearn.pipeline.Pipeline` routes ``predict`` to its last step but
knows nothing of ``predict_dist``, so users wrote ``pipe[-1].predict_dist(pipe[:-1].transform(X))``.
:class:`ProbabilisticPipeline` adds ``predict_dist``, ``predict_quantiles`` and
``predict_interval`` (the last two from :class:`skvol.models.ProbabilisticMixin`, indexed by
the dates of the ``X`` given), available when the final step has ``predict_dist``.
"""

from __future__ import annotations

from sklearn.pipeline import Pipeline, _final_estimator_has, _name_estimators
from sklearn.utils.metaestimators import available_if

from skvol.models._probabilistic import ProbabilisticMixin

__all__ = ["ProbabilisticPipeline", "make_pipeline"]


class ProbabilisticPipeline(ProbabilisticMixin, Pipeline):
    """A :class:`~sklearn.pipeline.Pipeline` whose final step may forecast distributions.

    Everything a Pipeline does, plus, when the last step has ``predict_dist``:
    ``predict_dist(X)`` (the earlier steps transform ``X``, the last step predicts),
    ``predict_quantiles(X, levels)`` and ``predict_interval(X, coverage)``, both DataFrames
    indexed like ``X``. Build it with :func:`make_pipeline`.

    Parameters
    ----------
    steps, transform_input, memory, verbose
        As for :class:`sklearn.pipeline.Pipeline`.
    """

    @available_if(_final_estimator_has("predict_dist"))
    def predict_dist(self, X):
        """The last step's ``predict_dist`` on ``X`` transformed by the earlier steps.

        Parameters
        ----------
        X : array-like or DataFrame
            Input of the first step (with ``set_output(transform="pandas")`` the dates of a
            DataFrame reach the last step, so carried history works as in walk-forward).

        Returns
        -------
        frozen scipy.stats distribution (or skvol mixture), one element per row
        """
        Xt = X
        for _, _, transformer in self._iter(with_final=False):
            Xt = transformer.transform(Xt)
        return self.steps[-1][1].predict_dist(Xt)

    @available_if(_final_estimator_has("predict_dist"))
    def predict_quantiles(self, X, levels):
        return super().predict_quantiles(X, levels)

    @available_if(_final_estimator_has("predict_dist"))
    def predict_interval(self, X, coverage=0.9):
        return super().predict_interval(X, coverage)

    predict_quantiles.__doc__ = ProbabilisticMixin.predict_quantiles.__doc__
    predict_interval.__doc__ = ProbabilisticMixin.predict_interval.__doc__


def make_pipeline(*steps, memory=None, transform_input=None, verbose=False):
    """Construct a :class:`ProbabilisticPipeline` from the given estimators.

    The signature of :func:`sklearn.pipeline.make_pipeline`: steps are named after their
    lower-cased class names. The result is an ordinary Pipeline (``GridSearchCV``,
    ``set_output``, ``cross_validate`` work unchanged) that also has ``predict_dist``,
    ``predict_quantiles`` and ``predict_interval`` when its last step forecasts
    distributions.

    Parameters
    ----------
    *steps : estimators
    memory, transform_input, verbose
        As for :func:`sklearn.pipeline.make_pipeline`.

    Returns
    -------
    ProbabilisticPipeline

    Examples
    --------
    >>> import numpy as np
    >>> import skvol
    >>> rng = np.random.default_rng(0)
    >>> rv = np.exp(rng.normal(-9, 0.5, size=(200, 1)))
    >>> pipe = skvol.make_pipeline(skvol.HARFeatures(windows=(1,)), skvol.HARRegressor())
    >>> pipe = pipe.fit(rv[:-1], rv[1:, 0])
    >>> pipe.predict_quantiles(rv, [0.05, 0.95]).shape
    (200, 2)
    """
    return ProbabilisticPipeline(
        _name_estimators(steps), memory=memory, transform_input=transform_input, verbose=verbose
    )
