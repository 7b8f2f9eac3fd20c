"""One scikit-learn compliance test over every public estimator of skvol.

Estimators are discovered from ``skvol.__all__``, so a new estimator is checked the day it is
exported. ``FAST_PARAMS`` gives the parameters that keep the neural models quick here
(few epochs, small networks); behaviour is otherwise the default.
"""

from __future__ import annotations

import inspect

from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

import skvol

FAST_PARAMS: dict[str, dict] = {}


def _public_estimators() -> list[BaseEstimator]:
    estimators = []
    for name in sorted(skvol.__all__):
        obj = getattr(skvol, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator) and not inspect.isabstract(obj):
            estimators.append(obj(**FAST_PARAMS.get(name, {})))
    return estimators


def test_every_public_estimator_is_discovered():
    names = {type(est).__name__ for est in _public_estimators()}
    exported = {
        name
        for name in skvol.__all__
        if inspect.isclass(getattr(skvol, name))
        and issubclass(getattr(skvol, name), BaseEstimator)
    }
    assert names == exported


@parametrize_with_checks(_public_estimators())
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
