"""The simulated market against its own parameters, and its truth against the panel.

The oracle (the exact law of tomorrow's log integrated variance given the simulator's
state) is checked against an independent replay of the documented recursions from a fixed
state, and for calibration over long paths.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from skvol.data import ASSET_MODELS, RegimeShift, get_session, simulate_market
from skvol.data._simulate import _LogVarianceModel


@pytest.fixture(scope="module")
def small_market():
    return simulate_market(n_days=60, freq="1min", seed=7)  # to 2010-03-26, past 03-14 DST


@pytest.fixture(scope="module")
def long_market():
    """2000 business days (BTC: 2799 calendar days), 30-minute bars, no regime shift;
    the default common factor and spillover."""
    return simulate_market(n_days=2000, freq="30min", regime_shift=None, seed=11)


@pytest.fixture(scope="module")
def default_market():
    """The defaults (regime shift from business day 280 to 339) on 400 days."""
    return simulate_market(n_days=400, freq="30min", seed=21)


def _loadings(market):
    """c_a = s_a lambda_a, the factor's coefficient in log-variance units, per known asset."""
    lam = market.params["vol_factor_loadings"]
    return {a: ASSET_MODELS[a].log_variance_std * lam[a] for a in ASSET_MODELS}


def _gamma(market):
    """gamma[follower][leader] from the spillover parameters."""
    out = {a: {b: 0.0 for b in ASSET_MODELS} for a in ASSET_MODELS}
    for (leader, follower), value in market.params["spillover"].items():
        out[follower][leader] = value
    return out


def test_same_seed_same_numbers_and_assets_draw_from_own_streams(small_market):
    again = simulate_market(n_days=60, freq="1min", seed=7)
    for name in small_market.bars:
        pd.testing.assert_frame_equal(again.bars[name], small_market.bars[name])
        pd.testing.assert_frame_equal(again.truth[name], small_market.truth[name])
    pd.testing.assert_frame_equal(again.correlation, small_market.correlation)
    pd.testing.assert_frame_equal(again.state, small_market.state)
    for name in small_market.truth:
        np.testing.assert_array_equal(again.oracle(name).mean(), small_market.oracle(name).mean())
    other = simulate_market(n_days=60, freq="1min", seed=8)
    assert not np.allclose(other.bars["BTC"]["close"], small_market.bars["BTC"]["close"])
    assert not np.allclose(other.state.to_numpy(), small_market.state.to_numpy())
    alone = simulate_market(n_days=60, freq="1min", assets=("SPX",), seed=7)
    pd.testing.assert_frame_equal(alone.truth["SPX"], small_market.truth["SPX"])
    # BTC follows the S&P 500 by default: it still does when the S&P 500 is not simulated
    btc = simulate_market(n_days=60, freq="1min", assets=("BTC",), seed=7)
    pd.testing.assert_frame_equal(btc.truth["BTC"], small_market.truth["BTC"])
    pd.testing.assert_frame_equal(btc.bars["BTC"], small_market.bars["BTC"])
    np.testing.assert_array_equal(btc.oracle("BTC").std(), small_market.oracle("BTC").std())
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


def _log_variance_autocovariance(name, market, lags):
    """Autocovariance of h at calendar lags: the factor's AR(1) plus the own AR(1)."""
    model = ASSET_MODELS[name]
    c = _loadings(market)[name]
    phi_f = market.params["vol_factor_persistence"]
    own = model.log_variance_std**2 - c**2
    return c**2 * phi_f**lags + own * model.persistence**lags


