"""The HAR lineage against highfrequency's HARmodel, written out independently here.

References follow R highfrequency's ``HARmodel`` (R/har_model.R: ``har_agg`` trailing means,
``x <- RVmatrix[maxp:(n-h), ]``, ``y <- RV[(maxp+h):n]``, ``ABDJumptest`` with
``n <- length(RV)``, HARQ's ``sqrt(RQ) - sqrt(mean(RQ))`` times ``RV_t``) and its
``summary.HARmodel`` (``sandwich::NeweyWest(object, lag = 22)``, whose defaults are
``prewhite = TRUE`` (a VAR(1) by ``ar(..., method = "ols", demean = FALSE)``) and
``adjust = FALSE``, Bartlett weights ``seq(1, 0, by = -1/(lag + 1))``, and
``meatHAC``'s division by the original number of rows). They are built row by row with
plain loops and ``numpy.linalg.lstsq``; statsmodels' HAC is a second reference for the
unprewhitened Newey-West.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from skvol.models import HARRegressor

MU1 = np.sqrt(2 / np.pi)
MU43 = 2 ** (2 / 3) * special.gamma(7 / 6) / special.gamma(0.5)  # E|Z|^(4/3)


def _measures(n_days: int, seed: int = 0, asset: str = "SPX") -> pd.DataFrame:
    """A daily-measures frame from simulated 5-minute returns with stochastic vol and jumps."""
    rng = np.random.default_rng(seed)
    m = 78
    log_var = np.empty(n_days)
    log_var[0] = -9.0
    shocks = rng.normal(size=n_days)
    for t in range(1, n_days):
        log_var[t] = -9.0 + 0.9 * (log_var[t - 1] + 9.0) + 0.35 * shocks[t]
    r = rng.normal(size=(n_days, m)) * np.sqrt(np.exp(log_var) / m)[:, None]
    jump_days = rng.random(n_days) < 0.15
    r[jump_days, rng.integers(0, m, size=jump_days.sum())] += rng.choice(
        [-1, 1], jump_days.sum()
    ) * (3 * np.sqrt(np.exp(log_var[jump_days])))
    a = np.abs(r)
    frame = {
        "rv": (r**2).sum(axis=1),
        "bv": MU1**-2 * (a[:, 1:] * a[:, :-1]).sum(axis=1),
        "rs_pos": (r**2 * (r > 0)).sum(axis=1),
        "rs_neg": (r**2 * (r < 0)).sum(axis=1),
        "rq": m / 3 * (r**4).sum(axis=1),
        "tq": m * MU43**-3 * ((a[:, 2:] * a[:, 1:-1] * a[:, :-2]) ** (4 / 3)).sum(axis=1),
        "ret": r.sum(axis=1),
    }
    dates = pd.bdate_range("2005-01-03", periods=n_days)
    return pd.DataFrame({f"{asset}__{k}": v for k, v in frame.items()}, index=dates)


def _agg(x: np.ndarray, p: int, t: int) -> float:
    """highfrequency's har_agg: the mean of days t-p+1..t."""
    return float(np.mean(x[t - p + 1 : t + 1]))


def _highfrequency_design(d: dict, kind: str, periods, n_days: int, rq_mean: float):
    """Regressor rows t = maxp-1..n-2 (0-based) of HARmodel(type=kind), built day by day."""
    n = len(d["rv"])
    maxp = max(periods)
    rv, bv = d["rv"], d.get("bv")
    if kind == "harcj":
        z = np.array(
            [
                np.sqrt(n_days)
                * ((rv[t] - bv[t]) / rv[t])
                * ((MU1**-4 + 2 * MU1**-2 - 5) * max(1.0, d["tq"][t] / bv[t] ** 2)) ** -0.5
                for t in range(n)
            ]
        )
        jump = z > stats.norm.ppf(0.95)
        c = np.array([bv[t] if jump[t] else rv[t] for t in range(n)])
        j = np.array([max(rv[t] - bv[t], 0.0) if jump[t] else 0.0 for t in range(n)])
    else:
        j = np.array([max(rv[t] - bv[t], 0.0) for t in range(n)]) if "bv" in d else None
    rows = []
    for t in range(maxp - 1, n - 1):
        if kind == "har":
            row = [_agg(rv, p, t) for p in periods]
        elif kind == "harj":
            row = [_agg(rv, p, t) for p in periods] + [_agg(j, p, t) for p in periods]
        elif kind == "harcj":
            row = [_agg(c, p, t) for p in periods] + [_agg(j, p, t) for p in periods]
        elif kind == "harq":
            row = [_agg(rv, p, t) for p in periods]
            row.append((np.sqrt(d["rq"][t]) - np.sqrt(rq_mean)) * rv[t])
        else:
            row = [d["rs_pos"][t], d["rs_neg"][t]] + [_agg(rv, p, t) for p in periods[1:]]
        rows.append([1.0, *row])
    return np.array(rows), rv[maxp:]


