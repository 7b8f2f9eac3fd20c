"""Row-local transformers: names, pandas output, composition, errors, conventions, jumps."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline, make_union

from skvol.features import (
    BipowerVariation,
    BNSJumpTest,
    DailyReturn,
    HARFeatures,
    JumpCounter,
    MedRV,
    MinRV,
    RealizedKernel,
    RealizedQuarticity,
    RealizedSemivariance,
    RealizedVariance,
    TripowerQuarticity,
    TruncatedVariance,
)
from skvol.features import _kernels as K
from skvol.features._jumps import column_nanmedian

ROW_LOCAL = [
    RealizedVariance,
    BipowerVariation,
    RealizedSemivariance,
    MedRV,
    MinRV,
    RealizedQuarticity,
    TripowerQuarticity,
    TruncatedVariance,
    RealizedKernel,
    BNSJumpTest,
    JumpCounter,
    DailyReturn,
]


def make_panel(n_days=30, bins=("0931", "0932", "0933", "0934", "0935", "0936"), seed=0):
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2015-01-05", periods=n_days, freq="B", name="date")
    cols = {}
    for asset, scale in (("BTC", 0.003), ("SPX", 0.001)):
        values = rng.normal(scale=scale, size=(n_days, len(bins)))
        values[rng.random(values.shape) < 0.1] = np.nan
        for j, b in enumerate(bins):
            cols[f"{asset}__{b}"] = values[:, j]
    panel = pd.DataFrame(cols, index=dates)
    panel.iloc[2, :6] = np.nan  # BTC: whole-NaN day
    panel.iloc[3, :6] = 0.0  # BTC: constant price
    return panel


@pytest.mark.parametrize("cls", ROW_LOCAL, ids=lambda c: c.__name__)
def test_pandas_output_keeps_index_and_names_assets(cls):
    panel = make_panel()
    est = cls().set_output(transform="pandas")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = est.fit_transform(panel)
    assert out.index.equals(panel.index)
    names = list(est.get_feature_names_out())
    assert list(out.columns) == names
    assert all(n.startswith("BTC__") for n in names[: len(names) // 2])
    assert all(n.startswith("SPX__") for n in names[len(names) // 2 :])
    # per asset, the output equals the transformer on that asset's columns alone
    btc = est.fit_transform(panel.filter(like="BTC__"))
    np.testing.assert_array_equal(out[btc.columns].to_numpy(), btc.to_numpy())


def test_output_values_are_the_kernels_per_asset():
    panel = make_panel()
    out = make_union(RealizedVariance(), BipowerVariation(), MedRV()).set_output(transform="pandas")
    res = out.fit_transform(panel)
    spx = panel.filter(like="SPX__").to_numpy()
    np.testing.assert_array_equal(res["realizedvariance__SPX__rv"], K.realized_variance(spx))
    np.testing.assert_array_equal(res["bipowervariation__SPX__bv"], K.bipower_variation(spx))
    np.testing.assert_array_equal(res["medrv__SPX__medrv"], K.med_rv(spx))


def test_unnamed_ndarray_gives_unprefixed_names():
    est = RealizedSemivariance().fit(np.zeros((3, 4)))
    assert list(est.get_feature_names_out()) == ["rs_neg", "rs_pos"]
    assert list(
        JumpCounter(jump_variation=True, signed_sum=True)
        .fit(np.ones((3, 4)))
        .get_feature_names_out()
    ) == [
        "n_jumps",
        "jump_var",
        "jump_sum",
    ]


def test_pipeline_of_union_and_har_on_several_assets_in_one_call():
    panel = make_panel(n_days=40)
    pipe = make_pipeline(
        make_union(RealizedVariance(), BipowerVariation(), JumpCounter()),
        HARFeatures(windows=(1, 5)),
    ).set_output(transform="pandas")
    out = pipe.fit_transform(panel)
    assert out.index.equals(panel.index)
    assert "realizedvariance__SPX__rv_har5" in out.columns
    rv = pd.Series(K.realized_variance(panel.filter(like="SPX__").to_numpy()), index=panel.index)
    expected = rv.rolling(5, min_periods=5).mean()
    np.testing.assert_allclose(out["realizedvariance__SPX__rv_har5"], expected, equal_nan=True)


def test_column_transformer_routes_assets_inside_a_pipeline():
    panel = make_panel(n_days=40)
    btc = [c for c in panel.columns if c.startswith("BTC__")]
    spx = [c for c in panel.columns if c.startswith("SPX__")]
    pipe = make_pipeline(
        ColumnTransformer([("btc", JumpCounter(), btc), ("spx", BipowerVariation(), spx)]),
        HARFeatures(windows=(1, 3)),
    ).set_output(transform="pandas")
    out = pipe.fit_transform(panel)
    assert list(out.columns) == [
        "btc__BTC__n_jumps_har1", "btc__BTC__n_jumps_har3",
        "spx__SPX__bv_har1", "spx__SPX__bv_har3",
    ]  # fmt: skip
    bv = K.bipower_variation(panel[spx].to_numpy())
    np.testing.assert_array_equal(out["spx__SPX__bv_har1"], bv)


def test_infinite_input_names_the_column():
    panel = make_panel()
    panel.iloc[4, 7] = np.inf
    with pytest.raises(ValueError, match=r"infinity at row 4, column 'SPX__0932'"):
        RealizedVariance().fit(panel)
    est = RealizedVariance().fit(make_panel())
    with pytest.raises(ValueError, match="SPX__0932"):
        est.transform(panel)


def test_non_numeric_input_is_rejected():
    panel = make_panel().astype(object)
    panel.iloc[0, 0] = "abc"
    with pytest.raises(ValueError, match=r"'abc' at row 0, column 'BTC__0931' is not a number"):
        BipowerVariation().fit(panel)
    fitted = BipowerVariation().fit(make_panel())
    late = make_panel().astype(object)
    late.iloc[5, 8] = "1,5"
    with pytest.raises(ValueError, match=r"'1,5' at row 5, column 'SPX__0933' is not a number"):
        fitted.transform(late)


def test_bad_parameters_are_named():
    X = np.zeros((3, 4))
    with pytest.raises(ValueError, match="'c' parameter"):
        TruncatedVariance(c=-1.0).fit(X)
    with pytest.raises(ValueError, match="'threshold' parameter"):
        JumpCounter(threshold=0).fit(X)
    with pytest.raises(ValueError, match="'bandwidth' parameter"):
        RealizedKernel(bandwidth="big").fit(X)


def test_wrong_number_of_columns_in_transform():
    est = RealizedVariance().fit(make_panel().to_numpy())
    with pytest.raises(ValueError, match="11 features, but RealizedVariance is expecting 12"):
        est.transform(make_panel().iloc[:, :-1].to_numpy())
    named = RealizedVariance().fit(make_panel())
    with pytest.raises(ValueError, match="SPX__0936"):
        named.transform(make_panel().iloc[:, :-1])


# ---- the R highfrequency conventions -------------------------------------------------


def hf_make_returns(prices):
    """highfrequency::makeReturns: log-price differences with a leading zero return."""
    return np.concatenate([[0.0], np.diff(np.log(prices))])


def hf_rmedrvar(q):
    """highfrequency rMedRVar on a return vector (formula of its source, N = length)."""
    a = np.abs(q)
    med = [sorted(a[i - 1 : i + 2])[1] for i in range(1, len(a) - 1)]
    n = len(a)
    return math.pi / (6 - 4 * math.sqrt(3) + math.pi) * n / (n - 2) * sum(m * m for m in med)


def hf_rminrv(q):
    a = np.abs(q)
    n = len(a)
    mins = [min(a[i], a[i + 1]) for i in range(n - 1)]
    return math.pi / (math.pi - 2) * n / (n - 1) * sum(m * m for m in mins)


def hf_rbpvar(q):
    a = np.abs(q)
    return math.pi / 2 * float(np.sum(a[1:] * a[:-1]))


def hf_rquar(q):
    return len(q) / 3 * float(np.sum(q**4))


def hf_rtpquar(q):
    n = len(q)
    a = np.abs(q) ** (4 / 3)
    mu43 = 2 ** (2 / 3) * math.gamma(7 / 6) / math.gamma(1 / 2)
    return n * n / (n - 2) * mu43**-3 * float(np.sum(a[2:] * a[1:-1] * a[:-2]))


def hf_rsvar(q):
    return [float(np.sum(q[q < 0] ** 2)), float(np.sum(q[q > 0] ** 2))]


def hf_rthresholdcov(q):
    """rThresholdCov for one asset: returns above 3 sqrt(BV) (1/n)^0.49 are set to 0."""
    threshold = 3 * math.sqrt(hf_rbpvar(q)) * (1 / len(q)) ** 0.49
    return float(np.sum(np.where(np.abs(q) > threshold, 0.0, q) ** 2))


HF = [
    (MedRV, hf_rmedrvar, True),
    (MinRV, hf_rminrv, True),
    (RealizedQuarticity, hf_rquar, True),
    (TripowerQuarticity, hf_rtpquar, True),
    # the zero only moves TV's threshold by (79/78)^0.49, which drops the same returns here
    (TruncatedVariance, hf_rthresholdcov, False),
    (BipowerVariation, hf_rbpvar, False),
    (RealizedSemivariance, hf_rsvar, False),
    (RealizedVariance, lambda q: float(np.sum(q**2)), False),
]


@pytest.mark.parametrize(("cls", "hf", "zero_matters"), HF, ids=[c.__name__ for c, _, _ in HF])
def test_highfrequency_conventions_differ_only_by_the_leading_zero_return(cls, hf, zero_matters):
    rng = np.random.default_rng(11)
    prices = 100 * np.exp(np.cumsum(rng.normal(scale=0.001, size=79)))
    prices[40] *= 1.01  # a jump, so that truncation has something to drop
    returns = np.diff(np.log(prices))  # the 78 returns of the day, as in the panel
    hf_returns = hf_make_returns(prices)  # highfrequency's 79 returns, the first one zero
    ours = cls().fit_transform(returns[None, :])[0]
    with_zero = cls().fit_transform(hf_returns[None, :])[0]
    np.testing.assert_allclose(ours, hf(returns), rtol=1e-12)  # the same formula...
    np.testing.assert_allclose(with_zero, hf(hf_returns), rtol=1e-12)  # ...on the same input
    # and what highfrequency reports from prices differs from skvol by that zero only
    assert np.allclose(ours, hf(hf_returns), rtol=1e-6, atol=0) != zero_matters


# ---- jumps ---------------------------------------------------------------------------


def u_shape(n_bins):
    u = (np.arange(n_bins) + 0.5) / n_bins
    return 0.6 + 2.0 * (u - 0.5) ** 2 * 4


def test_column_nanmedian_equals_numpy():
    rng = np.random.default_rng(2)
    z = rng.random((41, 7))
    z[rng.random(z.shape) < 0.3] = np.nan
    z[:, 3] = np.nan
    z[5, 3] = 0.25  # a single value
    np.testing.assert_array_equal(column_nanmedian(z), np.nanmedian(z, axis=0))
    np.testing.assert_array_equal(column_nanmedian(z[:40, :2]), np.nanmedian(z[:40, :2], axis=0))


def test_jump_counter_learns_the_intraday_pattern():
    rng = np.random.default_rng(3)
    pattern = u_shape(78)
    X = rng.normal(size=(800, 78)) * pattern * 0.001
    X[rng.random(X.shape) < 0.002] += 0.02  # rare large jumps must not distort the pattern
    est = JumpCounter().fit(X)
    f = est.asset_state_[0]
    truth = pattern / np.sqrt(np.mean(pattern**2))
    assert np.mean(f**2) == pytest.approx(1.0)
    np.testing.assert_allclose(f, truth, rtol=0.12)
    assert np.mean(np.abs(f / truth - 1)) < 0.04
    assert np.corrcoef(f, truth)[0, 1] > 0.99
    np.testing.assert_array_equal(JumpCounter(periodicity=False).fit(X).asset_state_[0], 1.0)


def ref_jump_counts(X, f, threshold):
    """Per-day loop: s_t = sqrt(BV_t / K_t); flag |r| > threshold * s_t * f_i."""
    counts, variation, total = [], [], []
    for day in X:
        pairs = [
            abs(day[i]) * abs(day[i - 1])
            for i in range(1, len(day))
            if not (math.isnan(day[i]) or math.isnan(day[i - 1]))
        ]
        if not pairs:
            counts.append(math.nan), variation.append(math.nan), total.append(math.nan)
            continue
        s = math.sqrt(math.pi / 2 * sum(pairs) / len(pairs))
        flagged = [
            v
            for v, fi in zip(day, f, strict=True)
            if not math.isnan(v) and abs(v) > threshold * s * fi
        ]
        counts.append(len(flagged))
        variation.append(sum(v * v for v in flagged))
        total.append(sum(flagged))
    return np.column_stack([counts, variation, total])


def test_jump_counter_matches_a_per_day_reference():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 50)) * u_shape(50) * 0.001
    X[rng.random(X.shape) < 0.01] += 0.01
    X[rng.random(X.shape) < 0.05] = np.nan
    X[5] = np.nan
    X[6] = 0.0
    est = JumpCounter(threshold=3.0, jump_variation=True, signed_sum=True).fit(X)
    got = est.transform(X)
    np.testing.assert_allclose(got, ref_jump_counts(X, est.asset_state_[0], 3.0), equal_nan=True)
    assert got[6, 0] == 0 and np.isnan(got[5]).all()
    assert np.nansum(got[:, 0]) > 0


def test_jump_counter_finds_planted_jumps_with_sign():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 390)) * 0.001
    X[10, 100] += 0.015
    X[20, 5] -= 0.02
    out = JumpCounter(jump_variation=True, signed_sum=True).fit(X).transform(X)
    assert out[10, 0] >= 1 and out[20, 0] >= 1
    assert out[10, 2] == pytest.approx(X[10, 100]) and out[20, 2] == pytest.approx(X[20, 5])
    assert out[20, 1] == pytest.approx(X[20, 5] ** 2)


def test_bns_test_composes_the_measures_and_flags_a_jump_day():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(200, 390)) * 0.001
    X[0, 200] += 0.02
    out = BNSJumpTest().fit_transform(X)
    z_ref, p_ref = K.bns_ratio_test(
        K.realized_variance(X), K.bipower_variation(X), K.tripower_quarticity(X), np.full(200, 390)
    )
    np.testing.assert_allclose(out, np.column_stack([z_ref, p_ref]))
    assert out[0, 0] > 5
    # size on jump-free days: about 5% below 0.05 (loose band for 199 days)
    assert 0.0 <= np.mean(out[1:, 1] < 0.05) < 0.12


def test_realized_kernel_fixed_and_auto_bandwidth():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(5, 390)) * 0.001
    fixed = RealizedKernel(bandwidth=3).fit_transform(X)[:, 0]
    np.testing.assert_allclose(fixed, K.realized_kernel(X, np.full(5, 3)))
    auto = RealizedKernel().fit_transform(X)[:, 0]
    np.testing.assert_allclose(auto, K.realized_kernel(X, K.kernel_bandwidth(X, 20)))
    # noise makes RV biased up by 2 n omega^2; the kernel removes most of it
    noise = rng.normal(size=(200, 391)) * 0.0005
    efficient = rng.normal(size=(200, 390)) * 0.0005
    noisy = efficient + np.diff(noise, axis=1)
    iv = 390 * 0.0005**2
    rv = RealizedVariance().fit_transform(noisy)[:, 0].mean()
    rk = RealizedKernel().fit_transform(noisy)[:, 0].mean()
    assert rv == pytest.approx(iv * 3, rel=0.05)
    assert rk == pytest.approx(iv, rel=0.15)
