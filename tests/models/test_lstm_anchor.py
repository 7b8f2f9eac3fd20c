"""ProbabilisticLSTMRegressor(anchor="har"): the untrained model is HAR-log, it follows a
level shift, its correction is bounded, it keeps the HAR start when training does not
beat it, and it validates its anchor column; no forecast reads rows after its own."""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest
from _anchored import FREE, correction_shift
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_estimator

from skvol import HARRegressor, ProbabilisticLSTMRegressor
from skvol.exceptions import TooFewRowsWarning

FAST = dict(lookback=5, hidden_size=8, batch_size=64)
ORDER_DEPENDENT = {
    "check_methods_sample_order_invariance": "look-back windows depend on row order",
    "check_methods_subset_invariance": "look-back windows depend on the rows before",
}


def _log_rv(n: int, seed: int, phi: float = 0.97, shift_at: int | None = None, shift=2.5):
    """Log RV: an AR(1) around -9 (its mean moves up by ``shift`` from ``shift_at`` on)."""
    rng = np.random.default_rng(seed)
    u = np.zeros(n)
    for t in range(1, n):
        u[t] = phi * u[t - 1] + 0.25 * rng.standard_t(5)
    mean = np.full(n, -9.0)
    if shift_at is not None:
        mean[shift_at:] += shift
    return mean + u


def _frame(n: int = 260, seed: int = 0, **kwargs):
    """A per-asset feature frame (log RV first, as the benchmark builds it) and the target
    ``y_t = log RV_{t+1}`` (the last row, without a next day, is dropped)."""
    x = _log_rv(n + 1, seed, **kwargs)
    rng = np.random.default_rng(seed + 100)
    days = pd.bdate_range("2012-01-02", periods=n)
    X = pd.DataFrame(
        {"SPX__ret": rng.normal(size=n), "SPX__rv": x[:n], "SPX__rs_neg": x[:n] - 0.7},
        index=days,
    )
    return X, pd.Series(x[1:], index=days, name="log_rv_next")


@pytest.fixture(scope="module")
def data():
    return _frame()


@pytest.fixture(scope="module")
def trained(data):
    """An anchored model whose correction head moved off zero (every epoch kept)."""
    X, y = data
    model = ProbabilisticLSTMRegressor(**FAST, anchor="har", max_epochs=4, **FREE)
    return model.fit(X.iloc[:200], y.iloc[:200])


def _har(X: pd.DataFrame, y: pd.Series, distribution: str):
    """The reference: HARRegressor(log=True) on exp(anchor column), the same y."""
    rv = np.exp(X[["SPX__rv"]])
    return HARRegressor(log=True, distribution=distribution).fit(rv, y), rv


