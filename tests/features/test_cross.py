"""Correlations and HAR averages: references, walk-forward invariant, rows without dates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline, make_union

from skvol.features import (
    HARFeatures,
    RealizedCorrelation,
    RealizedVariance,
    RollingCorrelation,
)
from skvol.features import _kernels as K


def make_panel(n_days=80, seed=0):
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2016-01-04", periods=n_days, freq="D", name="date")
    common = rng.normal(size=(n_days, 4))
    cols = {}
    for asset, load in (("BTC", 0.3), ("EURUSD", 0.6), ("SPX", 0.9)):
        x = (load * common + math.sqrt(1 - load**2) * rng.normal(size=(n_days, 4))) * 0.002
        x[rng.random(x.shape) < 0.1] = np.nan
        for j, b in enumerate(("0001", "0002", "0003", "0004")):
            cols[f"{asset}__{b}"] = x[:, j]
    panel = pd.DataFrame(cols, index=dates)
    panel.iloc[10, 8:] = np.nan  # SPX has no observation that day
    return panel


def daily_returns(panel, asset):
    x = panel.filter(like=f"{asset}__").to_numpy()
    return np.array([np.nan if np.isnan(d).all() else np.nansum(d) for d in x])


def ref_rolling_corr(x, y, window, min_periods):
    out = []
    for t in range(len(x)):
        lo = max(0, t - window + 1)
        pairs = [
            (a, b)
            for a, b in zip(x[lo : t + 1], y[lo : t + 1], strict=True)
            if not (np.isnan(a) or np.isnan(b))
        ]
        if len(pairs) < min_periods:
            out.append(np.nan)
            continue
        a, b = np.array(pairs).T
        out.append(np.corrcoef(a, b)[0, 1])
    return np.array(out)


def test_rolling_correlation_matches_reference_and_names():
    panel = make_panel()
    est = RollingCorrelation(window=20, min_periods=10).set_output(transform="pandas")
    out = est.fit_transform(panel)
    assert list(out.columns) == ["BTC_EURUSD__corr20", "BTC_SPX__corr20", "EURUSD_SPX__corr20"]
    assert out.index.equals(panel.index)
    for a, b in (("BTC", "SPX"), ("EURUSD", "SPX")):
        ref = ref_rolling_corr(daily_returns(panel, a), daily_returns(panel, b), 20, 10)
        np.testing.assert_allclose(out[f"{a}_{b}__corr20"], ref, rtol=1e-10, equal_nan=True)
    assert out.iloc[:9].isna().all().all() and out.iloc[9:].notna().all().all()


def test_rolling_correlation_default_min_periods_is_the_window():
    panel = make_panel()
    out = RollingCorrelation(window=5, pairs=[("SPX", "BTC")]).fit_transform(panel)[:, 0]
    ref = ref_rolling_corr(daily_returns(panel, "SPX"), daily_returns(panel, "BTC"), 5, 5)
    np.testing.assert_allclose(out, ref, rtol=1e-10, equal_nan=True)
    assert np.isnan(out[10:15]).all()  # SPX missing on day 10: five windows lack a pair


@pytest.mark.parametrize("k", [1, 7, 25, 60])
@pytest.mark.parametrize(
    "est",
    [
        RollingCorrelation(window=20, min_periods=5),
        HARFeatures(),
        HARFeatures(log=True, min_periods=3),
    ],
    ids=["corr", "har", "loghar"],
)
def test_walk_forward_invariant(est, k):
    panel = make_panel()
    X = panel if isinstance(est, RollingCorrelation) else panel.abs()
    fitted = est.fit(X.iloc[:k])
    fold = fitted.transform(X.iloc[k:])
    full = fitted.transform(X)
    np.testing.assert_array_equal(fold, full[k:])
    # and the fold equals the transform of everything fitted at once
    np.testing.assert_array_equal(fold, est.fit(X).transform(X)[k:])


def test_walk_forward_invariant_through_a_pipeline():
    panel = make_panel()
    pipe = make_pipeline(
        make_union(RealizedVariance(), RollingCorrelation(window=10)), HARFeatures()
    ).set_output(transform="pandas")
    k = 50
    fold = pipe.fit(panel.iloc[:k]).transform(panel.iloc[k:])
    full = pipe.transform(panel)
    assert fold.index.equals(panel.index[k:])
    np.testing.assert_array_equal(fold.to_numpy(), full.iloc[k:].to_numpy())
    assert fold.notna().all().all()  # the carried history fills every window of the fold


def ref_har(x, w, min_periods):
    out = []
    for t in range(len(x)):
        vals = [v for v in x[max(0, t - w + 1) : t + 1] if not np.isnan(v)]
        out.append(np.mean(vals) if len(vals) >= min_periods and t + 1 >= 1 else np.nan)
    return np.array(out)


def test_har_features_match_reference():
    panel = make_panel().abs()
    X = panel[["BTC__0001", "SPX__0002"]]
    est = HARFeatures(windows=(1, 5, 22)).set_output(transform="pandas")
    out = est.fit_transform(X)
    assert list(out.columns) == [
        "BTC__0001_har1", "BTC__0001_har5", "BTC__0001_har22",
        "SPX__0002_har1", "SPX__0002_har5", "SPX__0002_har22",
    ]  # fmt: skip
    for col in X.columns:
        for w in (1, 5, 22):
            x = X[col].to_numpy()
            full = [np.mean(x[t - w + 1 : t + 1]) if t >= w - 1 else np.nan for t in range(len(x))]
            np.testing.assert_allclose(out[f"{col}_har{w}"], full, rtol=1e-12, equal_nan=True)
    lenient = HARFeatures(windows=(5,), min_periods=2, log=True).fit_transform(X)[:, 0]
    np.testing.assert_allclose(
        lenient, np.log(ref_har(X["BTC__0001"].to_numpy(), 5, 2)), rtol=1e-12, equal_nan=True
    )


@pytest.mark.parametrize("windows", [(1, 1), (0, 5), (2.5,), ()])
def test_har_windows_are_validated(windows):
    with pytest.raises(ValueError, match="distinct positive integers"):
        HARFeatures(windows=windows).fit(np.ones((3, 1)))


def test_har_log_of_non_positive_average_is_nan():
    X = np.array([[1.0], [0.0], [-1.0], [2.0]])
    out = HARFeatures(windows=(1, 2), log=True).fit_transform(
        pd.DataFrame(X, index=pd.date_range("2017-01-01", periods=4, name="date"))
    )
    np.testing.assert_allclose(out[:, 0], [0.0, np.nan, np.nan, np.log(2.0)], equal_nan=True)
    np.testing.assert_allclose(
        out[:, 1], [np.nan, np.log(0.5), np.nan, np.log(0.5)], equal_nan=True
    )


def test_rows_without_dates_stand_alone():
    """An undated block uses its own earlier rows only: not the fitted rows, not later rows."""
    x = np.arange(1.0, 11.0).reshape(-1, 1)
    est = HARFeatures(windows=(1, 5), min_periods=1)
    out = est.fit_transform(x)
    # row 0's weekly average is row 0 alone (was 7.0: rows 6-9 of the fit plus row 0)
    np.testing.assert_allclose(out[:, 1], [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    fitted = HARFeatures(windows=(1, 3)).fit(x)
    np.testing.assert_allclose(fitted.transform(np.array([[7.0], [8.0], [9.0]]))[2], [9.0, 8.0])
    assert np.isnan(fitted.transform(np.array([[7.0]]))[0, 1])


def test_ndarray_columns_are_assets_for_rolling_correlation():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    est = RollingCorrelation(window=5).fit(X)
    assert list(est.get_feature_names_out()) == ["x0_x1__corr5", "x0_x2__corr5", "x1_x2__corr5"]
    with pytest.raises(ValueError, match=r"at least two assets; X has 1 feature\(s\)"):
        RollingCorrelation().fit(X[:, :1])


def test_pairs_are_validated():
    panel = make_panel()
    with pytest.raises(ValueError, match="'ETH', which is not in X"):
        RollingCorrelation(pairs=[("BTC", "ETH")]).fit(panel)
    with pytest.raises(ValueError, match="two distinct asset names"):
        RealizedCorrelation(pairs=[("BTC", "BTC")]).fit(panel)


def test_realized_correlation_matches_kernel_and_aligns_bins_by_label():
    panel = make_panel()
    est = RealizedCorrelation(pairs=[("SPX", "BTC")]).set_output(transform="pandas")
    out = est.fit_transform(panel)
    assert list(out.columns) == ["SPX_BTC__rcorr"]
    spx, btc = panel.filter(like="SPX__").to_numpy(), panel.filter(like="BTC__").to_numpy()
    np.testing.assert_allclose(out.iloc[:, 0], K.realized_correlation(spx, btc), equal_nan=True)
    # reordering the columns does not matter: bins are matched by label
    shuffled = panel[panel.columns[::-1]]
    np.testing.assert_allclose(
        est.fit_transform(shuffled).iloc[:, 0], out.iloc[:, 0], equal_nan=True
    )
    disjoint = pd.DataFrame({"A__0001": [0.1], "B__0002": [0.1]})
    with pytest.raises(ValueError, match="share no bin label"):
        RealizedCorrelation().fit(disjoint)


def test_realized_correlation_refuses_pairs_on_different_session_clocks():
    from skvol.data import Session, intraday_panel

    rng = np.random.default_rng(3)
    stamps = pd.date_range("2017-03-06", "2017-03-09", freq="1min", tz="UTC", name="timestamp")
    close = 100 * np.exp(np.cumsum(rng.normal(scale=1e-3, size=len(stamps))))
    bars = pd.DataFrame({"close": close}, index=stamps)
    same = {"BTC": bars, "SPX": bars}  # the same prices: simultaneous bins correlate to 1
    shared = intraday_panel(same, freq="5min", session="us_equity")
    out = RealizedCorrelation().fit_transform(shared)
    np.testing.assert_allclose(out, 1.0, rtol=1e-12)
    # BTC__1000 is 10:00 UTC on "24h", SPX__1000 is 10:00 New York on "us_equity"
    mixed = intraday_panel(same, freq="5min", session={"BTC": "24h", "SPX": "us_equity"})
    with pytest.raises(ValueError, match=r"'BTC' \(00:00-24:00 UTC\) and 'SPX' \(09:30-16:00"):
        RealizedCorrelation().fit(mixed)
    # same zone, but "2000" ends 20:00 the day before on the fx roll and 20:00 the day itself
    ny_day = Session("00:00", "24:00", "America/New_York", (0, 1, 2, 3, 4))
    overnight = intraday_panel(same, freq="5min", session={"BTC": ny_day, "SPX": "fx"})
    with pytest.raises(ValueError, match="different session clocks"):
        RealizedCorrelation().fit(overnight)
    # a column subset (as ColumnTransformer passes) keeps the sessions and the check
    with pytest.raises(ValueError, match="different session clocks"):
        RealizedCorrelation().fit(mixed.iloc[:, ::2])


@pytest.mark.parametrize("est", [RollingCorrelation(window=5), HARFeatures()], ids=["corr", "har"])
def test_unsorted_or_repeated_dates_are_refused(est):
    panel = make_panel(n_days=30)
    shuffled = panel.iloc[[0, 1, 3, 2, *range(4, 30)]]
    with pytest.raises(ValueError, match=r"strictly increasing.*row 3 \(2016-01-06"):
        est.fit(shuffled)
    fitted = est.fit(panel.iloc[:20])
    repeated = panel.iloc[[20, 21, 21, 22]]
    with pytest.raises(
        ValueError, match=r"row 2 \(2016-01-25 00:00:00\) does not come after row 1"
    ):
        fitted.transform(repeated)