def _sandwich_newey_west(x: np.ndarray, e: np.ndarray, lag: int, prewhite: bool) -> np.ndarray:
    """sandwich::NeweyWest(lm, lag, prewhite, adjust = FALSE), written with explicit sums."""
    n_orig, k = x.shape
    u = x * e[:, None]
    d = np.eye(k)
    if prewhite:
        # ar(u, order.max = 1, aic = FALSE, demean = FALSE, method = "ols"): u_t = A u_{t-1}
        lhs = sum(np.outer(u[t], u[t - 1]) for t in range(1, n_orig))
        rhs = sum(np.outer(u[t - 1], u[t - 1]) for t in range(1, n_orig))
        a = lhs @ np.linalg.inv(rhs)
        u = np.array([u[t] - a @ u[t - 1] for t in range(1, n_orig)])
        d = np.linalg.inv(np.eye(k) - a)
    n = u.shape[0]
    weights = [1 - j / (lag + 1) for j in range(lag + 1)]
    meat = np.zeros((k, k))
    for j, w in enumerate(weights[:n]):
        gamma = sum(np.outer(u[t], u[t + j]) for t in range(n - j))
        meat += w * (gamma + gamma.T) / (2.0 if j == 0 else 1.0)
    meat = d @ meat @ d.T / n_orig
    bread = np.linalg.inv(x.T @ x / n_orig)
    return bread @ meat @ bread / n_orig


def _fit(frame: pd.DataFrame, kind: str, **params) -> HARRegressor:
    X = frame.drop(columns=[c for c in frame if c.endswith("__ret")]).iloc[:-1]
    y = frame.filter(like="__rv").iloc[1:, 0].to_numpy()
    return HARRegressor(kind=kind, **params).fit(X, y)


@pytest.mark.parametrize("kind", ["har", "harj", "harcj", "harq", "shar"])
def test_coefficients_and_standard_errors_match_highfrequency(kind):
    frame = _measures(700, seed=1)
    if kind == "har":
        frame = frame[["SPX__rv"]]
    har = _fit(frame, kind)
    d = {c.split("__")[1]: frame[c].to_numpy() for c in frame}
    x_rows = len(frame) - 1
    rq_mean = float(np.mean(d["rq"][:x_rows])) if "rq" in d else 0.0
    design, target = _highfrequency_design(d, kind, (1, 5, 22), x_rows, rq_mean)
    beta, *_ = np.linalg.lstsq(design, target, rcond=None)
    np.testing.assert_allclose(np.r_[har.intercept_, har.coef_], beta, rtol=1e-8)
    e = target - design @ beta
    n, k = design.shape
    s2 = e @ e / (n - k)
    se_ols = np.sqrt(np.diag(s2 * np.linalg.inv(design.T @ design)))
    np.testing.assert_allclose(har.se_ols_, se_ols, rtol=1e-8)
    for prewhite, got in ((False, har.se_nw_), (True, har.se_nw_prewhite_)):
        expected = np.sqrt(np.diag(_sandwich_newey_west(design, e, 22, prewhite)))
        np.testing.assert_allclose(got, expected, rtol=1e-8)
    r2 = 1 - e @ e / np.sum((target - target.mean()) ** 2)
    assert har.r2_ == pytest.approx(r2, rel=1e-10)
    assert har.adj_r2_ == pytest.approx(1 - (1 - r2) * (n - 1) / (n - k), rel=1e-10)
    summary = har.summary()
    assert list(summary.table.index) == ["const", *har.regressor_names_]
    t = beta / har.se_nw_prewhite_
    np.testing.assert_allclose(
        summary.table["pvalue_nw_prewhite"], 2 * stats.t.sf(np.abs(t), n - k), rtol=1e-10
    )
    assert "R^2" in str(summary)


def test_unprewhitened_newey_west_matches_statsmodels():
    sm = pytest.importorskip("statsmodels.api")
    frame = _measures(500, seed=2)
    har = _fit(frame, "harj")
    d = {c.split("__")[1]: frame[c].to_numpy() for c in frame}
    design, target = _highfrequency_design(d, "harj", (1, 5, 22), len(frame) - 1, 0.0)
    fit = sm.OLS(target, design).fit(
        cov_type="HAC", cov_kwds={"maxlags": 22, "use_correction": False}
    )
    np.testing.assert_allclose(har.se_nw_, fit.bse, rtol=1e-8)
    np.testing.assert_allclose(har.se_ols_, sm.OLS(target, design).fit().bse, rtol=1e-8)


