"""Issue 12, models case 1: a diverged training run or prediction never passes silently.

skvol 0.1 raised only when a loss became NaN or infinite. ``ProbabilisticLSTMRegressor``
at ``lr=1e3`` finished and predicted a mean of about 4900 for a target of mean -9, and
``LSTMRegressor`` was silent at ``lr=1e3`` and ``lr=1e6``. These tests reproduce those
runs and check the rule of :class:`skvol.models._bridge.StopOnDivergence`.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.exceptions import ConvergenceWarning

from skvol.models import AttentionLSTMRegressor, LSTMRegressor, ProbabilisticLSTMRegressor
from skvol.models._bridge import DIVERGED, EXPLODED, StopOnDivergence, excess_loss


def _log_variance_like(n: int = 300, seed: int = 0):
    """A persistent target of mean -9, like a daily log realized variance."""
    rng = np.random.default_rng(seed)
    ar = np.zeros(n)
    for t in range(1, n):
        ar[t] = 0.9 * ar[t - 1] + 0.3 * rng.normal()
    X = np.column_stack([ar, rng.normal(size=n)])
    return X, -9.0 + ar + 0.2 * rng.normal(size=n)


@pytest.mark.parametrize(
    ("make", "lr"),
    [
        (lambda **kw: ProbabilisticLSTMRegressor(anchor=None, **kw), 1e3),
        (lambda **kw: ProbabilisticLSTMRegressor(anchor=None, distribution="student_t", **kw), 1e3),
        (LSTMRegressor, 1e3),
        (LSTMRegressor, 1e6),
        (AttentionLSTMRegressor, 1e3),
    ],
    ids=["normal-1e3", "student_t-1e3", "lstm-1e3", "lstm-1e6", "attention-1e3"],
)
def test_exploding_training_stops_with_a_clear_error(make, lr):
    X, y = _log_variance_like()
    with pytest.raises(RuntimeError, match=r"far worse than a constant forecast.*diverged"):
        make(lr=lr, lookback=5, max_epochs=20, random_state=0).fit(X, y)


def test_a_model_worse_than_the_constant_forecast_warns_at_fit():
    """Pure noise: nothing to learn, so the best validation epoch trails the training mean."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 2)), rng.normal(size=200)
    with pytest.warns(ConvergenceWarning, match=r"LSTMRegressor: the returned model's valid"):
        LSTMRegressor(lookback=2, hidden_size=8, max_epochs=3, random_state=0).fit(X, y)


def test_sane_training_is_not_flagged():
    X, y = _log_variance_like()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = ProbabilisticLSTMRegressor(lookback=5, max_epochs=20, random_state=0).fit(X, y)
        prediction = model.predict(X)
    assert model.score(X, y) > 0.5
    assert y.min() - 1 < prediction.min() and prediction.max() < y.max() + 1


def _net(history: list[dict]):
    return type("Net", (), {"history": history, "lr": 0.5})()


def test_excess_loss_is_a_log_mse_ratio_for_both_losses():
    assert excess_loss(30.0, 3.0, "mse") == pytest.approx(math.log(10.0))
    assert excess_loss(1.0, 0.0, "mse") == pytest.approx(math.log(10.0))  # MSE floor 0.1
    # on rows of mean square 1, a Gaussian whose scale fits its errors against N(0, 1)
    fitted = 0.5 * math.log(2 * math.pi * 10.0) + 0.5
    reference = -stats.norm.logpdf(np.array([-1.0, 1.0])).mean()
    assert excess_loss(fitted, reference, "nll") == pytest.approx(math.log(10.0))


def test_an_epoch_far_above_the_constant_forecast_raises():
    callback = StopOnDivergence({"train_loss": 1.0, "valid_loss": 2.0}, "mse")
    below = 2.0 * math.exp(EXPLODED) * 0.99
    callback.on_epoch_end(_net([{"train_loss": 900.0, "valid_loss": below}]))
    with pytest.raises(RuntimeError, match=r"in epoch 1 the valid loss 2\d{3}.*lr.*0\.5"):
        callback.on_epoch_end(_net([{"train_loss": 1.0, "valid_loss": below / 0.98}]))
    with pytest.raises(RuntimeError, match="in epoch 2 the train loss 1001"):
        callback.on_epoch_end(_net([{"train_loss": 1.0}, {"train_loss": 1001.0}]))


def test_the_returned_model_is_judged_against_the_constant_forecast():
    """Best validation loss (last training loss without validation) vs the constant's."""
    nll = StopOnDivergence({"train_loss": 1.4, "valid_loss": 1.5}, "nll")
    history = [{"train_loss": 1.4, "valid_loss": v} for v in (1.6, 1.49, 1.7)]
    nll.on_train_begin(_net([]))
    nll.on_train_end(_net(history))  # best 1.49 beats 1.5
    assert nll.worse_than_constant_ is None
    history[1]["valid_loss"] = 1.55
    nll.on_train_end(_net(history))
    assert "valid loss 1.55 is worse than a constant forecast" in nll.worse_than_constant_
    # 2 (loss - 1.5) > log(10): more than 1.15 nats per row worse at its best epoch
    for row in history:
        row["valid_loss"] = 1.5 + DIVERGED / 2 + 0.01
    with pytest.raises(RuntimeError, match="returned model's valid loss.*diverged"):
        nll.on_train_end(_net(history))
    mse = StopOnDivergence({"train_loss": 1.0}, "mse")
    with pytest.raises(RuntimeError, match="returned model's train loss 11"):
        mse.on_train_end(_net([{"train_loss": 0.5}, {"train_loss": 11.0}]))


@pytest.mark.parametrize(
    ("make", "head"),
    [
        (LSTMRegressor, lambda module: module.head),
        (AttentionLSTMRegressor, lambda module: module.head),
        (
            lambda **kw: ProbabilisticLSTMRegressor(anchor=None, **kw),
            lambda module: module.body.head,
        ),
    ],
    ids=["lstm", "attention", "normal"],
)
def test_predictions_far_outside_the_training_range_warn(make, head):
    X, y = _log_variance_like(120)
    model = make(lookback=3, hidden_size=8, max_epochs=3, lr=0.01, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model.predict(X)
    width = y.max() - y.min()
    with torch.no_grad():  # a broken network: its mean output shifted by 20 target ranges
        head(model.net_.module_).bias[0] += 20 * width / model.y_scale_
    with pytest.warns(UserWarning, match=r"predicted mean values lie outside.*diverged"):
        model.predict(X)
    if hasattr(model, "predict_dist"):
        with pytest.warns(UserWarning, match="predicted mean values lie outside"):
            model.predict_dist(X)


def test_a_predicted_scale_far_above_the_training_range_warns():
    X, y = _log_variance_like(120)
    model = ProbabilisticLSTMRegressor(
        anchor=None, lookback=3, hidden_size=8, max_epochs=3, random_state=0
    )
    model.fit(X, y)
    with torch.no_grad():
        model.net_.module_.body.head.bias[1] += 1e3
    with pytest.warns(UserWarning, match="predicted scale values lie outside"):
        model.predict_dist(X)
