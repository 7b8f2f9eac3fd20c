"""The recurrent regressors: contracts (history, scaling, seeding, persistence, errors)
and evidence that they learn, on small simulated data with fixed seeds."""

from __future__ import annotations

import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.utils.validation import check_is_fitted

from skvol.models import AttentionLSTMRegressor, LSTMRegressor, ProbabilisticLSTMRegressor
from skvol.models._bridge import RecentValidationSplit, StopOnNonFiniteLoss

FAST = dict(lookback=4, hidden_size=8, max_epochs=8, lr=0.01, random_state=0)
MODELS = [
    LSTMRegressor,
    AttentionLSTMRegressor,
    # the plain network (anchor=None); the anchored one has tests/models/test_lstm_anchor.py
    lambda **kw: ProbabilisticLSTMRegressor(anchor=None, **kw),
    lambda **kw: ProbabilisticLSTMRegressor(anchor=None, distribution="student_t", **kw),
]
IDS = ["lstm", "attention", "normal", "student_t"]


def _frame(n: int = 240, seed: int = 0):
    """Features with an AR(1) column and a target that depends on the last rows."""
    rng = np.random.default_rng(seed)
    ar = np.zeros(n)
    for t in range(1, n):
        ar[t] = 0.8 * ar[t - 1] + rng.normal()
    X = pd.DataFrame(
        {"a": ar, "b": rng.normal(size=n)}, index=pd.bdate_range("2012-01-02", periods=n)
    )
    y = pd.Series(0.5 * ar + 0.3 * np.roll(ar, 2) + 0.2 * rng.normal(size=n), index=X.index)
    return X, y


@pytest.mark.parametrize("make", MODELS, ids=IDS)
def test_walk_forward_predictions_equal_full_history(make):
    X, y = _frame()
    model = make(**FAST).fit(X.iloc[:180], y.iloc[:180])
    full = model.predict(X)
    np.testing.assert_allclose(model.predict(X.iloc[180:]), full[180:], rtol=1e-5, atol=1e-6)
    if hasattr(model, "predict_dist"):
        np.testing.assert_allclose(
            model.predict_dist(X.iloc[180:]).std(), model.predict_dist(X).std()[180:], rtol=1e-5
        )
    # without dates nothing is prepended: the first lookback-1 rows see shorter windows
    with pytest.warns(UserWarning, match="feature names"):
        standalone = model.predict(X.iloc[180:].to_numpy())
    lag = FAST["lookback"] - 1
    assert not np.allclose(standalone[:lag], full[180 : 180 + lag], atol=1e-6)
    np.testing.assert_allclose(standalone[lag:], full[180 + lag :], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", MODELS, ids=IDS)
def test_same_seed_same_predictions_and_persistence(make, tmp_path):
    X, y = _frame()
    a = make(**FAST).fit(X, y)
    b = make(**FAST).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    c = make(**{**FAST, "random_state": 1}).fit(X, y)
    assert not np.allclose(a.predict(X), c.predict(X))
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.predict(X), a.predict(X))
    joblib.dump(a, tmp_path / "model.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "model.joblib").predict(X), a.predict(X))
    with pytest.raises(NotFittedError):
        check_is_fitted(clone(a))
    assert clone(a).get_params() == a.get_params()


@pytest.mark.parametrize("make", MODELS, ids=IDS)
def test_internal_standardisation_makes_units_irrelevant(make):
    """Realized variances are ~1e-4: rescaling X and y must not change the fitted model."""
    X, y = _frame()
    base = make(**FAST).fit(X, y)
    small = make(**FAST).fit(X * 1e-3 + 5.0, y * 1e-4 + 3e-4)
    np.testing.assert_allclose(
        small.predict(X * 1e-3 + 5.0), base.predict(X) * 1e-4 + 3e-4, rtol=1e-4, atol=1e-9
    )
    assert small.score(X * 1e-3 + 5.0, y * 1e-4 + 3e-4) > 0.5
    if hasattr(small, "predict_dist"):
        np.testing.assert_allclose(
            small.predict_dist(X * 1e-3 + 5.0).std(),
            base.predict_dist(X).std() * 1e-4,
            rtol=1e-4,
        )


def test_predict_dist_is_in_original_units():
    X, y = _frame()
    model = ProbabilisticLSTMRegressor(anchor=None, distribution="student_t", **FAST).fit(X, y)
    params = model.predict_params(X)
    raw = model._raw_output(X)
    np.testing.assert_allclose(params["loc"], raw[:, 0] * model.y_scale_ + model.y_mean_)
    np.testing.assert_allclose(params["scale"], raw[:, 1] * model.y_scale_)
    dist = model.predict_dist(X)
    assert isinstance(dist.dist, type(stats.t))
    np.testing.assert_allclose(dist.mean(), model.predict(X))
    df = params["df"]
    assert (df > 2).all()
    np.testing.assert_allclose(dist.std(), params["scale"] * np.sqrt(df / (df - 2)), rtol=1e-10)
    assert model.y_scale_ == pytest.approx(np.std(y.to_numpy()))


def test_attention_weights_cover_real_steps_only():
    X, y = _frame()
    model = AttentionLSTMRegressor(**FAST).fit(X.iloc[:150], y.iloc[:150])
    with pytest.warns(UserWarning, match="feature names"):
        weights = model.attention_weights(X.to_numpy())
    assert weights.shape == (len(X), FAST["lookback"])
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-6)
    assert weights[0, 0] == 0 and weights[0, -1] == pytest.approx(1.0)
    # continuing rows use the carried history, so no step is padding
    assert (model.attention_weights(X.iloc[150:])[0] > 0).all()
    resid = y.to_numpy()[135:150] - model.predict(X.iloc[:150])[135:]
    assert model.residual_scale_ == pytest.approx(np.sqrt(np.mean(resid**2)), rel=1e-4)
    # the weights come from the network where it was trained (skorch's net_.device, which
    # also follows a CUDA-trained model loaded on a CPU machine), not from the `device`
    # parameter, which only takes effect at the next fit
    before = model.attention_weights(X.iloc[150:])
    model.set_params(device="cuda")
    np.testing.assert_array_equal(model.attention_weights(X.iloc[150:]), before)