def test_harcj_separates_jump_days_and_regressor_names():
    frame = _measures(700, seed=3)
    har = _fit(frame, "harcj")
    assert list(har.regressor_names_) == [
        "c__w1", "c__w5", "c__w22", "j__w1", "j__w5", "j__w22"
    ]  # fmt: skip
    rv, bv, tq = (frame[f"SPX__{m}"].to_numpy()[:-1] for m in ("rv", "bv", "tq"))
    z = (
        np.sqrt(len(rv))
        * ((rv - bv) / rv)
        / np.sqrt((MU1**-4 + 2 * MU1**-2 - 5) * np.maximum(1, tq / bv**2))
    )
    jump = z > 1.6448536269514722
    assert 0.05 < jump.mean() < 0.6  # both kinds of days occur, so the test is informative
    assert har.n_days_jump_test_ == len(rv)


def test_shar_and_harq_names():
    frame = _measures(300, seed=4)
    assert list(_fit(frame, "shar").regressor_names_) == [
        "rs_pos__w1",
        "rs_neg__w1",
        "rv__w5",
        "rv__w22",
    ]
    harq = _fit(frame, "harq")
    assert list(harq.regressor_names_) == ["rv__w1", "rv__w5", "rv__w22", "rq_rv__w1"]
    assert harq.rq_mean_ == pytest.approx(frame["SPX__rq"].iloc[:-1].mean(), rel=1e-12)


def test_log_lineage_logs_daily_measures_before_averaging():
    frame = _measures(400, seed=5)
    har = _fit(frame, "harj", log=True)
    rv, bv = frame["SPX__rv"].to_numpy(), frame["SPX__bv"].to_numpy()
    lr, lj = np.log(rv), np.log1p(np.maximum(rv - bv, 0))
    rows = [
        [1.0, *(_agg(lr, p, t) for p in (1, 5, 22)), *(_agg(lj, p, t) for p in (1, 5, 22))]
        for t in range(21, len(rv) - 1)
    ]
    beta, *_ = np.linalg.lstsq(np.array(rows), rv[22:], rcond=None)
    np.testing.assert_allclose(np.r_[har.intercept_, har.coef_], beta, rtol=1e-8)


@pytest.mark.parametrize("kind", ["harj", "harcj", "harq", "shar"])
def test_walk_forward_equals_full_history(kind):
    frame = _measures(400, seed=6).drop(columns="SPX__ret")
    X, y = frame.iloc[:-1], frame["SPX__rv"].to_numpy()[1:]
    har = HARRegressor(kind=kind).fit(X.iloc[:250], y[:250])
    np.testing.assert_allclose(har.predict(X.iloc[250:]), har.predict(X)[250:], rtol=1e-12)


@pytest.mark.parametrize("kind", ["har", "harj", "harcj", "harq", "shar"])
def test_no_look_ahead_in_an_undated_block(kind):
    frame = _measures(300, seed=7).drop(columns="SPX__ret")
    if kind == "har":
        frame = frame[["SPX__rv"]]
    X, y = frame.iloc[:-1].reset_index(drop=True), frame["SPX__rv"].to_numpy()[1:]
    har = HARRegressor(kind=kind).fit(X.iloc[:200], y[:200])
    block = X.iloc[200:].reset_index(drop=True)
    before = har.predict(block)
    perturbed = block.copy()
    perturbed.iloc[40:] *= 3.0
    after = har.predict(perturbed)
    np.testing.assert_array_equal(before[:40], after[:40])
    assert not np.allclose(before[40:], after[40:])


def test_missing_measure_is_named():
    frame = _measures(100, seed=8)
    with pytest.raises(ValueError, match=r"needs the column '<asset>__tq'"):
        _fit(frame.drop(columns="SPX__tq"), "harcj")
    with pytest.raises(ValueError, match="has no column names"):
        HARRegressor(kind="harj").fit(np.ones((60, 2)), np.ones(60))
    two = pd.concat([frame, _measures(100, seed=9, asset="BTC")], axis=1)
    with pytest.raises(ValueError, match="models one asset"):
        _fit(two, "harj")


def test_log_refuses_nonpositive_semivariance_naming_column():
    frame = _measures(100, seed=10)
    frame.iloc[3, frame.columns.get_loc("SPX__rs_neg")] = 0.0
    with pytest.raises(ValueError, match=r"'SPX__rs_neg' has 0.0 at row 3"):
        _fit(frame, "shar", log=True)


