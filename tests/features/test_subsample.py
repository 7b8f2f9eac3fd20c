"""Subsampled realized measures against a hand loop over offset grids and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from skvol.data import intraday_panel, simulate_market
from skvol.features import (
    BipowerVariation,
    MedRV,
    MinRV,
    RealizedQuarticity,
    RealizedSemivariance,
    RealizedVariance,
    TripowerQuarticity,
    TruncatedVariance,
)
from skvol.features import _kernels as K

MU43 = 2 ** (2 / 3) * math.gamma(7 / 6) / math.gamma(0.5)


def _panel(seed=0, n_days=40, n_bins=30, holes=0.15):
    rng = np.random.default_rng(seed)
    r = rng.standard_t(df=5, size=(n_days, n_bins)) * 0.001
    r[rng.random(r.shape) < holes] = np.nan
    r[0] = np.nan  # whole-NaN day
    r[1, :] = np.nan
    r[1, 0] = 0.002  # one return, in the first bin (left out of every grid but grid 0)
    r[2, :] = np.nan
    r[2, 7:9] = [0.001, -0.003]  # two consecutive returns
    r[3] = 0.0  # constant price
    r[4, :] = np.nan
    r[4, 10:20] = 0.001  # one burst of trading
    r[5, -3:] = np.nan  # missing end of day
    return r


# ---- plain-Python references: one day, one grid at a time -------------------------


def _grid(day, k, j):
    """Returns of the full k-bin blocks starting at bin j: sum of observed, NaN if none."""
    out = []
    for b in range((len(day) - j) // k):
        block = [v for v in day[j + b * k : j + (b + 1) * k] if not math.isnan(v)]
        out.append(sum(block) if block else math.nan)
    return out


def _obs(g):
    return [v for v in g if not math.isnan(v)]


def _windows(g, width):
    return [
        [abs(v) for v in g[i : i + width]]
        for i in range(len(g) - width + 1)
        if not any(math.isnan(v) for v in g[i : i + width])
    ]


def ref_rv(g):
    return sum(v * v for v in _obs(g)) if _obs(g) else math.nan


def ref_bv(g):
    pairs = _windows(g, 2)
    return math.pi / 2 * sum(a * b for a, b in pairs) if pairs else math.nan


def ref_rs(g):
    if not _obs(g):
        return (math.nan, math.nan)
    return (sum(v * v for v in _obs(g) if v < 0), sum(v * v for v in _obs(g) if v > 0))


def ref_rq(g):
    return len(_obs(g)) / 3 * sum(v**4 for v in _obs(g)) if _obs(g) else math.nan


def ref_medrv(g):
    trip = _windows(g, 3)
    if not trip:
        return math.nan
    scale = math.pi / (6 - 4 * math.sqrt(3) + math.pi)
    return scale * len(_obs(g)) / len(trip) * sum(sorted(t)[1] ** 2 for t in trip)


def ref_minrv(g):
    pairs = _windows(g, 2)
    if not pairs:
        return math.nan
    return math.pi / (math.pi - 2) * len(_obs(g)) / len(pairs) * sum(min(p) ** 2 for p in pairs)


def ref_tq(g):
    trip = _windows(g, 3)
    if not trip:
        return math.nan
    m = len(_obs(g))
    return m * m / len(trip) * MU43**-3 * sum((a * b * c) ** (4 / 3) for a, b, c in trip)


def ref_tv(g, c=3.0):
    bv = ref_bv(g)
    if math.isnan(bv) or not _obs(g):
        return math.nan
    u = c * math.sqrt(bv) * (1 / len(g)) ** 0.49
    return sum(v * v for v in _obs(g) if abs(v) <= u)


def ref_subsampled(day, k, measure, power):
    """Hand loop over the k offset grids: rescaled measure of each, mean of the defined."""
    n = len(day)
    values = []
    for j in range(k):
        n_blocks = (n - j) // k
        if n_blocks == 0:
            continue
        v = np.atleast_1d(np.asarray(measure(_grid(day, k, j)), dtype=float))
        values.append(v * (n / (k * n_blocks)) ** power)
    values = np.array(values)
    out = []
    for col in values.T:
        defined = col[~np.isnan(col)]
        out.append(defined.mean() if defined.size else math.nan)
    return out


CASES = [
    (RealizedVariance, ref_rv, 1),
    (BipowerVariation, ref_bv, 1),
    (RealizedSemivariance, ref_rs, 1),
    (RealizedQuarticity, ref_rq, 2),
    (MedRV, ref_medrv, 1),
    (MinRV, ref_minrv, 1),
    (TripowerQuarticity, ref_tq, 2),
    (TruncatedVariance, ref_tv, 1),
]


@pytest.mark.parametrize(("cls", "ref", "power"), CASES, ids=[c.__name__ for c, _, _ in CASES])
@pytest.mark.parametrize("k", [1, 2, 3, 5, 7, 16, 30])
def test_subsampled_measure_equals_a_hand_loop_over_offset_grids(cls, ref, power, k):
    r = _panel()
    got = cls(subsample=k).fit_transform(r)
    want = np.array([ref_subsampled(day.tolist(), k, ref, power) for day in r])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, equal_nan=True)
    assert np.isnan(got[0]).all()  # a whole-NaN day stays NaN
    np.testing.assert_array_equal(got[3][~np.isnan(got[3])], 0.0)  # constant price


@pytest.mark.parametrize(("cls", "ref", "power"), CASES, ids=[c.__name__ for c, _, _ in CASES])
def test_subsample_one_is_the_unsubsampled_measure(cls, ref, power):
    r = _panel(seed=1)
    np.testing.assert_array_equal(
        cls(subsample=1).fit_transform(r), cls().fit_transform(r), strict=True
    )


def test_closed_form_on_six_returns_in_blocks_of_two():
    a, b, c, d, e, f = 0.01, -0.02, 0.03, 0.01, -0.01, 0.02
    r = np.array([[a, b, c, d, e, f]])
    g0 = np.array([a + b, c + d, e + f])  # grid 0: three blocks, factor 6 / (2 * 3) = 1
    g1 = np.array([b + c, d + e])  # grid 1: bins 1..4, factor 6 / (2 * 2) = 1.5
    rv = (np.sum(g0**2) + 1.5 * np.sum(g1**2)) / 2
    assert math.isclose(rv, 0.000975, rel_tol=1e-12)  # (0.0014 + 1.5 * 0.0005) / 2
    assert math.isclose(RealizedVariance(subsample=2).fit_transform(r)[0, 0], rv, rel_tol=1e-12)

    bv0 = math.pi / 2 * (abs(g0[0] * g0[1]) + abs(g0[1] * g0[2]))
    bv1 = math.pi / 2 * abs(g1[0] * g1[1]) * 1.5
    got = BipowerVariation(subsample=2).fit_transform(r)[0, 0]
    assert math.isclose(got, (bv0 + bv1) / 2, rel_tol=1e-12)

    rq0 = 3 / 3 * np.sum(g0**4)
    rq1 = 2 / 3 * np.sum(g1**4) * 1.5**2
    got = RealizedQuarticity(subsample=2).fit_transform(r)[0, 0]
    assert math.isclose(got, (rq0 + rq1) / 2, rel_tol=1e-12)

    neg = (g0[0] ** 2 + 1.5 * 0.0) / 2  # only a + b < 0; g1 = (0.01, 0.0) has no negative
    pos = (g0[1] ** 2 + g0[2] ** 2 + 1.5 * g1[0] ** 2) / 2
    np.testing.assert_allclose(
        RealizedSemivariance(subsample=2).fit_transform(r), [[neg, pos]], rtol=1e-12
    )


def test_semivariances_add_up_to_the_subsampled_rv():
    r = _panel(seed=2)
    rs = RealizedSemivariance(subsample=5).fit_transform(r)
    rv = RealizedVariance(subsample=5).fit_transform(r)[:, 0]
    np.testing.assert_allclose(rs.sum(axis=1), rv, rtol=1e-12, equal_nan=True)


def hf_ravgcov(returns, align_period):
    """highfrequency's univariate ``rAVGCov(rData, alignBy="minutes", alignPeriod, k=1)``.

    Transcribed from its source on returns stamped at each minute's end (60, 120, ...
    seconds), ``makeReturns = FALSE``: the grid starting at the first minute sums
    returns by ``ceiling(DT / (60 * alignPeriod))``; for ``ii = 1 .. alignPeriod - 1`` it
    drops the first ``ii`` and last ``alignPeriod - ii`` returns, shifts the stamps back by
    ``ii`` minutes, sums by the same rule and multiplies the sum of squares by
    ``(n_sub / alignPeriod + 1) / (n_sub / alignPeriod)``; the result is the mean.
    """
    s = align_period
    stamps = 60 * np.arange(1, len(returns) + 1)

    def grid_rv(dt, ret):
        sums = {}
        for t, x in zip(dt, ret, strict=True):
            key = math.ceil(t / (60 * s))
            sums[key] = sums.get(key, 0.0) + x
        return sum(v * v for v in sums.values())

    total = grid_rv(stamps, returns)
    n = len(returns)
    for ii in range(1, s):
        keep = slice(ii, n - (s - ii))
        sub, dt = returns[keep], stamps[keep] - ii * 60
        total += grid_rv(dt, sub) * (len(sub) / s + 1) / (len(sub) / s)
    return total / s


@pytest.mark.parametrize(("n_bins", "k"), [(390, 5), (1440, 5), (60, 3), (60, 10)])
def test_equals_highfrequency_ravgcov_when_k_divides_the_day(n_bins, k):
    rng = np.random.default_rng(n_bins + k)
    r = rng.normal(scale=0.001, size=(3, n_bins))
    got = RealizedVariance(subsample=k).fit_transform(r)[:, 0]
    want = [hf_ravgcov(day, k) for day in r]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_grid_returns_of_a_one_minute_panel_are_the_coarser_panel_with_gaps():
    market = simulate_market(n_days=6, assets=("BTC",), freq="1min", seed=3)
    bars = market.bars["BTC"]
    rng = np.random.default_rng(4)
    bars = bars[rng.random(len(bars)) > 0.4]  # 40% of the minutes without a bar
    one = intraday_panel(bars, freq="1min", asset="BTC", min_coverage=0.0)
    five = intraday_panel(bars, freq="5min", asset="BTC", min_coverage=0.0)
    grid = K.aggregate_bins(one.to_numpy(), 5, 0)
    assert np.isnan(grid).sum() > 0  # some five-minute blocks have no bar
    np.testing.assert_allclose(grid, five.to_numpy(), rtol=0, atol=1e-14, equal_nan=True)


def test_unbiased_for_constant_gaussian_variance():
    # iid N(0, s2) returns on n bins: the day's integrated variance is n s2 and its
    # integrated quarticity n * sum(s2^2) = n^2 s2^2 (M sum v_i^2). The rescaling makes
    # E[RV] and E[RQ] exact on every grid, which averaging keeps.
    n, k, s2 = 60, 5, 1e-6
    r = np.random.default_rng(5).normal(scale=math.sqrt(s2), size=(4000, n))
    rv = RealizedVariance(subsample=k).fit_transform(r)[:, 0]
    rq = RealizedQuarticity(subsample=k).fit_transform(r)[:, 0]
    assert abs(rv.mean() / (n * s2) - 1) < 0.02
    assert abs(rq.mean() / (n * n * s2 * s2) - 1) < 0.05
    # The average over grids is less noisy than grid 0 alone (the point of it): without
    # noise its variance tends to 2/3 of a single grid's (std ratio 0.82); 12 blocks a
    # day and the rescaled edges give 0.86 here.
    grid0 = K.realized_variance(K.aggregate_bins(r, k, 0))
    assert rv.std() < 0.9 * grid0.std()


def test_a_day_uses_only_its_own_row():
    r = _panel(seed=6)
    before = RealizedVariance(subsample=5).fit_transform(r)
    r[11] = r[11] * 3.0
    after = RealizedVariance(subsample=5).fit_transform(r)
    changed = np.flatnonzero(~np.isclose(before[:, 0], after[:, 0], equal_nan=True))
    assert changed.tolist() == [11]


def test_bad_subsample_is_refused_naming_it():
    r = _panel()
    with pytest.raises(ValueError, match="subsample"):
        RealizedVariance(subsample=0).fit(r)
    with pytest.raises(ValueError, match="subsample"):
        BipowerVariation(subsample=2.5).fit(r)
    panel = intraday_panel(
        simulate_market(n_days=3, assets=("BTC",), freq="5min", seed=0).bars["BTC"],
        freq="60min",
        asset="BTC",
    )
    with pytest.raises(ValueError, match="subsample=25 exceeds the 24 bins of asset 'BTC'"):
        RealizedVariance(subsample=25).fit(panel)