def test_log_integrated_variance_has_the_stated_mean_and_level(long_market):
    """log IV = h exactly: E[h] = mu and E[IV] = mean_variance with the factor and spillover.

    The standard errors of the sample means come from the exact autocovariances on the
    asset's own session dates: Cov(h_i, h_j) = c^2 phi_f^L + (s^2 - c^2) phi^L at a
    calendar lag L (the own component is an AR(1) whatever it receives), and
    Cov(exp h_i, exp h_j) = m^2 (exp(Cov(h_i, h_j)) - 1).
    """
    for name, truth in long_market.truth.items():
        model = ASSET_MODELS[name]
        log_iv = np.log(truth["integrated_variance"].to_numpy())
        day = (truth.index - truth.index[0]).days.to_numpy()
        gamma = _log_variance_autocovariance(name, long_market, np.abs(day[:, None] - day))
        n = log_iv.size
        assert abs(log_iv.mean() - model.mean_log_variance) < 4 * math.sqrt(gamma.sum()) / n
        var_mean = model.mean_variance**2 * np.expm1(gamma).sum()
        mean_iv = truth["integrated_variance"].mean()
        assert abs(mean_iv - model.mean_variance) < 4 * math.sqrt(var_mean) / n
        assert abs(log_iv.std() / model.log_variance_std - 1) < 0.25  # few effective samples


def test_log_variance_is_an_ar1_in_calendar_time():
    """Without factor and spillover h is an AR(1) per calendar day: phi from one session
    to the next on consecutive days, phi^3 from a Friday to a Monday."""
    market = simulate_market(
        n_days=3000,
        freq="30min",
        regime_shift=None,
        seed=12,
        vol_factor_loadings=None,
        spillover=None,
    )
    for name, truth in market.truth.items():
        phi = ASSET_MODELS[name].persistence
        log_iv = np.log(truth["integrated_variance"].to_numpy())
        gap = np.diff(truth.index).astype("timedelta64[D]").astype(int)
        for lag in np.unique(gap):
            pairs = gap == lag
            slope = np.polyfit(log_iv[:-1][pairs], log_iv[1:][pairs], 1)[0]
            # the OLS slope has sd about sqrt((1 - phi^(2 lag)) / n) < 0.02 here
            assert abs(slope - phi**lag) < 0.06, (name, lag, slope)
        assert set(np.unique(gap)) == ({1} if name == "BTC" else {1, 3})


def test_state_follows_the_documented_recursions(long_market):
    state = long_market.state
    dates = pd.date_range("2010-01-04", long_market.truth["SPX"].index[-1], name="date")
    assert state.index.equals(dates)
    phi_f = long_market.params["vol_factor_persistence"]
    f = state["factor"].to_numpy()
    eta = (f[1:] - phi_f * f[:-1]) / math.sqrt(1 - phi_f**2)
    assert stats.kstest(eta, "norm").pvalue > 1e-3
    assert abs(np.corrcoef(eta[1:], eta[:-1])[0, 1]) < 4 / math.sqrt(eta.size)
    assert abs(f.mean()) < 4 * math.sqrt((1 + phi_f) / (1 - phi_f) / f.size)
    c, gamma = _loadings(long_market), _gamma(long_market)
    shocks = {a: state[f"{a}__shock"].to_numpy() for a in ASSET_MODELS}
    for name, model in ASSET_MODELS.items():
        x = state[f"{name}__own"].to_numpy()
        received = sum(gamma[name][b] * shocks[b][:-1] for b in ASSET_MODELS)
        np.testing.assert_allclose(
            x[1:] - model.persistence * x[:-1] - received, shocks[name][1:], rtol=0, atol=1e-12
        )
        eps = shocks[name] / long_market.params["shock_std"][name]
        assert stats.kstest(eps, "norm").pvalue > 1e-3
        h = model.mean_log_variance + c[name] * f + x
        np.testing.assert_allclose(state[f"{name}__log_variance"], h, rtol=0, atol=1e-12)
        if name in long_market.truth:
            truth = long_market.truth[name]
            np.testing.assert_allclose(
                np.log(truth["integrated_variance"]),
                state[f"{name}__log_variance"].reindex(truth.index),
                rtol=0,
                atol=1e-12,
            )
        # Var(h) = s^2: the shock scales leave room for the spillover received
        sigma2 = long_market.params["shock_std"][name] ** 2
        received_var = sum(
            gamma[name][b] ** 2 * long_market.params["shock_std"][b] ** 2 for b in ASSET_MODELS
        )
        budget = (1 - model.persistence**2) * (model.log_variance_std**2 - c[name] ** 2)
        assert sigma2 + received_var == pytest.approx(budget, rel=1e-12)