@pytest.mark.parametrize(("n_rows", "n_features"), [(1, 1), (1, 10), (4, 3), (5, 2), (8, 4)])
def test_too_few_rows_are_refused_naming_rows_needed(n_rows, n_features):
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(n_rows, n_features))
    usable = [w for w in (1, 5, 22) if w <= n_rows]
    n_coef = n_features * len(usable) + 1
    assert n_rows < n_coef + 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(
            ValueError, match=rf"needs at least {n_coef + 1} rows.*n_samples={n_rows}"
        ):
            HARRegressor().fit(X, X[:, 0])


def test_windows_longer_than_the_data_are_dropped_with_a_warning():
    rng = np.random.default_rng(1)
    X = rng.uniform(size=(12, 1))
    with pytest.warns(UserWarning, match=r"windows \(22,\) are longer than the n_samples = 12"):
        har = HARRegressor().fit(X, X[:, 0])
    assert har.windows_ == (1, 5)
    assert har.coef_.shape == (2,)
    assert har.scale_ > 0


def test_student_t_mle_equals_arch_harx():
    arch = pytest.importorskip("arch.univariate")
    frame = _measures(1200, seed=11)
    series = np.log(frame["SPX__rv"].to_numpy())
    har = HARRegressor(distribution="student_t", fit_method="mle").fit(
        series[:-1, None], series[1:]
    )
    res = arch.HARX(series, lags=[1, 5, 22], distribution=arch.StudentsT()).fit(
        disp="off", options={"ftol": 1e-12, "maxiter": 1000}
    )
    p = res.params
    # Both optimisers stop on a flat ridge of the likelihood: the parameters agree to 1e-4
    # (the monthly slope, about -0.057, moved by 1.4e-5 relative with scipy 1.17), and
    # skvol's maximum is at least arch's, to 1e-8 of the log-likelihood.
    np.testing.assert_allclose(
        np.r_[har.intercept_, har.coef_], p[["Const", "y[0:1]", "y[0:5]", "y[0:22]"]], rtol=1e-4
    )
    assert har.df_ == pytest.approx(p["nu"], rel=1e-4)
    arch_scale = np.sqrt(p["sigma2"] * (p["nu"] - 2) / p["nu"])
    assert har.scale_ == pytest.approx(arch_scale, rel=1e-4)
    design = np.column_stack(
        [np.ones(series.size - 22)]
        + [
            np.array([series[i - w + 1 : i + 1].mean() for i in range(21, series.size - 1)])
            for w in (1, 5, 22)
        ]
    )
    residuals = series[22:] - design @ np.r_[har.intercept_, har.coef_]
    loglik = stats.t.logpdf(residuals, har.df_, 0.0, har.scale_).sum()
    assert loglik >= res.loglikelihood - 1e-8 * abs(res.loglikelihood)
    assert har.n_fit_rows_ == res.nobs
    default = arch.HARX(series, lags=[1, 5, 22], distribution=arch.StudentsT()).fit(disp="off")
    # arch at its default tolerance stops earlier on the same ridge (2.4e-4 relative)
    np.testing.assert_allclose(har.coef_, default.params.iloc[1:4], rtol=1e-3)
    assert loglik >= default.loglikelihood - 1e-8 * abs(default.loglikelihood)
    table = har.summary().table
    np.testing.assert_allclose(table["se_mle"], res.std_err.iloc[:4], rtol=1e-4)
    # and it differs from the two-step fit (OLS means, then a t on the residuals)
    two_step = HARRegressor(distribution="student_t").fit(series[:-1, None], series[1:])
    assert not np.allclose(two_step.coef_, har.coef_, rtol=1e-4)


def test_normal_mle_equals_ols_coefficients():
    frame = _measures(600, seed=12)
    series = np.log(frame["SPX__rv"].to_numpy())
    mle = HARRegressor(fit_method="mle").fit(series[:-1, None], series[1:])
    ols = HARRegressor().fit(series[:-1, None], series[1:])
    np.testing.assert_allclose(mle.coef_, ols.coef_, rtol=1e-5)
    n, p = ols.n_fit_rows_, ols.coef_.size + 1
    assert mle.scale_ == pytest.approx(ols.scale_ * np.sqrt((n - p) / n), rel=1e-5)


def test_check_estimator_at_defaults():
    from sklearn.utils.estimator_checks import check_estimator

    expected = {
        "check_methods_sample_order_invariance": "predictions read the preceding rows",
        "check_methods_subset_invariance": "predictions read the preceding rows",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        results = check_estimator(
            HARRegressor(), expected_failed_checks=expected, on_fail=None, on_skip=None
        )
    bad = [
        (r["check_name"], r["status"])
        for r in results
        if r["status"] == "failed"
        or (r["status"] == "skipped" and r["check_name"] != "check_array_api_input")
    ]
    assert not bad
    assert {r["check_name"] for r in results if r["status"] == "xfail"} == set(expected)
