"""The simulated market against its own parameters, and its truth against the panel."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from skvol.data import ASSET_MODELS, RegimeShift, get_session, simulate_market


@pytest.fixture(scope="module")
def small_market():
    return simulate_market(n_days=60, freq="1min", seed=7)  # to 2010-03-26, past 03-14 DST


@pytest.fixture(scope="module")
def long_market():
    """2000 business days (BTC: 2799 calendar days), 30-minute bars, no regime shift."""
    return simulate_market(n_days=2000, freq="30min", regime_shift=None, seed=11)


def test_same_seed_same_numbers_and_assets_draw_from_own_streams(small_market):
    again = simulate_market(n_days=60, freq="1min", seed=7)
    for name in small_market.bars:
        pd.testing.assert_frame_equal(again.bars[name], small_market.bars[name])
        pd.testing.assert_frame_equal(again.truth[name], small_market.truth[name])
    pd.testing.assert_frame_equal(again.correlation, small_market.correlation)
    other = simulate_market(n_days=60, freq="1min", seed=8)
    assert not np.allclose(other.bars["BTC"]["close"], small_market.bars["BTC"]["close"])
    alone = simulate_market(n_days=60, freq="1min", assets=("SPX",), seed=7)
    pd.testing.assert_frame_equal(alone.truth["SPX"], small_market.truth["SPX"])
    unseeded = simulate_market(n_days=3, freq="30min", assets=("EURUSD",))
    replay = simulate_market(
        n_days=3, freq="30min", assets=("EURUSD",), seed=unseeded.params["seed_entropy"]
    )
    pd.testing.assert_frame_equal(unseeded.bars["EURUSD"], replay.bars["EURUSD"])


def test_bars_have_read_bars_form_and_sessions(small_market):
    counts = {"BTC": 1440, "EURUSD": 1440, "SPX": 390}
    for name, bars in small_market.bars.items():
        assert list(bars.columns) == ["open", "high", "low", "close"]
        assert (bars.dtypes == np.float64).all()
        assert bars.index.name == "timestamp" and str(bars.index.tz) == "UTC"
        assert bars.index.is_monotonic_increasing and bars.index.is_unique
        assert (bars["high"] >= bars[["open", "close"]].max(axis=1)).all()
        assert (bars["low"] <= bars[["open", "close"]].min(axis=1)).all()
        assert (bars["low"] > 0).all()
        truth = small_market.truth[name]
        # Every session step is a bar, plus each session's opening price where it is
        # not already the previous session's last bar.
        local = bars.index.tz_convert("America/New_York")
        if name == "SPX":
            assert local.strftime("%H:%M").min() == "09:30"
            assert local.strftime("%H:%M").max() == "16:00"
            per_day = pd.Series(1, index=local.normalize()).groupby(level=0).size()
            assert (per_day == counts[name] + 1).all()  # across 2010-03-14's clock change
            first_utc = bars.index.to_series().groupby(local.normalize()).min().dt.strftime("%H:%M")
            assert first_utc["2010-03-12"] == "14:30"  # EST
            assert first_utc["2010-03-15"] == "13:30"  # EDT
        assert len(bars) >= counts[name] * len(truth)
    business = pd.bdate_range("2010-01-04", periods=60)
    assert small_market.truth["SPX"].index.equals(pd.DatetimeIndex(business, name="date"))
    assert small_market.truth["EURUSD"].index.equals(small_market.truth["SPX"].index)
    btc_days = small_market.truth["BTC"].index
    assert btc_days.equals(pd.date_range(business[0], business[-1], name="date"))


def test_default_calendar_stays_in_2010_to_2013():
    market = simulate_market(n_days=1000, freq="30min", assets=("SPX",), seed=0)
    dates = market.truth["SPX"].index
    assert dates[0] == pd.Timestamp("2010-01-04") and dates[-1] == pd.Timestamp("2013-11-01")


def test_truth_is_what_the_panel_measures(small_market):
    panel = small_market.panel(freq="5min", how="outer")
    for name, truth in small_market.truth.items():
        assert panel.attrs["dropped_days"][name].empty
        assert panel.attrs["outside_session"][name] == 0
        block = panel.filter(like=f"{name}__").dropna(how="all")
        assert block.index.equals(truth.index)
        assert block.notna().all().all()
        np.testing.assert_allclose(block.sum(axis=1), truth["daily_return"], rtol=0, atol=1e-12)
        # Integrated variance: the spot variances of the steps after each session's first
        # price, summed per session date.
        where = get_session(small_market.sessions[name])
        spot = small_market.spot_variance[name]
        since = spot.index.tz_convert(where.tz).tz_localize(None) - where.start_offset
        day = (since - pd.Timedelta(1, "ns")).normalize()
        inside = np.asarray(since - day <= where.length)
        if name == "BTC":
            inside[0] = False  # the first day's first bar has no earlier price in its session
        iv = spot[inside].groupby(day[inside]).sum().reindex(truth.index)
        np.testing.assert_allclose(iv, truth["integrated_variance"], rtol=1e-12)
        jumps = small_market.jumps[name]
        by_day = jumps.groupby("date")["size"]
        np.testing.assert_array_equal(
            by_day.size().reindex(truth.index, fill_value=0), truth["n_jumps"]
        )
        np.testing.assert_allclose(
            (by_day.apply(lambda s: (s**2).sum())).reindex(truth.index, fill_value=0),
            truth["jump_variation"],
            rtol=1e-12,
        )


def test_intraday_pattern_is_u_shaped_for_the_equity_session(small_market):
    spot = small_market.spot_variance["SPX"]
    local = spot.index.tz_convert("America/New_York").strftime("%H:%M")
    by_minute = spot.groupby(local).mean()
    assert by_minute["09:31"] > 3 * by_minute["12:30"]
    assert by_minute["16:00"] > 1.5 * by_minute["12:30"]


def test_log_integrated_variance_is_the_stationary_ar1(long_market):
    """log IV = h exactly (weights sum to one): mean, AR coefficient and level."""
    for name, truth in long_market.truth.items():
        model = ASSET_MODELS[name]
        log_iv = np.log(truth["integrated_variance"].to_numpy())
        n, phi, s = log_iv.size, model.persistence, model.log_variance_std
        se = s * math.sqrt((1 + phi) / ((1 - phi) * n))  # std of an AR(1) sample mean
        assert abs(log_iv.mean() - model.mean_log_variance) < 4 * se
        slope = np.polyfit(log_iv[:-1], log_iv[1:], 1)[0]
        assert abs(slope - phi) < 0.03  # std of the OLS slope is sqrt((1-phi^2)/n) < 0.01
        # E[IV] = mean_variance; the std of the sample mean of a lognormal AR(1):
        # Cov(exp h_i, exp h_j) = m^2 (exp(s^2 phi^|i-j|) - 1).
        lags = np.arange(1, n)
        cov = np.exp(s**2 * phi**lags) - 1
        var_mean = model.mean_variance**2 * (n * (np.exp(s**2) - 1) + 2 * ((n - lags) * cov).sum())
        mean_iv = truth["integrated_variance"].mean()
        assert abs(mean_iv - model.mean_variance) < 4 * math.sqrt(var_mean) / n


def test_jump_counts_and_sizes_follow_the_poisson_model(long_market):
    for name, truth in long_market.truth.items():
        model = ASSET_MODELS[name]
        counts = truth["n_jumps"].to_numpy()
        expected = model.jump_intensity * counts.size
        assert abs(counts.sum() - expected) < 4 * math.sqrt(expected)
        dispersion = counts.var(ddof=1) / counts.mean()
        assert abs(dispersion - 1) < 4 * math.sqrt(2 / counts.size) + 0.05
        observed = np.bincount(np.minimum(counts, 2), minlength=3)
        probs = stats.poisson.pmf([0, 1], model.jump_intensity)
        probs = np.append(probs, 1 - probs.sum())
        assert stats.chisquare(observed, counts.size * probs).pvalue > 1e-3
        sizes = long_market.jumps[name]["size"].to_numpy()
        assert abs(sizes.mean() - model.jump_mean) < 4 * model.jump_std / math.sqrt(sizes.size)
        assert abs(sizes.std(ddof=1) / model.jump_std - 1) < 4 / math.sqrt(2 * sizes.size)


def test_regime_shift_multiplies_variance_and_jump_intensity():
    shift = RegimeShift(start=0.2, end=0.8, vol_multiplier=2.0, jump_multiplier=3.0)
    calm = simulate_market(n_days=1500, freq="30min", regime_shift=None, seed=3)
    wild = simulate_market(n_days=1500, freq="30min", regime_shift=shift, seed=3)
    business = pd.bdate_range("2010-01-04", periods=1500)
    lo, hi = business[300], business[1199]
    for name in calm.truth:
        inside = (calm.truth[name].index >= lo) & (calm.truth[name].index <= hi)
        np.testing.assert_array_equal(wild.truth[name]["regime"], inside)
        ratio = wild.truth[name]["integrated_variance"] / calm.truth[name]["integrated_variance"]
        np.testing.assert_allclose(ratio[inside], 4.0, rtol=1e-12)
        np.testing.assert_allclose(ratio[~inside], 1.0, rtol=1e-12)
        lam = ASSET_MODELS[name].jump_intensity
        counts = wild.truth[name]["n_jumps"]
        for mask, rate in ((inside, 3 * lam), (~inside, lam)):
            expected = rate * mask.sum()
            assert abs(counts[mask].sum() - expected) < 4 * math.sqrt(expected)
    only_btc = simulate_market(
        n_days=50, freq="30min", regime_shift=RegimeShift(assets=("BTC",)), seed=3
    )
    assert only_btc.truth["BTC"]["regime"].any() and not only_btc.truth["SPX"]["regime"].any()


def test_realized_variance_is_unbiased_for_iv_plus_jumps():
    market = simulate_market(n_days=400, freq="1min", assets=("EURUSD", "SPX"), seed=5)
    panel = market.panel(freq="1min")
    for name, truth in market.truth.items():
        rv = (panel.filter(like=f"{name}__") ** 2).sum(axis=1)
        truth = truth.reindex(rv.index)
        error = (rv - truth["integrated_variance"] - truth["jump_variation"]) / truth[
            "integrated_variance"
        ]
        assert abs(error.mean()) < 4 * error.std() / math.sqrt(len(error))
        assert error.std() < 0.25


def test_brownian_correlation_matches_the_daily_truth():
    """Standardised jump-free increments are N(0, R_day): Fisher z-scores are N(0, 1)."""
    market = simulate_market(n_days=40, freq="1min", seed=9)
    increments = {}
    for name, bars in market.bars.items():
        log_close = np.log(bars["close"])
        step = log_close.diff()[bars.index.to_series().diff() == pd.Timedelta("1min")]
        step = step.drop(market.jumps[name].index, errors="ignore")
        increments[name] = step / np.sqrt(market.spot_variance[name].reindex(step.index))
    scores = []
    for pair in market.correlation.columns:
        a, b = pair.split("_")
        both = pd.concat([increments[a], increments[b]], axis=1, join="inner").dropna()
        day = (both.index - pd.Timedelta("1min")).normalize().tz_localize(None)
        for date, block in both.groupby(day):
            if len(block) < 100:
                continue
            r = np.corrcoef(block.iloc[:, 0], block.iloc[:, 1])[0, 1]
            rho = market.correlation.loc[date, pair]
            scores.append(math.sqrt(len(block) - 3) * (math.atanh(r) - math.atanh(rho)))
    scores = np.asarray(scores)
    assert scores.size > 80
    assert abs(scores.mean()) < 4 / math.sqrt(scores.size)
    assert 0.8 < scores.std() < 1.25


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"assets \['DOGE'\] are not simulated"):
        simulate_market(n_days=2, assets=("DOGE",))
    with pytest.raises(TypeError, match="assets must be a sequence of names"):
        simulate_market(n_days=2, assets="BTC")
    with pytest.raises(ValueError, match="n_days=0 must be at least 1"):
        simulate_market(n_days=0)
    with pytest.raises(
        ValueError, match="must be a positive whole number of minutes dividing 30min"
    ):
        simulate_market(n_days=2, freq="7min")
    with pytest.raises(ValueError, match="0 <= start < end <= 1"):
        simulate_market(n_days=2, regime_shift=RegimeShift(start=0.9, end=0.1))
    with pytest.raises(ValueError, match=r"regime_shift assets \['SPX'\] are not among"):
        simulate_market(n_days=2, assets=("BTC",), regime_shift=RegimeShift(assets=("SPX",)))
