"""VaR backtest statistics against hand-computed values, reference loops and simulation."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from skvol.evaluation import (
    christoffersen_conditional_coverage,
    christoffersen_independence,
    kupiec_pof,
    traffic_light,
    traffic_light_series,
    var_backtest,
    var_backtest_table,
)


def _flags(x: int, n: int) -> np.ndarray:
    return np.r_[np.ones(x, dtype=bool), np.zeros(n - x, dtype=bool)]


# ---------------------------------------------------------------- Kupiec


@pytest.mark.parametrize(
    ("x", "lr", "pvalue"),
    [(7, 5.28, 0.022), (2, None, 2e-5), (1, None, 2e-6)],
)
def test_kupiec_worked_numbers_295_days(x, lr, pvalue):
    res = kupiec_pof(_flags(x, 295), level=0.95)
    if lr is not None:
        assert round(res.statistic, 2) == lr
        assert round(res.pvalue, 3) == pvalue
    else:
        assert res.pvalue == pytest.approx(pvalue, rel=0.15)
    assert res.pvalue < 0.05 and res.df == 1 and res.breaches == x and res.days == 295
    assert res.expected_breaches == pytest.approx(14.75)


def test_kupiec_hand_formula():
    # 12 breaches in 250 days at 99%: written out with math.log, independent of xlogy.
    n, x, p = 250, 12, 0.01
    pi = x / n
    lr = -2 * (
        (n - x) * math.log(1 - p) + x * math.log(p) - (n - x) * math.log(1 - pi) - x * math.log(pi)
    )
    res = kupiec_pof(_flags(x, n), level=0.99)
    assert res.statistic == pytest.approx(lr, rel=1e-12)
    assert res.pvalue == pytest.approx(math.erfc(math.sqrt(lr / 2)), rel=1e-10)  # chi2(1) tail


def test_kupiec_limits_zero_and_all_breaches():
    zero = kupiec_pof(np.zeros(100), level=0.95)
    assert zero.statistic == pytest.approx(-2 * 100 * math.log(0.95))  # 10.2587
    assert zero.statistic == pytest.approx(10.2587, abs=1e-4)
    everything = kupiec_pof(np.ones(10), level=0.95)
    assert everything.statistic == pytest.approx(-2 * 10 * math.log(0.05))
    assert np.isfinite(zero.pvalue) and np.isfinite(everything.pvalue)


def test_kupiec_exact_coverage_has_zero_statistic():
    res = kupiec_pof(_flags(5, 100), level=0.95)
    assert res.statistic == pytest.approx(0.0, abs=1e-12)
    assert res.pvalue == pytest.approx(1.0)


def test_kupiec_order_does_not_matter_and_accepts_01_numbers():
    rng = np.random.default_rng(1)
    flags = rng.random(300) < 0.07
    a = kupiec_pof(flags, 0.95)
    b = kupiec_pof(rng.permutation(flags).astype(int), 0.95)
    assert a.statistic == pytest.approx(b.statistic)


@pytest.mark.parametrize(
    ("breaches", "level", "error", "match"),
    [
        ([0, 1, 2], 0.95, ValueError, "position 2"),
        ([], 0.95, ValueError, "empty"),
        ([[0, 1]], 0.95, ValueError, "1-D"),
        (["a", "b"], 0.95, TypeError, "dtype"),
        ([0, 1], 1.0, ValueError, "level"),
        ([0, 1], 0.0, ValueError, "level"),
        ([0, 1], "0.95", TypeError, "level"),
    ],
)
def test_kupiec_bad_input(breaches, level, error, match):
    with pytest.raises(error, match=match):
        kupiec_pof(breaches, level)


# ---------------------------------------------------------------- Christoffersen


def _transition_counts_loop(flags):
    counts = {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 0}
    for prev, curr in zip(flags[:-1], flags[1:], strict=True):
        counts[(int(prev), int(curr))] += 1
    return counts


def test_christoffersen_hand_example():
    seq = [0, 0, 1, 1, 0, 0, 0, 1, 1, 0]
    res = christoffersen_independence(seq)
    assert (res.n00, res.n01, res.n10, res.n11) == (3, 2, 2, 2)
    log_null = 5 * math.log(5 / 9) + 4 * math.log(4 / 9)
    log_alt = 3 * math.log(3 / 5) + 2 * math.log(2 / 5) + 2 * math.log(1 / 2) + 2 * math.log(1 / 2)
    expected = -2 * (log_null - log_alt)
    assert res.statistic == pytest.approx(expected, rel=1e-12)
    assert res.statistic == pytest.approx(0.0900, abs=1e-4)  # worked by hand
    assert res.pvalue == pytest.approx(stats.chi2.sf(expected, 1))


def test_christoffersen_counts_match_reference_loop():
    rng = np.random.default_rng(2)
    for _ in range(20):
        flags = rng.random(rng.integers(2, 60)) < 0.3
        res = christoffersen_independence(flags)
        ref = _transition_counts_loop(flags)
        assert (res.n00, res.n01, res.n10, res.n11) == (ref[0, 0], ref[0, 1], ref[1, 0], ref[1, 1])
        assert res.n00 + res.n01 + res.n10 + res.n11 == flags.size - 1


def test_christoffersen_clustering_is_detected():
    clustered = np.r_[np.zeros(100), np.ones(5), np.zeros(100), np.ones(5), np.zeros(90)]
    spread = np.zeros(300)
    spread[::30] = 1
    assert christoffersen_independence(clustered).pvalue < 1e-6
    assert christoffersen_independence(spread).pvalue > 0.05


@pytest.mark.parametrize(
    "seq",
    [
        [0, 0, 0, 1],  # no day follows a breach: the pi11 row is empty
        [1, 0, 0, 0, 0],  # only the first day breaches: pi11 row has one calm day
        [0] * 20,  # no breach at all
        [1] * 20,  # only breaches
        [1],  # one day, no transition
    ],
)
def test_christoffersen_empty_transition_conventions(seq):
    res = christoffersen_independence(seq)
    assert res.statistic == pytest.approx(0.0, abs=1e-12)
    assert res.pvalue == pytest.approx(1.0)


def test_christoffersen_single_populated_row_hand_value():
    # [1, 1, 0, 0, 0, 0]: n11=1, n10=1, n00=3, n01=0 -> pi01=0, pi11=1/2, pi=1/5
    res = christoffersen_independence([1, 1, 0, 0, 0, 0])
    expected = -2 * (4 * math.log(4 / 5) + math.log(1 / 5) - 2 * math.log(1 / 2))
    assert res.statistic == pytest.approx(expected, rel=1e-12)


def test_conditional_coverage_is_sum_with_two_df():
    rng = np.random.default_rng(3)
    flags = rng.random(400) < 0.08
    cc = christoffersen_conditional_coverage(flags, 0.95)
    lr = kupiec_pof(flags, 0.95).statistic + christoffersen_independence(flags).statistic
    assert cc.statistic == pytest.approx(lr)
    assert cc.df == 2
    assert cc.pvalue == pytest.approx(math.exp(-lr / 2))  # chi2(2) tail in closed form


# ---------------------------------------------------------------- traffic light


def test_traffic_light_250_days_at_99():
    zones = [traffic_light(_flags(x, 250), level=0.99).zone for x in range(0, 16)]
    assert zones == ["green"] * 5 + ["yellow"] * 5 + ["red"] * 6
    res = traffic_light(_flags(0, 250))
    assert (res.green_max, res.yellow_max) == (4, 9)


def test_traffic_light_cumulative_probabilities_match_basel_table():
    # Basel (1996) Table 2 cumulative probabilities in percent, 250 days at 99%.
    basel = {0: 8.11, 1: 28.58, 2: 54.32, 3: 75.81, 4: 89.22, 5: 95.88, 9: 99.97, 10: 99.99}
    for x, pct in basel.items():
        res = traffic_light(_flags(x, 250), level=0.99)
        assert round(100 * res.cumulative_probability, 2) == pytest.approx(pct, abs=0.011)


def test_traffic_light_zone_limits_from_the_binomial_cdf():
    # Reference loop over the Binomial(250, 0.01) CDF written with math.comb.
    n, p = 250, 0.01
    cdf, green_max, yellow_max = 0.0, None, None
    for x in range(n + 1):
        cdf += math.comb(n, x) * p**x * (1 - p) ** (n - x)
        if green_max is None and cdf >= 0.95:
            green_max = x - 1
        if yellow_max is None and cdf >= 0.9999:
            yellow_max = x - 1
            break
    res = traffic_light(_flags(0, n))
    assert (res.green_max, res.yellow_max) == (green_max, yellow_max)


def test_traffic_light_judges_the_last_250_days_only():
    # 12 breaches long ago, then 3 in the last 250 days: green, on 250 days.
    flags = np.r_[np.ones(12), np.zeros(300), np.ones(3), np.zeros(247)]
    res = traffic_light(flags)
    assert (res.zone, res.breaches, res.days) == ("green", 3, 250)
    assert traffic_light(flags[:250]).zone == "red"  # the first 250 days hold the 12
    assert traffic_light(np.r_[np.zeros(250), np.ones(10)]).zone == "red"


@pytest.mark.parametrize(
    ("flags", "level", "match"),
    [
        (np.zeros(250), 0.95, "99% VaR only"),
        (np.zeros(250), 0.975, "99% VaR only"),
        (np.zeros(249), 0.99, "last 250 days; got only 249"),
    ],
)
def test_traffic_light_refuses_what_basel_does_not_define(flags, level, match):
    with pytest.raises(ValueError, match=match):
        traffic_light(flags, level)
    with pytest.raises(ValueError, match=match):
        traffic_light_series(flags, level)


def test_traffic_light_series_counts_every_250_day_window():
    rng = np.random.default_rng(5)
    days = pd.bdate_range("2010-01-01", periods=600)
    rate = np.r_[np.full(300, 0.005), np.full(300, 0.04)]  # a calm year, then a bad one
    flags = pd.Series(rng.random(600) < rate, index=days)
    out = traffic_light_series(flags)
    assert out.index.equals(days[249:])
    # reference: a plain loop over the windows
    counts = [int(flags.iloc[t - 249 : t + 1].sum()) for t in range(249, 600)]
    assert out["breaches"].tolist() == counts
    zones = ["green" if c <= 4 else "yellow" if c <= 9 else "red" for c in counts]
    assert out["zone"].tolist() == zones
    assert out["zone"].iloc[-1] == traffic_light(flags.to_numpy()).zone
    assert len(set(zones)) > 1  # the sequence moves through several zones
    positions = traffic_light_series(flags.to_numpy())
    assert positions.index.tolist() == list(range(249, 600))


def test_var_backtest_shows_a_zone_only_for_99_percent_over_250_days():
    rng = np.random.default_rng(2)
    y = rng.standard_normal(400)
    q99 = np.full(400, 2.326)
    full = var_backtest(y, q99, 0.99)
    assert full.traffic_light == traffic_light(full.breaches[-250:])
    assert full.traffic_light.days == 250
    assert full.zone == full.traffic_light.zone
    assert var_backtest(y, np.full(400, 1.645), 0.95).traffic_light is None
    assert var_backtest(y[:249], q99[:249], 0.99).traffic_light is None
    table = var_backtest_table(
        {
            "99%": full,
            "95%": var_backtest(y, np.full(400, 1.645), 0.95),
            "short": var_backtest(y[:200], q99[:200], 0.99),
        }
    )
    assert table["Traffic light"].tolist() == [full.zone, "n/a", "n/a"]


# ---------------------------------------------------------------- simulation under the null


def test_kupiec_exact_size_by_enumeration():
    """Exact rejection probability of the asymptotic test under Binomial(1000, 0.05).

    Summing the binomial pmf over the counts it rejects (no simulation): the size is
    within 0.015 of the nominal 1%, 5% and 10% (discreteness moves it a little).
    """
    n = 1000
    x = np.arange(n + 1)
    pvalues = np.array([kupiec_pof(_flags(k, n), 0.95).pvalue for k in x])
    pmf = stats.binom.pmf(x, n, 0.05)
    for size in (0.01, 0.05, 0.10):
        assert abs(pmf[pvalues < size].sum() - size) < 0.015


def test_pvalues_roughly_uniform_under_the_null():
    """Calibrated Bernoulli(0.05) breaches: 1000 sequences of 1000 days, seed 7.

    Stated tolerances. The tests are asymptotic and the counts discrete, so: the
    Kolmogorov-Smirnov distance of the p-values from U(0, 1) is below 0.08 for all three
    tests; the rejection rate at 5% is within 0.025 of 5% for Kupiec and conditional
    coverage, and in [0.02, 0.09] for the independence test, whose chi2(1) approximation
    is the roughest (few n11 transitions). A miscalibrated model (10% breaches) is rejected
    by Kupiec in more than 90% of the sequences.
    """
    rng = np.random.default_rng(7)
    sims = rng.random((1000, 1000)) < 0.05
    kup = np.array([kupiec_pof(s, 0.95).pvalue for s in sims])
    ind = np.array([christoffersen_independence(s).pvalue for s in sims])
    cc = np.array([christoffersen_conditional_coverage(s, 0.95).pvalue for s in sims])
    for pvalues in (kup, ind, cc):
        assert stats.kstest(pvalues, "uniform").statistic < 0.08
    assert abs(np.mean(kup < 0.05) - 0.05) < 0.025
    assert abs(np.mean(cc < 0.05) - 0.05) < 0.025
    assert 0.02 <= np.mean(ind < 0.05) <= 0.09
    wrong = rng.random((200, 1000)) < 0.10
    assert np.mean([kupiec_pof(s, 0.95).pvalue < 0.05 for s in wrong]) > 0.9


# ---------------------------------------------------------------- var_backtest and the table


def test_var_backtest_verdicts_and_counts():
    var = np.ones(295)
    few = var_backtest(np.r_[np.full(7, 2.0), np.zeros(288)], var, level=0.95)
    assert few.verdict == "overestimates risk"
    assert (few.days, few.actual_breaches) == (295, 7)
    assert few.expected_breaches == pytest.approx(14.75)
    assert few.breach_rate == pytest.approx(7 / 295)
    assert few.kupiec.statistic == pytest.approx(5.278, abs=1e-3)
    many = var_backtest(np.r_[np.full(30, 2.0), np.zeros(265)], var, level=0.95)
    assert many.verdict == "underestimates risk"
    right = var_backtest(np.r_[np.full(15, 2.0), np.zeros(280)], var, level=0.95)
    assert right.verdict == "calibrated"
    assert right.traffic_light is None  # a 95% VaR: the Basel zones do not apply


def test_var_backtest_sides_and_ties():
    y = np.array([-2.0, 0.0, 1.0, 3.0])
    var = np.array([-1.0, 0.0, 0.0, 3.0])
    upper = var_backtest(y, var, 0.95, side="upper")
    lower = var_backtest(y, var, 0.95, side="lower")
    assert upper.breaches.tolist() == [False, False, True, False]  # equality is no breach
    assert lower.breaches.tolist() == [True, False, False, False]


def test_var_backtest_accepts_series_and_checks_input():
    idx = pd.bdate_range("2017-01-02", periods=5)
    y = pd.Series([0.0, 1.0, 2.0, 3.0, 4.0], index=idx)
    assert var_backtest(y, pd.Series(2.5, index=idx), 0.9).actual_breaches == 2
    with pytest.raises(ValueError, match="y_true holds a non-finite value .* position 1"):
        var_backtest([0.0, np.nan], [1.0, 1.0], 0.95)
    with pytest.raises(ValueError, match="var holds a non-finite value"):
        var_backtest([0.0, 0.0], [1.0, np.inf], 0.95)
    with pytest.raises(ValueError, match="3 days but var has 2"):
        var_backtest([0.0, 0.0, 0.0], [1.0, 1.0], 0.95)
    with pytest.raises(ValueError, match="different indexes"):
        var_backtest(y, pd.Series(2.5, index=idx + pd.Timedelta(days=1)), 0.9)
    with pytest.raises(ValueError, match="side"):
        var_backtest([0.0], [1.0], 0.95, side="both")


def test_var_backtest_table_layout():
    var = np.ones(295)
    results = {
        "BTC": var_backtest(np.r_[np.full(7, 2.0), np.zeros(288)], var, 0.95),
        "SPX": var_backtest(np.r_[np.full(15, 2.0), np.zeros(280)], var, 0.95),
    }
    table = var_backtest_table(results)
    assert table.columns.tolist() == [
        "Asset",
        "Total Days",
        "Expected Breaches",
        "Actual Breaches",
        "Breach Rate",
        "Result",
        "Kupiec p",
        "Christoffersen ind p",
        "CC p",
        "Traffic light",
    ]
    assert table["Asset"].tolist() == ["BTC", "SPX"]
    assert table["Actual Breaches"].tolist() == [7, 15]
    assert table["Result"].tolist() == ["overestimates risk", "calibrated"]
    assert table.loc[0, "Kupiec p"] == pytest.approx(results["BTC"].kupiec.pvalue)
    with pytest.raises(TypeError, match="results\\['x'\\]"):
        var_backtest_table({"x": 1})


def test_results_are_frozen_with_readable_repr():
    res = var_backtest(np.r_[np.full(7, 2.0), np.zeros(288)], np.ones(295), 0.95)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.days = 3
    text = repr(res)
    assert "actual=7" in text and "verdict='overestimates risk'" in text
    assert "pvalue=0.0216" in repr(res.kupiec)
    assert "n00=" in repr(res.independence)
    assert res.traffic_light is None and "zone=None" in text
    basel = var_backtest(np.r_[np.full(3, 2.0), np.zeros(297)], np.ones(300), 0.99)
    assert "green 0-4, yellow 5-9, red 10+" in repr(basel.traffic_light)