def test_recent_validation_split_holds_out_the_latest_rows():
    train, valid = RecentValidationSplit(3)(list(range(10)))
    assert list(train.indices) == list(range(7))
    assert list(valid.indices) == [7, 8, 9]


def test_early_stopping_uses_recent_rows_and_can_be_disabled():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(200, 2)), rng.normal(size=200)
    stopped = LSTMRegressor(
        lookback=2, hidden_size=8, max_epochs=300, lr=0.05, patience=2, random_state=0
    ).fit(X, y)
    assert stopped.n_epochs_ < 300
    assert stopped.net_.history[-1, "valid_batch_count"] == 1  # 20 rows, one batch
    assert stopped.net_.train_split.n_valid == 20
    # an NLL can be negative: an epoch slightly worse than the best (-0.99995 after -1.0)
    # must not count as an improvement (skorch's default relative threshold lets it)
    early = dict(stopped.net_.callbacks_)["early_stopping"]
    early.dynamic_threshold_ = early._calc_new_threshold(-1.0)
    assert not early._is_score_improved(-0.99995)
    assert early._is_score_improved(-1.001)
    for patience in (None, 0):
        full = LSTMRegressor(
            lookback=2, hidden_size=4, max_epochs=3, patience=patience, random_state=0
        ).fit(X, y)
        assert full.n_epochs_ == 3
        assert full.net_.train_split is None
        assert "valid_loss" not in full.net_.history[-1]


def test_verbose_prints_the_epoch_table(capsys):
    X, y = _frame(60)
    LSTMRegressor(lookback=2, hidden_size=4, max_epochs=2, random_state=0).fit(X, y)
    assert "train_loss" not in capsys.readouterr().out
    LSTMRegressor(lookback=2, hidden_size=4, max_epochs=2, random_state=0, verbose=1).fit(X, y)
    assert "train_loss" in capsys.readouterr().out


def test_grid_search_tunes_flat_parameters():
    X, y = _frame(120)
    search = GridSearchCV(
        LSTMRegressor(lookback=2, max_epochs=3, random_state=0),
        {"hidden_size": [4, 8], "lookback": [1, 3]},
        cv=TimeSeriesSplit(n_splits=2),
    ).fit(X, y)
    assert set(search.best_params_) == {"hidden_size", "lookback"}
    assert len(search.cv_results_["mean_test_score"]) == 4


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_inputs_are_rejected(bad):
    X, y = _frame(60)
    X.iloc[5, 1] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        LSTMRegressor(**FAST).fit(X, y)


