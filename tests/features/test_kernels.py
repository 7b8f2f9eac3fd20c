"""Kernels against a straightforward per-day reference loop and hand-worked examples."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.special import gamma
from scipy.stats import norm

from skvol.features import _kernels as K


def _panel(seed=0, n_days=40, n_bins=30, holes=0.1):
    rng = np.random.default_rng(seed)
    r = rng.standard_t(df=5, size=(n_days, n_bins)) * 0.001
    r[rng.random(r.shape) < holes] = np.nan
    r[0] = np.nan  # whole-NaN day
    r[1, :] = np.nan
    r[1, 4] = 0.002  # one return
    r[2, :] = np.nan
    r[2, 7:9] = [0.001, -0.003]  # two consecutive returns
    r[3] = 0.0  # constant price
    r[4, :] = np.nan
    r[4, [2, 5, 9]] = [0.001, 0.002, -0.001]  # three returns, no consecutive pair
    return r


# ---- references: one day at a time, plain Python ------------------------------------


def _windows(day, width):
    """Consecutive windows of observed bins (skipping any that touch a NaN)."""
    out = []
    for i in range(len(day) - width + 1):
        w = day[i : i + width]
        if not any(math.isnan(v) for v in w):
            out.append([abs(v) for v in w])
    return out


def _observed(day):
    return [v for v in day if not math.isnan(v)]


def ref_rv(day):
    obs = _observed(day)
    return sum(v * v for v in obs) if obs else math.nan


def ref_bv(day):
    pairs = _windows(day, 2)
    return math.pi / 2 * sum(a * b for a, b in pairs) if pairs else math.nan


def ref_medrv(day):
    trip = _windows(day, 3)
    if not trip:
        return math.nan
    m = len(_observed(day))
    scale = math.pi / (6 - 4 * math.sqrt(3) + math.pi)
    return scale * m / len(trip) * sum(sorted(t)[1] ** 2 for t in trip)


def ref_minrv(day):
    pairs = _windows(day, 2)
    if not pairs:
        return math.nan
    m = len(_observed(day))
    return math.pi / (math.pi - 2) * m / len(pairs) * sum(min(p) ** 2 for p in pairs)


def ref_rq(day):
    obs = _observed(day)
    return len(obs) / 3 * sum(v**4 for v in obs) if obs else math.nan


def ref_tq(day):
    trip = _windows(day, 3)
    if not trip:
        return math.nan
    m = len(_observed(day))
    mu43 = 2 ** (2 / 3) * gamma(7 / 6) / gamma(1 / 2)
    total = sum((a * b * c) ** (4 / 3) for a, b, c in trip)
    return m * mu43**-3 * m / len(trip) * total


def ref_semivariance(day):
    obs = _observed(day)
    if not obs:
        return [math.nan, math.nan]
    return [sum(v * v for v in obs if v < 0), sum(v * v for v in obs if v > 0)]


def ref_tv(day, c):
    bv = ref_bv(day)
    if math.isnan(bv):
        return math.nan
    u = c * math.sqrt(bv) * (1 / len(day)) ** 0.49
    return sum(v * v for v in _observed(day) if abs(v) <= u)


def ref_return(day):
    obs = _observed(day)
    return sum(obs) if obs else math.nan


def ref_parzen(x):
    x = abs(x)
    if x <= 0.5:
        return 1 - 6 * x**2 + 6 * x**3
    return 2 * (1 - x) ** 3 if x <= 1 else 0.0


def ref_rk(day, h):
    if not _observed(day):
        return math.nan
    n = len(day)
    total = 0.0
    for lag in range(-h, h + 1):
        g = 0.0
        for j in range(abs(lag), n):
            a, b = day[j], day[j - abs(lag)]
            if not (math.isnan(a) or math.isnan(b)):
                g += a * b
        total += ref_parzen(lag / (h + 1)) * g
    return total


def ref_rcorr(x, y):
    pairs = [(a, b) for a, b in zip(x, y, strict=True) if not (math.isnan(a) or math.isnan(b))]
    sxy = sum(a * b for a, b in pairs)
    sxx = sum(a * a for a, _ in pairs)
    syy = sum(b * b for _, b in pairs)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else math.nan


def _per_day(ref, r, *args):
    return np.array([ref(list(day), *args) for day in r], dtype=float)


CASES = [
    (K.realized_variance, ref_rv),
    (K.bipower_variation, ref_bv),
    (K.med_rv, ref_medrv),
    (K.min_rv, ref_minrv),
    (K.realized_quarticity, ref_rq),
    (K.tripower_quarticity, ref_tq),
    (K.daily_return, ref_return),
    (K.realized_semivariance, ref_semivariance),
]


@pytest.mark.parametrize(("kernel", "ref"), CASES, ids=lambda f: getattr(f, "__name__", ""))
@pytest.mark.parametrize("seed", [0, 1])
def test_kernel_matches_per_day_reference(kernel, ref, seed):
    r = _panel(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = kernel(r)
    np.testing.assert_allclose(got, _per_day(ref, r), rtol=1e-12, atol=0, equal_nan=True)


def test_edge_days_are_defined_not_crashing():
    r = _panel(0)
    rv, bv, med, mn = (K.realized_variance(r), K.bipower_variation(r), K.med_rv(r), K.min_rv(r))
    # all-NaN day
    assert np.isnan([rv[0], bv[0], med[0], mn[0]]).all()
    # one return: RV defined, no pair or triple
    assert rv[1] == pytest.approx(4e-6) and np.isnan([bv[1], med[1], mn[1]]).all()
    # two consecutive returns: one pair, no triple
    assert bv[2] == pytest.approx(np.pi / 2 * 3e-6)
    assert mn[2] == pytest.approx(np.pi / (np.pi - 2) * 2 / 1 * 1e-6)
    assert np.isnan(med[2])
    # constant price: every measure is exactly zero
    assert rv[3] == bv[3] == med[3] == mn[3] == 0.0
    # observed but never consecutive: RV yes, window measures no
    assert rv[4] == pytest.approx(6e-6) and np.isnan([bv[4], med[4], mn[4]]).all()


def test_hand_worked_examples():
    r = np.array([[0.01, -0.02, 0.01, 0.5, 0.01]])
    assert K.realized_variance(r)[0] == pytest.approx(0.2507)
    # |r| products: 2e-4, 2e-4, 5e-3, 5e-3
    assert K.bipower_variation(r)[0] == pytest.approx(np.pi / 2 * 0.0104)
    # medians of triples: 0.01, 0.02, 0.01 -> squares 6e-4; M/K = 5/3
    c_med = np.pi / (6 - 4 * np.sqrt(3) + np.pi)
    assert K.med_rv(r)[0] == pytest.approx(c_med * 5 / 3 * 6e-4)
    # minima of pairs: 0.01, 0.01, 0.01, 0.01 -> 4e-4; M/K = 5/4
    assert K.min_rv(r)[0] == pytest.approx(np.pi / (np.pi - 2) * 5 / 4 * 4e-4)
    assert K.daily_return(r)[0] == pytest.approx(0.51)
    np.testing.assert_allclose(K.realized_semivariance(r), [[4e-4, 0.2503]])
    # constants: the closed forms of the papers
    assert K.MEDRV_SCALE == pytest.approx(1.4194, abs=1e-4)
    assert K.MINRV_SCALE == pytest.approx(2.7519, abs=1e-4)
    assert K.MU43 == pytest.approx(0.8309, abs=1e-4)
    assert K.BNS_THETA == pytest.approx(0.6090, abs=1e-4)


def test_truncated_variance_matches_reference_and_drops_the_jump():
    r = _panel(2)
    np.testing.assert_allclose(
        K.truncated_variance(r, 3.0), _per_day(ref_tv, r, 3.0), rtol=1e-12, equal_nan=True
    )
    day = np.full((1, 100), 0.001)
    day[0, 50] = 0.05
    assert K.truncated_variance(day, 3.0)[0] == pytest.approx(99e-6)


def test_parzen_weights():
    x = np.array([0.0, 0.25, 0.5, 0.75, 1.0, 1.5])
    np.testing.assert_allclose(K.parzen(x), [ref_parzen(v) for v in x])
    assert K.parzen(np.array([0.5]))[0] == pytest.approx(0.25)


@pytest.mark.parametrize("fixed_h", [0, 1, 3, 30])
def test_realized_kernel_matches_reference(fixed_h):
    r = _panel(3, n_days=12, n_bins=40)
    h = np.full(r.shape[0], fixed_h)
    np.testing.assert_allclose(
        K.realized_kernel(r, h),
        [ref_rk(list(day), fixed_h) for day in r],
        rtol=1e-10,
        atol=1e-18,
        equal_nan=True,
    )


def test_realized_kernel_per_day_bandwidth_and_zero_lag_is_rv():
    r = _panel(4, n_days=10, n_bins=60)
    h = K.kernel_bandwidth(r, sparse_bins=5)
    assert (h >= 0).all() and (h <= 59).all()
    np.testing.assert_allclose(
        K.realized_kernel(r, h),
        [ref_rk(list(d), int(k)) for d, k in zip(r, h, strict=True)],
        rtol=1e-10,
        atol=1e-18,
        equal_nan=True,
    )
    np.testing.assert_allclose(
        K.realized_kernel(r, np.zeros(10, int)), K.realized_variance(r), equal_nan=True
    )


def test_kernel_bandwidth_formula_by_hand():
    rng = np.random.default_rng(5)
    r = rng.normal(size=(1, 400)) * 0.001
    n = 400
    rv = np.sum(r**2)
    sparse = r.reshape(20, 20).sum(axis=1)
    xi2 = rv / (2 * n) / np.sum(sparse**2)
    expected = math.ceil(3.5134 * xi2**0.4 * n**0.6)
    assert K.kernel_bandwidth(r, 20)[0] == expected


def test_fft_autocovariances_match_direct_ones():
    filled = np.nan_to_num(_panel(6, n_days=5, n_bins=80))
    direct = np.column_stack(
        [np.einsum("ij,ij->i", filled[:, h:], filled[:, : 80 - h]) for h in range(60)]
    )
    np.testing.assert_allclose(K._autocovariances(filled, 59), direct, atol=1e-18)


def test_bns_ratio_statistic_by_hand():
    rv, bv, tq, m = np.array([2.0]), np.array([1.0]), np.array([3.0]), np.array([100])
    z, p = K.bns_ratio_test(rv, bv, tq, m)
    expected = 0.5 / math.sqrt(K.BNS_THETA / 100 * 3.0)
    assert z[0] == pytest.approx(expected)
    assert p[0] == pytest.approx(norm.sf(expected))
    # the max adjustment: TQ / BV^2 below 1 is replaced by 1
    z_low, _ = K.bns_ratio_test(rv, bv, np.array([0.5]), m)
    assert z_low[0] == pytest.approx(0.5 / math.sqrt(K.BNS_THETA / 100))


def test_bns_inputs_are_the_separate_measures():
    r = _panel(10)
    rv, bv, tq, m = K.bns_inputs(r)
    np.testing.assert_array_equal(rv, K.realized_variance(r))
    np.testing.assert_array_equal(bv, K.bipower_variation(r))
    np.testing.assert_array_equal(tq, K.tripower_quarticity(r))
    np.testing.assert_array_equal(m, np.count_nonzero(~np.isnan(r), axis=1))


def test_realized_correlation_matches_reference():
    x, y = _panel(7), _panel(8)
    got = K.realized_correlation(x, y)
    ref = [ref_rcorr(list(a), list(b)) for a, b in zip(x, y, strict=True)]
    np.testing.assert_allclose(got, ref, rtol=1e-12, equal_nan=True)


def test_medrv_median_trick_equals_np_median():
    rng = np.random.default_rng(9)
    a, b, c = rng.random((3, 1000))
    np.testing.assert_array_equal(K._median3(a, b, c), np.median(np.stack([a, b, c]), axis=0))