def test_common_factor_gives_the_stated_correlation_of_log_variances():
    """A long stationary path of the simulator's daily model (2 million calendar days):
    Var(h_a) = s_a^2, and the same-day correlations are lambda_a lambda_b without
    spillover and params["log_variance_correlation"] with it."""
    n = 2_000_000
    names = tuple(ASSET_MODELS)
    for spillover in (None, {("SPX", "BTC"): 0.6, ("SPX", "EURUSD"): 0.4}):
        lam = {"BTC": 0.3, "EURUSD": 0.5, "SPX": 0.7}
        market = simulate_market(
            n_days=2, freq="30min", assets=("SPX",), seed=0, spillover=spillover
        )
        stated = market.params["log_variance_correlation"].loc[list(names), list(names)]
        if spillover is None:
            expected = np.outer(list(lam.values()), list(lam.values()))
            np.fill_diagonal(expected, 1.0)
            np.testing.assert_allclose(stated, expected, rtol=0, atol=1e-12)
        else:
            assert (stated.to_numpy() > np.outer(list(lam.values()), list(lam.values()))).all()
        model = _LogVarianceModel.build(lam, 0.99, spillover or {})
        rngs = [np.random.default_rng(i) for i in range(len(names))]
        factor, own, _ = model.simulate(n, rngs, np.random.default_rng(99))
        h = model.loading * factor[:, None] + own
        std = np.array([ASSET_MODELS[a].log_variance_std for a in names])
        # effective sample size near n (1 - phi^2) / (1 + phi^2) = 20,000 at phi = 0.99:
        # sampling errors near 0.005 (seen over several seeds), tolerance 4x that
        np.testing.assert_allclose(h.std(axis=0) / std, 1.0, atol=0.02)
        np.testing.assert_allclose(np.corrcoef(h.T), stated, atol=0.02)


def test_spillover_is_recovered_by_a_regression_on_lagged_log_variances():
    """x_B,d = phi_B x_B,d-1 + gamma (x_A,d-1 - phi_A x_A,d-2) + e_B,d without the factor:
    OLS of log IV_B on its lag and the leader's two lags recovers gamma and phi_B."""
    spill = {("SPX", "BTC"): 0.6, ("SPX", "EURUSD"): 0.4}
    market = simulate_market(
        n_days=4000,
        freq="30min",
        regime_shift=None,
        seed=13,
        vol_factor_loadings=None,
        spillover=spill,
    )
    for (lead, follower), gamma in {**spill, ("BTC", "SPX"): 0.0}.items():
        a = np.log(market.truth[lead]["integrated_variance"])
        b = np.log(market.truth[follower]["integrated_variance"])
        day = pd.Timedelta(days=1)
        rows = b.index[b.index.isin(b.index + day)]
        rows = rows[rows.isin(a.index + day) & rows.isin(a.index + 2 * day)]
        design = np.column_stack(
            [np.ones(rows.size), b[rows - day], a[rows - day], a[rows - 2 * day]]
        )
        coef, rss, *_ = np.linalg.lstsq(design, b[rows].to_numpy(), rcond=None)
        cov = rss[0] / (rows.size - 4) * np.linalg.inv(design.T @ design)
        se = np.sqrt(np.diag(cov))
        phi_a, phi_b = ASSET_MODELS[lead].persistence, ASSET_MODELS[follower].persistence
        assert abs(coef[1] - phi_b) < 4 * se[1]
        assert abs(coef[2] - gamma) < 4 * se[2], (lead, follower, coef, se)
        assert abs(coef[3] + gamma * phi_a) < 4 * se[3]
        assert se[2] < 0.05  # the test has power against gamma = 0