def test_shape_and_length_errors():
    X, y = _frame(60)
    model = ProbabilisticLSTMRegressor(anchor=None, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="feature"):
        model.predict(X[["a"]])
    with pytest.raises(ValueError, match="sorted"):
        LSTMRegressor(**FAST).fit(X.iloc[::-1], y.iloc[::-1])
    with pytest.raises(ValueError, match="distribution"):
        ProbabilisticLSTMRegressor(distribution="laplace").fit(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_gpu_names_device():
    X, y = _frame(60)
    with pytest.raises(ValueError, match="device='cuda'"):
        LSTMRegressor(**{**FAST, "device": "cuda"}).fit(X, y)


@pytest.mark.parametrize("make", [LSTMRegressor, ProbabilisticLSTMRegressor], ids=["mse", "nll"])
def test_diverging_training_stops_with_an_error(make):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 2)), rng.normal(size=60)
    with pytest.raises(RuntimeError, match="diverged"):
        make(lookback=2, hidden_size=4, max_epochs=20, lr=1e20, random_state=0).fit(X, y)


def test_non_finite_loss_callback_names_the_phase():
    net = type("Net", (), {"history": [1, 2], "lr": 0.1})()
    callback = StopOnNonFiniteLoss()
    callback.on_batch_end(net, training=True, loss=torch.tensor(1.0))
    with pytest.raises(RuntimeError, match=r"validation loss became nan .* epoch 2"):
        callback.on_batch_end(net, training=False, loss=torch.tensor(float("nan")))


@pytest.mark.parametrize("make", MODELS, ids=IDS)
def test_fewer_rows_than_lookback_use_what_exists(make):
    """A block shorter than ``lookback`` fits and predicts on padded windows (issue 10, 5)."""
    X, y = _frame(20)
    model = make(**{**FAST, "lookback": 30, "max_epochs": 2}).fit(X.iloc[:12], y.iloc[:12])
    prediction = model.predict(X.iloc[:12])
    assert prediction.shape == (12,) and np.isfinite(prediction).all()
    # the carried history is every fitted row: continuing dates see them all
    assert model.history_.values.shape == (12, 2)
    np.testing.assert_allclose(
        model.predict(X.iloc[12:]), model.predict(X)[12:], rtol=1e-5, atol=1e-6
    )


# --- evidence that the models learn -----------------------------------------------------


def test_probabilistic_scale_tracks_true_scale_and_covers():
    """y = 0.5 x0 + exp(0.6 x1) e, e ~ N(0, 1): the true conditional scale is exp(0.6 x1)."""
    rng = np.random.default_rng(0)
    n = 2000
    X = rng.normal(size=(n, 2))
    sigma = np.exp(0.6 * X[:, 1])
    y = 0.5 * X[:, 0] + sigma * rng.normal(size=n)
    train, test = slice(0, 1500), slice(1500, None)
    model = ProbabilisticLSTMRegressor(
        lookback=2, hidden_size=16, max_epochs=30, lr=0.01, random_state=0
    ).fit(X[train], y[train])
    dist = model.predict_dist(X[test])
    assert np.corrcoef(model.predict_params(X[test])["scale"], sigma[test])[0, 1] > 0.85
    low, high = dist.interval(0.95)
    coverage = np.mean((y[test] >= low) & (y[test] <= high))
    assert 0.92 <= coverage <= 0.98
    design = np.column_stack([np.ones(n), X])
    beta, *_ = np.linalg.lstsq(design[train], y[train], rcond=None)
    resid_scale = np.std(y[train] - design[train] @ beta)
    baseline = -stats.norm.logpdf(y[test], design[test] @ beta, resid_scale).mean()
    assert -dist.logpdf(y[test]).mean() < baseline - 0.2


def test_student_t_head_learns_fat_tails():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 1))
    y = 0.5 * X[:, 0] + 0.5 * rng.standard_t(3, size=2000)
    model = ProbabilisticLSTMRegressor(
        distribution="student_t",
        lookback=1,
        hidden_size=8,
        max_epochs=30,
        lr=0.01,
        random_state=0,
    ).fit(X, y)
    assert np.median(model.predict_params(X)["df"]) < 5.0  # true df = 3


def test_lookback_captures_a_lag_of_ten_rows():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1200, 1))
    y = np.concatenate([np.zeros(9), x[:-9, 0]]) + 0.1 * rng.normal(size=1200)
    scores = {}
    for lookback in (1, 12):
        model = LSTMRegressor(
            lookback=lookback, hidden_size=16, max_epochs=40, lr=0.01, random_state=0
        ).fit(x[:900], y[:900])
        scores[lookback] = model.score(x[900:], y[900:])
    assert scores[1] < 0.05
    assert scores[12] > 0.8
