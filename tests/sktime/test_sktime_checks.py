"""sktime's own conformance suite on the adapter.

``check_estimator`` runs all of sktime's object, estimator and forecaster tests (385 with
sktime 1.2: time indices, horizons, intervals, quantiles, update, vectorisation over
columns and hierarchies, cloning, pickling) on the first parameter set; none is skipped.
The second parameter set differs only by its feature step, so it runs the tests that
fit, forecast, update, pickle and check side effects (about 40), to keep the suite
quick; the two parameter sets together cover every constructor argument, as sktime's
``test_get_test_params_coverage`` (in the full run) requires.
"""

from __future__ import annotations

import warnings

import pytest
from sktime.utils.estimator_checks import check_estimator

from skvol.sktime import VolatilityForecaster

FEATURE_PATH_TESTS = [
    "test_fit_idempotent",
    "test_non_state_changing_method_contract",
    "test_persistence_via_pickle",
    "test_predict_proba",
    "test_predict_quantiles",
    "test_update_with_exogenous_variables",
]


def _failures(forecaster, **kwargs) -> tuple[int, dict[str, str]]:
    with warnings.catch_warnings():
        # sktime's suite deliberately feeds odd inputs; its chatter is not under test
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        warnings.simplefilter("ignore", category=UserWarning)
        results = check_estimator(forecaster, verbose=False, **kwargs)
    failed = {name: str(outcome)[:300] for name, outcome in results.items() if outcome != "PASSED"}
    return len(results), failed


def test_there_are_two_parameter_sets():
    assert len(VolatilityForecaster.get_test_params()) == 2


@pytest.mark.slow
def test_sktime_check_estimator_passes_every_test():
    params = VolatilityForecaster.get_test_params()[0]
    n_run, failed = _failures(VolatilityForecaster(**params))
    assert n_run >= 385
    assert failed == {}


@pytest.mark.slow
def test_sktime_checks_with_a_feature_step():
    params = VolatilityForecaster.get_test_params()[1]
    assert params.get("features") is not None
    n_run, failed = _failures(VolatilityForecaster(**params), tests_to_run=FEATURE_PATH_TESTS)
    assert n_run >= 30
    assert failed == {}