def _replay(market, date, horizon, n_rep, rng):
    """h on date + horizon from the state at the end of ``date``, by the documented
    recursions run forward with fresh draws (an independent reference)."""
    names = list(ASSET_MODELS)
    row = market.state.loc[date]
    c, gamma = _loadings(market), _gamma(market)
    sigma = np.array([market.params["shock_std"][a] for a in names])
    phi = np.array([ASSET_MODELS[a].persistence for a in names])
    g = np.array([[gamma[a][b] for b in names] for a in names])
    phi_f = market.params["vol_factor_persistence"]
    f = np.full(n_rep, row["factor"])
    x = np.tile([row[f"{a}__own"] for a in names], (n_rep, 1))
    e_prev = np.tile([row[f"{a}__shock"] for a in names], (n_rep, 1))
    for _ in range(horizon):
        f = phi_f * f + math.sqrt(1 - phi_f**2) * rng.standard_normal(n_rep)
        e = sigma * rng.standard_normal((n_rep, len(names)))
        x = phi * x + e + e_prev @ g.T
        e_prev = e
    mu = np.array([ASSET_MODELS[a].mean_log_variance for a in names])
    return mu + np.outer(f, [c[a] for a in names]) + x


def test_oracle_matches_replications_from_a_fixed_state(default_market):
    """From the state at the end of day t, 200,000 replays of days t+1..t+k: their h on
    the next session date has the oracle's law (KS test, mean and sd within Monte Carlo
    error), for one-day and Friday-to-Monday horizons and on the first day of the shift."""
    rng = np.random.default_rng(5)
    names = list(ASSET_MODELS)
    shift_start = default_market.truth["SPX"].index[default_market.truth["SPX"]["regime"]][0]
    cases = [
        ("BTC", 10),  # a one-day step
        ("SPX", 4),  # Friday 2010-01-08 -> Monday
        ("EURUSD", 9),  # Friday -> Monday
        ("SPX", 101),
        ("SPX", default_market.truth["SPX"].index.get_loc(shift_start) - 1),
        ("BTC", default_market.truth["BTC"].index.get_loc(shift_start) - 1),
    ]
    n_rep = 200_000
    for name, row in cases:
        truth = default_market.truth[name]
        date, nxt = truth.index[row], truth.index[row + 1]
        horizon = (nxt - date).days
        h = _replay(default_market, date, horizon, n_rep, rng)[:, names.index(name)]
        if truth["regime"].iloc[row + 1]:
            h = h + 2 * math.log(2.0)
        dist = default_market.oracle(name)
        loc, scale = dist.mean()[row], dist.std()[row]
        assert abs(h.mean() - loc) < 4 * scale / math.sqrt(n_rep)
        assert abs(h.std() / scale - 1) < 4 / math.sqrt(2 * n_rep)
        assert stats.kstest(h, stats.norm(loc, scale).cdf).pvalue > 1e-3, (name, row)
        assert horizon == (3 if name != "BTC" and date.dayofweek == 4 else 1)
    assert default_market.truth["SPX"]["regime"].iloc[cases[4][1] + 1]


def test_oracle_is_calibrated_and_uses_all_the_state(long_market):
    """Over 2000 days the standardised errors (log IV_{t+1} - mean_t) / sd_t are N(0, 1),
    uncorrelated with every state variable of day t, on one-day and weekend horizons."""
    state = long_market.state
    for name, truth in long_market.truth.items():
        dist = long_market.oracle(name)
        log_iv = np.log(truth["integrated_variance"].to_numpy())
        z = (log_iv[1:] - dist.mean()[:-1]) / dist.std()[:-1]
        assert np.isnan(dist.mean()[-1]) and np.isnan(dist.std()[-1])
        assert stats.kstest(z, "norm").pvalue > 1e-3
        today = state.reindex(truth.index[:-1])
        for column in today.columns:
            r = np.corrcoef(z, today[column])[0, 1]
            assert abs(r) < 4.5 / math.sqrt(z.size), (name, column, r)
        gap = np.diff(truth.index).astype("timedelta64[D]").astype(int)
        for lag in np.unique(gap):
            zz = z[gap == lag]
            assert abs(zz.std() - 1) < 4 / math.sqrt(2 * zz.size) + 0.02
        # the oracle is sharper than the stationary law: its sd is a fraction of s
        assert dist.std()[0] < 0.3 * ASSET_MODELS[name].log_variance_std


