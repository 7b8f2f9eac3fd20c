"""scikit-learn's checks on the windowed models, the recurrent ones at default parameters.

Issue 10, section 5: users run ``check_estimator(Model())`` on the defaults, where the
look-back window (20 rows) is longer than most of the checks' data sets; skvol 0.1's
``ProbabilisticLSTMRegressor()`` failed 5 checks (it refused fewer rows than ``lookback``,
and early stopping halted its default training on a plateau in check_regressors_train).
Two checks are inapplicable by design and are declared so: with a window, row ``t``'s
prediction reads rows ``t-1, t-2, ...``, so shuffling rows or predicting on subsets must
change it. Every other check must pass.
"""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import check_estimator

from skvol.models import (
    AttentionLSTMRegressor,
    HARRegressor,
    LSTMRegressor,
    ProbabilisticLSTMRegressor,
)

ORDER_DEPENDENT = {
    "check_methods_sample_order_invariance": "predictions read the preceding rows",
    "check_methods_subset_invariance": "predictions read the preceding rows",
}
#: sklearn skips its array-API check unless SCIPY_ARRAY_API=1 is set before scipy loads.
ENVIRONMENT_SKIPS = {"check_array_api_input"}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    "estimator",
    [
        HARRegressor(log=False),
        HARRegressor(log=False, distribution="student_t"),
        LSTMRegressor(),
        AttentionLSTMRegressor(),
        ProbabilisticLSTMRegressor(),
        ProbabilisticLSTMRegressor(distribution="student_t"),
    ],
    ids=["har", "har_t", "lstm", "attention", "normal", "student_t"],
)
def test_windowed_estimators_pass_every_applicable_check(estimator):
    results = check_estimator(
        estimator, expected_failed_checks=ORDER_DEPENDENT, on_fail=None, on_skip=None
    )
    problems = [
        (r["check_name"], r["status"], repr(r["exception"])[:200])
        for r in results
        if not (
            r["status"] == "passed"
            or (r["status"] == "xfail" and r["check_name"] in ORDER_DEPENDENT)
            or (r["status"] == "skipped" and r["check_name"] in ENVIRONMENT_SKIPS)
        )
    ]
    assert not problems
    # the declared order dependence is real, not a masked failure of something else
    assert {r["check_name"] for r in results if r["status"] == "xfail"} == set(ORDER_DEPENDENT)
