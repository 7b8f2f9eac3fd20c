"""One rule for rows without dates, for every estimator that looks back over rows.

An undated block (a plain ndarray) stands alone: row i of the output uses rows <= i of that
block only. So perturbing rows > i of the block never changes row i, whether the block is
the one fitted on (``fit_transform``), a new one (``transform``) or the one predicted
(``predict``, ``predict_dist``). Estimators are discovered from ``skvol.__all__``: each is
either row-local (a row's output is that row's function) or listed in ``CROSS_ROW`` with a
small configuration, so a new estimator cannot slip past this test.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin

import skvol

#: Estimators whose output for a row depends on earlier rows, with quick parameters.
CROSS_ROW: dict[str, dict] = {
    "HARFeatures": dict(windows=(1, 5, 22)),
    "RollingCorrelation": dict(window=10, min_periods=3),
    "HARRegressor": dict(windows=(1, 5, 22)),
    "LSTMRegressor": dict(lookback=5, max_epochs=3, hidden_size=4),
    "AttentionLSTMRegressor": dict(lookback=5, max_epochs=3, hidden_size=4),
    "ProbabilisticLSTMRegressor": dict(lookback=5, max_epochs=3, hidden_size=4),
    "CrossAssetLSTMRegressor": dict(lookback=5, max_epochs=3, hidden_size=4),
    "EWMARegressor": dict(),
    "GARCHRegressor": dict(),
}
#: Transformers whose row t is a function of row t (and of what fit learned) only.
ROW_LOCAL = {
    "BNSJumpTest",
    "BipowerVariation",
    "DailyMeasures",
    "DailyReturn",
    "JumpCounter",
    "MedRV",
    "MinRV",
    "RealizedCorrelation",
    "RealizedKernel",
    "RealizedQuarticity",
    "RealizedSemivariance",
    "RealizedVariance",
    "TripowerQuarticity",
    "TruncatedVariance",
}
N_ROWS, CUT = 120, 70


def _public() -> dict[str, type]:
    return {
        name: getattr(skvol, name)
        for name in skvol.__all__
        if inspect.isclass(getattr(skvol, name)) and issubclass(getattr(skvol, name), BaseEstimator)
    }


def test_every_public_estimator_is_classified():
    assert set(_public()) == set(CROSS_ROW) | ROW_LOCAL


def _data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.exp(rng.normal(-1.0, 0.5, size=(N_ROWS, 3))) * rng.choice([-1.0, 1.0], (N_ROWS, 3))
    y = np.log(np.abs(X[:, 0])) + 0.1 * rng.normal(size=N_ROWS)
    return X, y


def _perturbed(X: np.ndarray) -> np.ndarray:
    out = X.copy()
    out[CUT + 1 :] = np.exp(np.random.default_rng(99).normal(1.0, 1.0, size=out[CUT + 1 :].shape))
    out[CUT + 1 :] *= np.sign(X[CUT + 1 :])
    return out


def _outputs(est, X):
    if isinstance(est, TransformerMixin):
        return [est.transform(X)]
    outs = [est.predict(X)]
    if hasattr(est, "predict_dist"):
        dist = est.predict_dist(X)
        outs += [dist.mean(), dist.std(), dist.ppf(0.95)]
    return outs


@pytest.mark.parametrize("name", sorted(CROSS_ROW))
def test_row_i_never_sees_later_rows_of_an_undated_block(name):
    cls = _public()[name]
    X, y = _data(0)
    X2 = _perturbed(X)
    if issubclass(cls, TransformerMixin):
        a = cls(**CROSS_ROW[name]).fit_transform(X)
        b = cls(**CROSS_ROW[name]).fit_transform(X2)
        np.testing.assert_allclose(
            a[: CUT + 1], b[: CUT + 1], equal_nan=True, err_msg="fit_transform"
        )
    est = cls(
        **CROSS_ROW[name], **({"random_state": 0} if "random_state" in cls().get_params() else {})
    )
    Xf, yf = _data(1)
    est.fit(Xf, yf)
    for k, (a, b) in enumerate(zip(_outputs(est, X), _outputs(est, X2), strict=True)):
        np.testing.assert_allclose(
            np.asarray(a)[: CUT + 1],
            np.asarray(b)[: CUT + 1],
            equal_nan=True,
            err_msg=f"output {k}",
        )
    # and the fitted rows do not leak in: the block's first row does not depend on them
    other = cls(
        **CROSS_ROW[name], **({"random_state": 0} if "random_state" in cls().get_params() else {})
    )
    if isinstance(est, TransformerMixin):
        other.fit(_data(2)[0])
        np.testing.assert_allclose(other.transform(X)[0], est.transform(X)[0], equal_nan=True)
