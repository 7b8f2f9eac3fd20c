"""Ground truth from simulate_market: the measures estimate what they claim to estimate.

One simulated S&P 500 (session 09:30-16:00 New York, U-shaped intraday volatility,
about 0.15 jumps a day of size N(-0.002, 0.006^2) against a daily volatility near 0.9%),
500 business days of one-minute bars, no regime shift. The tolerances are sized from the
estimators' sampling error with 390 returns a day: the relative error of RV on one day has
a standard deviation of about sqrt(2/390) = 7% (BV: sqrt(2.6/390) = 8%), so the mean ratio
over some 400 jump-free days has a standard error near 0.4%.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from skvol.data import get_session, simulate_market
from skvol.features import (
    BipowerVariation,
    BNSJumpTest,
    JumpCounter,
    MedRV,
    MinRV,
    RealizedKernel,
    RealizedQuarticity,
    RealizedVariance,
    TripowerQuarticity,
    TruncatedVariance,
)
from skvol.features._jumps import daily_scale


@pytest.fixture(scope="module")
def market():
    m = simulate_market(n_days=500, assets=("SPX",), freq="1min", regime_shift=None, seed=7)
    panel = m.panel(freq="1min")
    truth = m.truth["SPX"].reindex(panel.index)
    return m, panel, truth


@pytest.mark.parametrize(
    ("est", "bias_tol", "day_tol"),
    [
        (RealizedVariance(), 0.02, 0.1),
        (BipowerVariation(), 0.02, 0.1),
        (MedRV(), 0.02, 0.1),
        (MinRV(), 0.025, 0.1),
        (TruncatedVariance(), 0.07, 0.1),  # truncation at ~3.2 local sd drops a few % of IV
        # without noise the kernel's autocovariance terms only add variance (12% typical)
        (RealizedKernel(), 0.02, 0.15),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, float) else str(v),
)
def test_jump_free_days_estimate_integrated_variance(market, est, bias_tol, day_tol):
    _, panel, truth = market
    free = (truth["n_jumps"] == 0).to_numpy()
    assert free.sum() > 350
    ratio = est.fit_transform(panel)[free, 0] / truth["integrated_variance"].to_numpy()[free]
    assert abs(np.mean(ratio) - 1) < bias_tol
    assert np.median(np.abs(ratio - 1)) < day_tol  # typical single-day error (7-8% sd for RV)


def test_rv_minus_bv_estimates_jump_variation(market):
    _, panel, truth = market
    jump_days = (truth["n_jumps"] > 0).to_numpy()
    assert jump_days.sum() > 40
    rv = RealizedVariance().fit_transform(panel)[jump_days, 0]
    bv = BipowerVariation().fit_transform(panel)[jump_days, 0]
    med = MedRV().fit_transform(panel)[jump_days, 0]
    jv = truth["jump_variation"].to_numpy()[jump_days]
    # RV - BV: a jump also enters two of BV's products, which biases RV - BV down a little
    assert 0.8 < np.mean(rv - bv) / np.mean(jv) < 1.05
    assert np.corrcoef(rv - bv, jv)[0, 1] > 0.95
    assert 0.9 < np.mean(rv - med) / np.mean(jv) < 1.1
    # and RV itself is IV + JV
    iv = truth["integrated_variance"].to_numpy()[jump_days]
    assert np.mean(rv) / np.mean(iv + jv) == pytest.approx(1, abs=0.03)


def test_jump_counter_power_and_size(market):
    m, panel, truth = market
    est = JumpCounter(threshold=4.0).fit(panel)
    counts = est.transform(panel)[:, 0]
    r = panel.to_numpy()
    free = (truth["n_jumps"] == 0).to_numpy()
    # size: flagged share of returns on jump-free days, nominal 2 (1 - Phi(4)) = 6.3e-5
    size = counts[free].sum() / np.count_nonzero(~np.isnan(r[free]))
    assert size < 2.5e-4
    # power: large jumps (|size| > 6 local standard deviations) are flagged in their bin
    jumps = m.jumps["SPX"]
    local_sd = np.sqrt(m.spot_variance["SPX"].reindex(jumps.index).to_numpy())
    labels = "SPX__" + jumps.index.tz_convert(get_session("us_equity").tz).strftime("%H%M")
    rows = panel.index.get_indexer(pd.DatetimeIndex(jumps["date"]))
    cols = panel.columns.get_indexer(labels)
    assert (rows >= 0).all() and (cols >= 0).all()
    f = est.asset_state_[0]
    flagged = np.abs(r) > 4.0 * daily_scale(r)[:, None] * f[None, :]
    large = np.abs(jumps["size"].to_numpy()) > 6 * local_sd
    assert large.sum() > 40
    assert flagged[rows[large], cols[large]].mean() > 0.9
    # the counts agree with the flags the test recomputed
    np.testing.assert_array_equal(counts, flagged.sum(axis=1))


def test_bns_test_size_and_power(market):
    _, panel, truth = market
    out = BNSJumpTest().fit_transform(panel)
    free = (truth["n_jumps"] == 0).to_numpy()
    big = (truth["jump_variation"] > truth["integrated_variance"] * 0.2).to_numpy()
    assert np.mean(out[free, 1] < 0.01) < 0.03  # nominal 1%
    assert np.mean(out[big, 1] < 0.01) > 0.8


def test_quarticities_estimate_integrated_quarticity(market):
    """RQ and TQ against the simulated IQ; only TQ is robust to jumps.

    With per-bin spot variances ``v_i`` (one one-minute step per bin), ``E[r_i^4] =
    3 v_i^2``, so both estimate ``IQ_t = M sum_i v_i^2`` in the daily units of the
    measures. One day's RQ has a relative sd of about sqrt(96 / 9 / 390) = 17%, so the
    mean over some 400 jump-free days has a standard error near 1% (4% tolerance).
    """
    m, panel, truth = market
    spot = m.spot_variance["SPX"]
    local = spot.index.tz_convert(get_session("us_equity").tz)
    where = pd.MultiIndex.from_arrays(
        [local.tz_localize(None).normalize(), "SPX__" + local.strftime("%H%M")]
    )
    # the 09:30 bar is the opening price: its step is overnight and in no bin
    v = (
        pd.Series(spot.to_numpy(), index=where)
        .unstack()
        .reindex(index=panel.index, columns=panel.columns)
    )
    assert not v.isna().any().any()
    iq = np.count_nonzero(panel.notna().to_numpy(), axis=1) * (v.to_numpy() ** 2).sum(axis=1)
    rq = RealizedQuarticity().fit_transform(panel)[:, 0] / iq
    tq = TripowerQuarticity().fit_transform(panel)[:, 0] / iq
    free = (truth["n_jumps"] == 0).to_numpy()
    assert abs(np.mean(rq[free]) - 1) < 0.04
    assert abs(np.mean(tq[free]) - 1) < 0.04
    # on jump days a jump's fourth power swamps RQ; TQ's products of three neighbours
    # mostly keep it out
    assert np.median(rq[~free]) > 3
    assert abs(np.median(tq[~free]) - 1) < 0.1