@pytest.mark.parametrize("distribution", ["normal", "student_t"])
def test_untrained_model_is_har_log(data, distribution):
    X, y = data
    model = ProbabilisticLSTMRegressor(anchor="har", max_epochs=0, distribution=distribution)
    model.fit(X, y)
    assert model.best_epoch_ == 0 and model.n_epochs_ == 0
    assert model.anchor_column_ == 1  # the one "__rv" column, not column 0
    har, rv = _har(X, y, distribution)
    dist, ref = model.predict_dist(X), har.predict_dist(rv)
    np.testing.assert_allclose(dist.mean(), ref.mean(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.predict_params(X)["scale"], har.scale_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(dist.std(), ref.std(), rtol=0, atol=1e-6)
    if distribution == "student_t":
        assert 2.5 < har.df_ < 50  # fat-tailed residuals: a df far from its bounds
        np.testing.assert_allclose(model.predict_params(X)["df"], har.df_, rtol=1e-6)
    # an undated block stands alone for both (partial windows on its first rows)
    with pytest.warns(UserWarning, match="feature names"):
        block = model.predict_dist(X.iloc[150:].to_numpy())
    with pytest.warns(UserWarning, match="feature names"):
        ref_block = har.predict_dist(rv.iloc[150:].to_numpy())
    np.testing.assert_allclose(block.mean(), ref_block.mean(), rtol=0, atol=1e-6)


def test_untrained_model_on_fewer_rows_than_lookback_is_har_log():
    """Padded look-back windows; the monthly window is dropped, as HARRegressor drops it."""
    X, y = _frame(n=12, seed=1)
    model = ProbabilisticLSTMRegressor(anchor="har", max_epochs=0, lookback=20)
    with pytest.warns(TooFewRowsWarning, match=r"\(22,\) are longer"):
        model.fit(X, y)
    assert model.har_windows_ == (1, 5)
    with pytest.warns(TooFewRowsWarning, match=r"\(22,\) are longer"):
        har, rv = _har(X, y, "normal")
    np.testing.assert_allclose(model.predict(X), har.predict(rv), rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.predict_dist(X).std(), har.scale_, rtol=0, atol=1e-6)
    trained = ProbabilisticLSTMRegressor(anchor="har", max_epochs=2, lookback=20, random_state=0)
    with pytest.warns(TooFewRowsWarning):
        trained.fit(X, y)
    assert np.isfinite(trained.predict(X)).all()


def test_a_fit_that_cannot_beat_the_anchor_keeps_the_untrained_start(data):
    X, y = data
    har = ProbabilisticLSTMRegressor(anchor="har", max_epochs=0).fit(X, y)
    model = ProbabilisticLSTMRegressor(
        **FAST, anchor="har", max_epochs=3, patience=2, lr=1e-9, random_state=0
    ).fit(X, y)
    assert model.best_epoch_ == 0 and model.n_epochs_ == 3
    np.testing.assert_allclose(model.predict(X), har.predict(X), rtol=0, atol=1e-12)


# lr=0.05 without validation rows may end worse than the anchor (a ConvergenceWarning)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_correction_stays_within_its_bound(data):
    X, y = data
    bound = 0.5
    make = lambda **kw: ProbabilisticLSTMRegressor(**FAST, anchor="har", **kw)  # noqa: E731
    shift = correction_shift(make, X, y, bound, lambda model: model.anchor_.scale)
    assert shift.max() <= bound + 1e-6
    assert shift.max() > 0.05  # the network did move off the anchor


def test_forecast_follows_a_level_shift_the_plain_model_misses():
    """Both models see only the pre-shift rows; log RV then moves up by 2.5 (about four
    stationary standard deviations of the AR(1))."""
    n_train, n_after = 400, 60
    X, y = _frame(n=n_train + n_after, seed=2, shift_at=n_train)
    X = X[["SPX__rv"]]
    errors = {}
    for anchor in (None, "har"):
        model = ProbabilisticLSTMRegressor(
            lookback=10, hidden_size=8, max_epochs=30, lr=0.01, anchor=anchor, random_state=0
        )
        model.fit(X.iloc[: n_train - 1], y.iloc[: n_train - 1])  # targets before the shift
        after = X.index >= X.index[n_train]
        forecast = model.predict(X.loc[after])  # the fitted rows' history is carried
        errors[anchor] = float(np.mean(np.abs(forecast - y.loc[after])))
    har, _ = _har(X.iloc[: n_train - 1], y.iloc[: n_train - 1], "normal")
    har_forecast = har.predict(np.exp(X.loc[after]))
    har_error = float(np.mean(np.abs(har_forecast - y.loc[after])))
    assert errors["har"] < errors[None] / 3
    assert errors["har"] < 1.5 * har_error  # as HAR does
    assert errors[None] > 1.0  # the plain model stays near the old level


@pytest.mark.parametrize("day", [60, 120, 199])
def test_no_forecast_at_t_depends_on_rows_after_t(data, trained, day):
    X, _ = data
    assert trained.best_epoch_ > 0
    rng = np.random.default_rng(day)
    perturbed = X.copy()
    perturbed.iloc[day + 1 :] += rng.normal(scale=0.5, size=perturbed.iloc[day + 1 :].shape)
    with pytest.warns(UserWarning, match="feature names"):
        # an undated block stands alone: the same rule inside it
        undated = (
            trained.predict_dist(X.to_numpy()[50:]),
            trained.predict_dist(perturbed.to_numpy()[50:]),
        )
    for before, after in ((trained.predict_dist(X), trained.predict_dist(perturbed)), undated):
        upto = np.arange(len(before.mean())) <= day - (X.shape[0] - len(before.mean()))
        for method in ("mean", "std"):
            np.testing.assert_allclose(
                getattr(after, method)()[upto], getattr(before, method)()[upto], rtol=0, atol=0
            )
        assert not np.allclose(after.mean()[~upto], before.mean()[~upto])


def test_walk_forward_predictions_equal_full_history(data, trained):
    X, _ = data
    full = trained.predict_dist(X)
    part = trained.predict_dist(X.iloc[200:])
    np.testing.assert_allclose(part.mean(), full.mean()[200:], rtol=0, atol=1e-6)
    np.testing.assert_allclose(part.std(), full.std()[200:], rtol=0, atol=1e-6)
    # the carried rows cover the window and its oldest step's monthly HAR average
    assert trained.history_.values.shape == (5 - 1 + 22 - 1, 3)


def test_params_clone_and_persistence(data, trained, tmp_path):
    X, _ = data
    params = trained.get_params()
    assert params["anchor"] == "har" and params["anchor_column"] is None
    assert params["har_windows"] == (1, 5, 22) and params["correction_bound"] == 1.0
    copy = clone(trained).set_params(anchor_column="SPX__rv", correction_penalty=0.3)
    assert copy.get_params()["anchor_column"] == "SPX__rv"
    assert copy.get_params()["correction_penalty"] == 0.3
    path = tmp_path / "model.joblib"
    joblib.dump(trained, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict_dist(X).mean(), trained.predict_dist(X).mean())
    np.testing.assert_array_equal(loaded.predict_dist(X).std(), trained.predict_dist(X).std())


# the checks' small data sets are shorter than the monthly HAR window
@pytest.mark.filterwarnings("ignore::skvol.exceptions.TooFewRowsWarning")
@pytest.mark.parametrize("distribution", ["normal", "student_t"])
def test_check_estimator_with_the_anchor(distribution):
    model = ProbabilisticLSTMRegressor(
        anchor="har", distribution=distribution, max_epochs=3, hidden_size=4, lookback=5
    )
    check_estimator(model, expected_failed_checks=ORDER_DEPENDENT)
    assert model.__sklearn_tags__().regressor_tags.poor_score
    assert ProbabilisticLSTMRegressor().__sklearn_tags__().regressor_tags.poor_score  # default
    assert not ProbabilisticLSTMRegressor(anchor=None).__sklearn_tags__().regressor_tags.poor_score


def test_same_seed_same_fit(data):
    X, y = data
    make = lambda: ProbabilisticLSTMRegressor(  # noqa: E731
        **FAST, anchor="har", max_epochs=3, lr=0.03, patience=None, random_state=5
    )
    np.testing.assert_array_equal(make().fit(X, y).predict(X), make().fit(X, y).predict(X))


@pytest.mark.parametrize(
    "column, expected",
    [(None, 1), (2, 2), ("SPX__rs_neg", 2), (0, 0)],
)
def test_anchor_column_selects_the_anchor_variable(data, column, expected):
    X, y = data
    model = ProbabilisticLSTMRegressor(anchor="har", max_epochs=0, anchor_column=column)
    model.fit(X, y)
    assert model.anchor_column_ == expected
    ref = HARRegressor(log=True).fit(np.exp(X.iloc[:, [expected]]), y)
    np.testing.assert_allclose(
        model.predict(X), ref.predict(np.exp(X.iloc[:, [expected]])), rtol=0, atol=1e-6
    )


def test_default_anchor_column_of_an_ndarray_or_ambiguous_frame_is_column_0(data):
    X, y = data
    two = X.assign(BTC__rv=X["SPX__rv"] + 1.0)  # two "__rv" columns: no single one
    for frame in (X.to_numpy(), two):
        model = ProbabilisticLSTMRegressor(anchor="har", max_epochs=0).fit(frame, y.to_numpy())
        assert model.anchor_column_ == 0


@pytest.mark.parametrize(
    "params, X_edit, match",
    [
        (dict(anchor_column="SPX__bv"), None, r"`anchor_column`.*'SPX__bv'.*not a column"),
        (dict(anchor_column=3), None, r"`anchor_column`.*\[0, 2\].*got 3"),
        (dict(anchor_column=-1), None, r"`anchor_column`.*got -1"),
        (dict(), "nan", r"`anchor_column`.*'SPX__rv'.*contains NaN at row 7.*finite"),
        (dict(), "-inf", r"`anchor_column`.*'SPX__rv'.*contains infinity at row 7.*finite"),
        (dict(har_windows=(5, 1)), None, r"`har_windows`.*strictly increasing"),
        (dict(anchor=None, max_epochs=0), None, r"`max_epochs`.*only with anchor='har'"),
    ],
)
def test_bad_parameters_raise_value_errors_naming_them(data, params, X_edit, match):
    X, y = data
    X = X.copy()
    if X_edit is not None:
        X.iloc[7, 1] = float(X_edit)
    model = ProbabilisticLSTMRegressor(**{"anchor": "har", "max_epochs": 0, **params})
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)


def test_a_name_needs_a_frame_and_other_columns_stay_checked(data):
    X, y = data
    with pytest.raises(ValueError, match=r"`anchor_column`.*X has no column names"):
        ProbabilisticLSTMRegressor(anchor="har", anchor_column="SPX__rv").fit(X.to_numpy(), y)
    bad = X.copy()
    bad.iloc[3, 0] = np.nan  # not the anchor column: the usual check of X
    with pytest.raises(ValueError, match="Input X contains NaN"):
        ProbabilisticLSTMRegressor(anchor="har", max_epochs=0).fit(bad, y)
    with pytest.raises(ValueError, match=r"at least 3 rows.*n_samples = 2"):
        ProbabilisticLSTMRegressor(anchor="har", max_epochs=0).fit(X.iloc[:2], y.iloc[:2])


def test_prediction_follows_the_fitted_anchor_not_a_later_set_params(data, trained):
    X, _ = data
    before = trained.predict(X)
    changed = clone(trained).set_params(anchor=None)
    changed.__dict__.update({k: v for k, v in trained.__dict__.items() if k.endswith("_")})
    np.testing.assert_array_equal(changed.predict(X), before)
