"""Issue 10, section 4: one rule for rows without dates, for every recurrent model.

An undated block (an ndarray) stands alone: row ``i`` of it uses rows ``<= i`` of that
block only. Carried history is prepended only to a frame whose DatetimeIndex continues
the fitted one. So perturbing the rows after ``i`` must leave row ``i``'s prediction and
predictive distribution unchanged, and an undated block must not see the fitted rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from skvol.models import AttentionLSTMRegressor, LSTMRegressor, ProbabilisticLSTMRegressor

LOOKBACK = 4
FAST = dict(lookback=LOOKBACK, hidden_size=8, max_epochs=3, lr=0.01, random_state=0)
MODELS = [
    LSTMRegressor,
    AttentionLSTMRegressor,
    # the plain network (anchor=None); the anchored one has tests/models/test_lstm_anchor.py
    lambda **kw: ProbabilisticLSTMRegressor(anchor=None, **kw),
    lambda **kw: ProbabilisticLSTMRegressor(anchor=None, distribution="student_t", **kw),
]
IDS = ["lstm", "attention", "normal", "student_t"]
#: Rows whose outputs are checked: padded windows (0, 1), the first full one, later ones.
ROWS = [0, 1, LOOKBACK - 1, 10, 28]


def _series(n: int = 150, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        rng.normal(size=(n, 2)), columns=["a", "b"], index=pd.bdate_range("2014-01-01", periods=n)
    )
    return X, X["a"].rolling(3, min_periods=1).mean()


def _outputs(model, X) -> np.ndarray:
    """Predictions, and the predictive mean and standard deviation where there are some."""
    columns = [model.predict(X)]
    if hasattr(model, "predict_dist"):
        dist = model.predict_dist(X)
        shape = columns[0].shape
        columns += [np.broadcast_to(dist.mean(), shape), np.broadcast_to(dist.std(), shape)]
    return np.column_stack(columns)


def _perturb_after(X, i: int, rng):
    """A copy of X whose rows after ``i`` are replaced by other values."""
    changed = X.copy()
    noise = 5.0 * rng.normal(size=(len(X) - i - 1, X.shape[1]))
    if isinstance(changed, pd.DataFrame):
        changed.iloc[i + 1 :] = noise
    else:
        changed[i + 1 :] = noise
    return changed


def _check_rows_ignore_later_rows(model, X) -> None:
    rng = np.random.default_rng(1)
    base = _outputs(model, X)
    for i in ROWS:
        changed = _outputs(model, _perturb_after(X, i, rng))
        np.testing.assert_allclose(changed[: i + 1], base[: i + 1], rtol=1e-6, atol=1e-7)
        # the perturbation reaches the rows it touches, so the check has teeth
        assert not np.allclose(changed[i + 1 : i + 2, 0], base[i + 1 : i + 2, 0], atol=1e-6)


@pytest.mark.parametrize("make", MODELS, ids=IDS)
def test_an_undated_block_stands_alone(make):
    X, y = _series()
    model = make(**FAST).fit(X.to_numpy()[:120], y.to_numpy()[:120])
    block = X.to_numpy()[120:]
    _check_rows_ignore_later_rows(model, block)
    # it stands alone: the fitted rows before it are not prepended, so its first rows
    # equal the first rows of a fresh block of the same values, not the continuation
    continued = _outputs(model, X.to_numpy())[120:]
    alone = _outputs(model, block)
    np.testing.assert_allclose(alone[LOOKBACK - 1 :], continued[LOOKBACK - 1 :], rtol=1e-5)
    assert not np.allclose(alone[: LOOKBACK - 1, 0], continued[: LOOKBACK - 1, 0], atol=1e-6)


@pytest.mark.parametrize("make", MODELS, ids=IDS)
def test_a_dated_frame_that_continues_the_fit_gets_the_history(make):
    X, y = _series()
    model = make(**FAST).fit(X.iloc[:120], y.iloc[:120])
    later = X.iloc[120:]
    _check_rows_ignore_later_rows(model, later)
    np.testing.assert_allclose(
        _outputs(model, later), _outputs(model, X)[120:], rtol=1e-5, atol=1e-6
    )


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
@pytest.mark.parametrize("make", MODELS, ids=IDS)
def test_a_frame_without_dates_stands_alone_too(make):
    """A RangeIndex carries no dates: nothing is prepended, as for an ndarray."""
    X, y = _series()
    model = make(**FAST).fit(X.iloc[:120].reset_index(drop=True), y.iloc[:120].to_numpy())
    later = X.iloc[120:].reset_index(drop=True)
    np.testing.assert_allclose(
        _outputs(model, later), _outputs(model, X.iloc[120:].to_numpy()), rtol=1e-6
    )