def test_oracle_variance_is_the_conditional_mean_of_tomorrow(long_market):
    """E[IV_{t+1} / E_t IV_{t+1}] = 1 and E[(IV + JV)_{t+1} / E_t (IV + JV)_{t+1}] = 1;
    the ratios minus one are martingale differences, so their mean has se sd / sqrt(n)."""
    for name, truth in long_market.truth.items():
        model = ASSET_MODELS[name]
        iv = long_market.oracle_variance(name)
        qv = long_market.oracle_variance(name, include_jumps=True)
        assert iv.name == f"{name}__oracle_iv_next" and qv.name == f"{name}__oracle_qv_next"
        np.testing.assert_allclose(
            (qv - iv).dropna(),
            model.jump_intensity * (model.jump_mean**2 + model.jump_std**2),
            rtol=1e-9,
        )
        realized = truth["integrated_variance"].shift(-1) / iv
        quadratic = (truth["integrated_variance"] + truth["jump_variation"]).shift(-1) / qv
        for ratio in (realized.dropna(), quadratic.dropna()):
            assert abs(ratio.mean() - 1) < 4 * ratio.std() / math.sqrt(ratio.size)


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
    for name in calm.truth:
        # the oracle knows the shift: +2 log 2 on rows whose next session is inside it
        next_inside = np.append(wild.truth[name]["regime"].to_numpy()[1:], False)
        diff = wild.oracle(name).mean() - calm.oracle(name).mean()
        np.testing.assert_allclose(diff[:-1], 2 * math.log(2.0) * next_inside[:-1], atol=1e-9)
        np.testing.assert_allclose(wild.oracle(name).std(), calm.oracle(name).std(), rtol=1e-12)
        model = ASSET_MODELS[name]
        jumps = (
            wild.oracle_variance(name, include_jumps=True) - wild.oracle_variance(name)
        ).to_numpy()[:-1]
        expected = model.jump_intensity * (model.jump_mean**2 + model.jump_std**2)
        np.testing.assert_allclose(jumps, expected * np.where(next_inside[:-1], 3, 1), rtol=1e-9)
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


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"vol_factor_loadings": {"DOGE": 0.5}}, ValueError, r"vol_factor_loadings names .*DOGE"),
        ({"vol_factor_loadings": {"SPX": 1.0}}, ValueError, r"vol_factor_loadings\['SPX'\]=1.0"),
        ({"vol_factor_loadings": {"BTC": np.nan}}, ValueError, r"vol_factor_loadings\['BTC'\]"),
        ({"vol_factor_loadings": {"BTC": True}}, ValueError, r"vol_factor_loadings\['BTC'\]"),
        ({"vol_factor_loadings": [0.5]}, TypeError, "vol_factor_loadings must be a mapping"),
        ({"vol_factor_persistence": 1.0}, ValueError, r"vol_factor_persistence=1.0 must be"),
        ({"vol_factor_persistence": -0.1}, ValueError, r"vol_factor_persistence=-0.1 must be"),
        ({"vol_factor_persistence": "0.9"}, ValueError, r"vol_factor_persistence='0.9' must"),
        ({"spillover": {("SPX", "DOGE"): 0.1}}, ValueError, r"spillover key \('SPX', 'DOGE'\)"),
        ({"spillover": {("SPX", "SPX"): 0.1}}, ValueError, "two different assets"),
        ({"spillover": {"SPX": 0.1}}, ValueError, r"spillover key 'SPX' must be a \(leader"),
        ({"spillover": {("SPX", "BTC"): np.inf}}, ValueError, r"spillover\[\('SPX', 'BTC'\)\]"),
        ({"spillover": {("SPX", "BTC"): 2.0}}, ValueError, r"spillover into 'BTC' is too strong"),
        ({"spillover": 0.5}, TypeError, "spillover must be a mapping"),
    ],
)
def test_bad_factor_and_spillover_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        simulate_market(n_days=2, freq="30min", **kwargs)


def test_oracle_bad_arguments(default_market):
    with pytest.raises(ValueError, match=r"asset 'DOGE' is not simulated here"):
        default_market.oracle("DOGE")
    with pytest.raises(TypeError, match="include_jumps must be True or False"):
        default_market.oracle_variance("SPX", include_jumps="yes")
