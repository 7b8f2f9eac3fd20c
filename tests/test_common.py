"""One scikit-learn compliance test over every public estimator of skvol, at its defaults.

Estimators are discovered from ``skvol.__all__``, so a new estimator is checked the day it is
exported, with the parameters users get. Estimators whose output for a row depends on the
rows before it by design (look-back windows, rolling averages, a conditional-variance
recursion: ``CROSS_ROW`` in ``tests/test_undated_rows.py``) declare exactly two checks as
expected failures, sample-order and subset invariance (docs/design.md explains why), and
nothing else.
"""

from __future__ import annotations

import inspect

from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

import skvol

#: Row order matters by design for these: a row's output depends on the rows before it.
ROW_ORDER_CHECKS = {
    "check_methods_sample_order_invariance": "a row's output depends on the rows before it",
    "check_methods_subset_invariance": "a row's output depends on the rows before it",
}
#: Cross-row estimators whose outputs on the checks' data actually depend on row order.
ROW_ORDER_DEPENDENT = {
    "AttentionLSTMRegressor",
    "CrossAssetLSTMRegressor",
    "HARFeatures",
    "HARRegressor",
    "LSTMRegressor",
    "ProbabilisticLSTMRegressor",
}


def _public_classes() -> dict[str, type]:
    return {
        name: getattr(skvol, name)
        for name in sorted(skvol.__all__)
        if inspect.isclass(getattr(skvol, name))
        and issubclass(getattr(skvol, name), BaseEstimator)
        and not inspect.isabstract(getattr(skvol, name))
    }


def _expected_failed_checks(estimator) -> dict[str, str]:
    return ROW_ORDER_CHECKS if type(estimator).__name__ in ROW_ORDER_DEPENDENT else {}


def test_row_order_dependent_estimators_are_public():
    assert ROW_ORDER_DEPENDENT <= set(_public_classes())


@parametrize_with_checks(
    [cls() for cls in _public_classes().values()], expected_failed_checks=_expected_failed_checks
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
