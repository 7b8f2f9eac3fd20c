"""A simulated market: jump-diffusion minute bars with exact daily ground truth.

Each asset's log price follows, in trading time,

.. math:: d\\log p_t = \\sigma_t\\, dW_t + dJ_t,

a stochastic-volatility jump-diffusion (Andersen, Bollerslev and Diebold 2007, "Roughing
it up", eq. 1): the Brownian part has a daily variance that follows a log-AR(1) across
the asset's session dates, spread over the session by a deterministic intraday pattern;
the Brownian parts of the assets are correlated with a correlation that changes every UTC
day; the jump part is compound Poisson with asset-specific intensity and Gaussian sizes.
See ``docs/panel.md`` for the model, its parameters and the ground truth.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy.signal import lfilter
from scipy.special import expit

from skvol.data._sessions import NS_PER_DAY, get_session

__all__ = ["AssetModel", "RegimeShift", "SimulatedMarket", "simulate_market"]

START_DATE = pd.Timestamp("2010-01-04")
"""First simulated session date (a Monday). ``n_days`` business days follow it."""


@dataclass(frozen=True)
class AssetModel:
    """Parameters of one simulated asset (daily units: variances are per session).

    Parameters
    ----------
    session : str
        Named session the asset trades in (``"24h"``, ``"fx"`` or ``"us_equity"``).
    mean_variance : float
        Stationary mean ``E[exp(h)]`` of the daily diffusive variance outside a regime
        shift, in squared log returns per session.
    persistence : float
        AR(1) coefficient ``phi`` of the daily log variance ``h``.
    log_variance_std : float
        Stationary standard deviation ``s`` of ``h``; the innovations have standard
        deviation ``s * sqrt(1 - phi**2)`` and ``E[h] = log(mean_variance) - s**2 / 2``.
    jump_intensity : float
        Expected number of jumps per session (Poisson), outside a regime shift.
    jump_mean, jump_std : float
        Mean and standard deviation of the Gaussian log jump sizes.
    loading : float
        Loading on the common Brownian factor: the correlation of two assets' Brownian
        increments on a UTC day is ``loading_a * loading_b * rho_day``.
    overnight_ratio : float
        Outside its session the price still diffuses (the overnight and weekend gap),
        with a per-step variance of ``overnight_ratio * mean_variance * freq / length``.
    initial_price : float
        Price at the first grid point.
    pattern : str
        Intraday volatility pattern: ``"crypto"`` (mild daily cycle peaking at 15:00 UTC),
        ``"fx"`` (London and New York hours busier than Asian hours) or ``"u_shape"``
        (high at the open, low at midday, raised at the close).
    """

    session: str
    mean_variance: float
    persistence: float
    log_variance_std: float
    jump_intensity: float
    jump_mean: float
    jump_std: float
    loading: float
    overnight_ratio: float
    initial_price: float
    pattern: str

    @property
    def mean_log_variance(self) -> float:
        """Stationary mean ``mu`` of the daily log variance."""
        return math.log(self.mean_variance) - 0.5 * self.log_variance_std**2


ASSET_MODELS: Mapping[str, AssetModel] = MappingProxyType(
    {
        "BTC": AssetModel(
            session="24h",
            mean_variance=0.03**2,
            persistence=0.97,
            log_variance_std=0.6,
            jump_intensity=0.3,
            jump_mean=0.0,
            jump_std=0.02,
            loading=0.5,
            overnight_ratio=0.1,
            initial_price=400.0,
            pattern="crypto",
        ),
        "EURUSD": AssetModel(
            session="fx",
            mean_variance=0.005**2,
            persistence=0.95,
            log_variance_std=0.4,
            jump_intensity=0.1,
            jump_mean=0.0,
            jump_std=0.003,
            loading=0.7,
            overnight_ratio=0.1,
            initial_price=1.3,
            pattern="fx",
        ),
        "SPX": AssetModel(
            session="us_equity",
            mean_variance=0.009**2,
            persistence=0.97,
            log_variance_std=0.5,
            jump_intensity=0.15,
            jump_mean=-0.002,
            jump_std=0.006,
            loading=1.0,
            overnight_ratio=0.1,
            initial_price=1100.0,
            pattern="u_shape",
        ),
    }
)
"""Default model of each asset ``simulate_market`` knows. Daily volatilities (diffusion
and jumps together) are about 3.2% for BTC, 0.5% for EUR/USD and 1% for the S&P 500 open
to close, outside the regime shift."""

CORRELATION = MappingProxyType(
    {"max": 0.9, "mean_logit": math.log(0.5), "persistence": 0.98, "logit_std": 0.5}
)
"""Common correlation ``rho_day = max * expit(z_day)`` with ``z`` an AR(1) over UTC days
(stationary mean ``mean_logit`` and standard deviation ``logit_std``)."""


@dataclass(frozen=True)
class RegimeShift:
    """A stretch of much higher volatility and jump intensity (like 2017 for BTC).

    Parameters
    ----------
    start, end : float, default=0.7, 0.85
        Where the stretch starts and ends, as fractions of the simulated span of
        business days; it covers every session date from business day
        ``int(start * n_days)`` to business day ``int(end * n_days) - 1`` inclusive, and
        the weekend dates between them.
    vol_multiplier : float, default=2.0
        Factor on the diffusive volatility (the daily variance is multiplied by its square).
    jump_multiplier : float, default=3.0
        Factor on the jump intensity.
    assets : tuple of str or None, default=None
        Assets affected; None for all simulated assets.
    """

    start: float = 0.7
    end: float = 0.85
    vol_multiplier: float = 2.0
    jump_multiplier: float = 3.0
    assets: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SimulatedMarket:
    """The output of :func:`simulate_market`.

    Attributes
    ----------
    bars : dict of str to DataFrame
        Per asset, bars in :func:`skvol.data.read_bars` form: a UTC ``DatetimeIndex``
        named ``timestamp`` marking each bar's END, float64 ``open, high, low, close``.
        Every grid point of every session is present, including the session's opening
        price (the bar stamped at the session start).
    truth : dict of str to DataFrame
        Per asset, one row per session date (index ``date``): ``integrated_variance`` (the
        diffusive variance from the session's opening price to its last price, i.e.
        ``sum`` of the per-step variances), ``n_jumps``, ``jump_variation`` (sum of
        squared jump sizes), ``daily_return`` (``log(last close / opening close)``,
        exactly what the panel's row sums to) and ``regime`` (True inside the regime
        shift). So ``RV = integrated_variance + jump_variation + noise`` without bias.
    correlation : DataFrame
        Per UTC date (index ``date``), the correlation of each pair's Brownian
        increments, columns ``"<a>_<b>"``; constant within a UTC day.
    jumps : dict of str to DataFrame
        Per asset, every jump: index ``timestamp`` (end of the step it falls in),
        columns ``size`` and ``date`` (its session date).
    spot_variance : dict of str to Series
        Per asset and bar, the variance of the Brownian log-price increment over the
        step that ends at the bar (same index as ``bars``).
    params : dict
        The parameters used: ``"assets"`` (name -> :class:`AssetModel` as a dict),
        ``"correlation"``, ``"regime_shift"`` (dict or None), ``"start"``, ``"freq"``,
        ``"seed_entropy"`` (pass it as ``seed`` to reproduce a ``seed=None`` run).
    """

    bars: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    correlation: pd.DataFrame
    jumps: dict[str, pd.DataFrame]
    spot_variance: dict[str, pd.Series]
    params: dict = field(repr=False)

    @property
    def sessions(self) -> dict[str, str]:
        """The session of each asset, ready for ``intraday_panel(session=...)``."""
        return {name: p["session"] for name, p in self.params["assets"].items()}

    def panel(
        self, freq: str | pd.Timedelta = "5min", how: str = "inner", min_coverage: float = 0.8
    ) -> pd.DataFrame:
        """The intraday panel of the simulated bars, each asset on its own session.

        Parameters
        ----------
        freq, how, min_coverage
            As in :func:`skvol.data.intraday_panel`.

        Returns
        -------
        DataFrame
            ``intraday_panel(self.bars, freq, session=self.sessions, how=how, ...)``.
        """
        from skvol.data._panel import intraday_panel

        return intraday_panel(
            self.bars, freq=freq, session=self.sessions, how=how, min_coverage=min_coverage
        )


def _pattern(name: str, u: np.ndarray) -> np.ndarray:
    """Intraday volatility pattern (relative variance) at session fraction ``u`` in (0, 1)."""
    if name == "crypto":
        return 1.0 + 0.3 * np.cos(2.0 * np.pi * (u - 15.0 / 24.0))
    if name == "fx":
        hours = 24.0 * u  # hours since 17:00 New York
        return (
            0.5
            + 1.0 * np.exp(-(((hours - 17.0) / 3.0) ** 2))
            + 0.6 * np.exp(-(((hours - 11.0) / 2.5) ** 2))
        )
    if name == "u_shape":
        return 0.7 + 2.0 * np.exp(-u / 0.06) + 0.8 * np.exp(-(1.0 - u) / 0.06)
    raise ValueError(f"unknown intraday pattern {name!r}; use 'crypto', 'fx' or 'u_shape'")


def simulate_market(
    n_days: int = 1000,
    assets: Sequence[str] = ("BTC", "EURUSD", "SPX"),
    freq: str | pd.Timedelta = "1min",
    regime_shift: RegimeShift | None = RegimeShift(),  # noqa: B008 (frozen, immutable)
    seed: int | None = None,
) -> SimulatedMarket:
    """Simulate minute bars of several assets from a jump-diffusion, with daily ground truth.

    The calendar is fixed: ``n_days`` business days from Monday 2010-01-04 (the default
    1000 days end on 2013-10-18). BTC trades every calendar day in that span (session
    ``"24h"``), EUR/USD and the S&P 500 on business days (sessions ``"fx"`` and
    ``"us_equity"``; no holidays). On a UTC grid of step ``freq`` each asset's log
    price moves by

    ``sqrt(v_t) * (loading * sqrt(rho_day) * F_t + sqrt(1 - loading**2 * rho_day) * E_t) + J_t``

    with ``F`` (common) and ``E`` (own) independent standard normals, so two assets'
    Brownian increments have correlation ``loading_a * loading_b * rho_day``; ``rho_day``
    is ``0.9 * expit(z)`` with ``z`` an AR(1) over UTC days. Inside a session,
    ``v_t = exp(h_d) * w(u_t) / sum_session(w)``, where ``h_d`` is the log-AR(1) daily
    variance of the session date and ``w`` the intraday pattern at the step's midpoint
    ``u_t`` (fraction of the session), so the session's integrated variance is exactly
    ``exp(h_d)``; outside a session ``v_t`` is small and constant (overnight gaps). Jumps:
    ``Poisson(lambda_d)`` per session, each at a uniformly drawn step of the session,
    sizes ``N(jump_mean, jump_std**2)``. Highs and lows are drawn from the exact
    distributions of the maximum and of the minimum of a Brownian bridge over each step
    (each exact on its own; the two are drawn independently).

    Parameters
    ----------
    n_days : int, default=1000
        Number of business days (the session dates the assets share).
    assets : sequence of str, default=("BTC", "EURUSD", "SPX")
        Assets to simulate, among those in ``ASSET_MODELS``.
    freq : str or pandas.Timedelta, default="1min"
        Bar width, a whole number of minutes dividing every session's length (and 30
        minutes, so that sessions start on the grid).
    regime_shift : RegimeShift or None, default=RegimeShift()
        The high-volatility stretch (by default the business days from 70% to 85% of the
        span, all assets, volatility x2 and jump intensity x3). None turns it off.
    seed : int or None, default=None
        Seed of numpy's ``SeedSequence``; the same seed gives the same numbers. Each
        asset draws from its own stream, so an asset's path does not depend on which
        other assets are simulated.

    Returns
    -------
    SimulatedMarket
        Bars, daily truth, correlations, jumps, spot variances and parameters.

    Examples
    --------
    >>> from skvol.data import simulate_market
    >>> market = simulate_market(n_days=5, freq="5min", seed=0)
    >>> sorted(market.bars)
    ['BTC', 'EURUSD', 'SPX']
    >>> market.truth["SPX"].shape
    (5, 5)
    >>> market.panel(freq="30min").shape
    (5, 109)
    """
    n_days = _check_n_days(n_days)
    assets = _check_assets(assets)
    step = _check_freq(freq, assets)
    regime = _check_regime(regime_shift, assets)
    seed_seq = np.random.SeedSequence(seed)
    common = np.random.default_rng(np.random.SeedSequence(seed_seq.entropy, spawn_key=(0,)))
    streams = {
        name: np.random.default_rng(np.random.SeedSequence(seed_seq.entropy, spawn_key=(i + 1,)))
        for i, name in enumerate(ASSET_MODELS)
    }

    business = pd.bdate_range(START_DATE, periods=n_days)
    first_code = business[0].value // NS_PER_DAY
    last_code = business[-1].value // NS_PER_DAY
    n_steps = (last_code - first_code + 2) * NS_PER_DAY // step.value
    grid = (first_code - 1) * NS_PER_DAY + step.value * np.arange(n_steps + 1, dtype=np.int64)
    utc_day = (grid - step.value) // NS_PER_DAY
    utc_day -= utc_day[0]
    n_utc_days = int(utc_day[-1]) + 1
    corr = CORRELATION
    z = corr["mean_logit"] + _ar1(common, n_utc_days, corr["persistence"], corr["logit_std"])
    rho_day = corr["max"] * expit(z)
    factor = common.standard_normal(grid.size)
    rho = rho_day[utc_day]

    if regime is None:
        regime_lo = regime_hi = None
    else:
        regime_lo = business[int(regime.start * n_days)].value // NS_PER_DAY
        regime_hi = business[max(int(regime.end * n_days) - 1, 0)].value // NS_PER_DAY

    bars, truth, jumps, spot = {}, {}, {}, {}
    for name in assets:  # a handful of assets; everything inside is vectorised
        model = ASSET_MODELS[name]
        rng = streams[name]
        shifted = regime is not None and (regime.assets is None or name in regime.assets)
        out = _simulate_asset(
            model,
            rng,
            grid,
            step,
            first_code,
            last_code,
            factor,
            rho,
            (regime_lo, regime_hi, regime) if shifted else None,
        )
        bars[name], truth[name], jumps[name], spot[name] = out

    utc_dates = pd.DatetimeIndex(
        ((grid[0] - step.value) // NS_PER_DAY + np.arange(n_utc_days)) * NS_PER_DAY,
        name="date",
    ).as_unit("ns")
    pairs = {
        f"{a}_{b}": ASSET_MODELS[a].loading * ASSET_MODELS[b].loading * rho_day
        for i, a in enumerate(assets)
        for b in assets[i + 1 :]
    }
    correlation = pd.DataFrame(pairs, index=utc_dates, dtype=np.float64)
    params = {
        "assets": {name: asdict(ASSET_MODELS[name]) for name in assets},
        "correlation": dict(CORRELATION),
        "regime_shift": None if regime is None else asdict(regime),
        "start": START_DATE,
        "freq": step,
        "seed_entropy": seed_seq.entropy,
    }
    return SimulatedMarket(bars, truth, correlation, jumps, spot, params)


def _ar1(rng: np.random.Generator, n: int, phi: float, std: float) -> np.ndarray:
    """A stationary zero-mean AR(1) path with coefficient ``phi`` and marginal std ``std``."""
    eps = rng.standard_normal(n)
    shocks = std * np.sqrt(1.0 - phi**2) * eps
    shocks[0] = std * eps[0]
    return lfilter([1.0], [1.0, -phi], shocks)


def _simulate_asset(
    model: AssetModel,
    rng: np.random.Generator,
    grid: np.ndarray,
    step: pd.Timedelta,
    first_code: int,
    last_code: int,
    factor: np.ndarray,
    rho: np.ndarray,
    regime: tuple | None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Series]:
    session = get_session(model.session)
    where = session.locate(grid)
    in_bin = where.in_session & (where.day >= first_code) & (where.day <= last_code)
    # The first "24h" session starts at a midnight that would end an unsimulated
    # session: no bar there, the first day's first price is its first in-session bar.
    opening = (
        where.is_open
        & (where.open_day >= first_code)
        & (where.open_day <= last_code)
        & ~(where.in_session & ~in_bin)
    )
    bin_points = np.flatnonzero(in_bin)
    bin_day = where.day[bin_points]
    days = np.unique(bin_day)
    n_days = days.size
    day_of_bin = np.searchsorted(days, bin_day)
    points_per_day = np.bincount(day_of_bin, minlength=n_days)
    day_start = np.concatenate(([0], np.cumsum(points_per_day)[:-1]))
    open_points = np.flatnonzero(opening)
    open_row = np.searchsorted(days, where.open_day[open_points])
    has_open = np.zeros(n_days, dtype=bool)
    has_open[open_row] = True
    # Steps the session observes: all of them after its first price.
    covered = np.ones(bin_points.size, dtype=bool)
    covered[day_start[~has_open]] = False
    first_price_point = bin_points[day_start]
    first_price_point[open_row] = open_points

    h = model.mean_log_variance + _ar1(rng, n_days, model.persistence, model.log_variance_std)
    intensity = np.full(n_days, model.jump_intensity)
    in_regime = np.zeros(n_days, dtype=bool)
    if regime is not None:
        lo, hi, spec = regime
        in_regime = (days >= lo) & (days <= hi)
        h[in_regime] += 2.0 * math.log(spec.vol_multiplier)
        intensity[in_regime] *= spec.jump_multiplier

    length_ns = session.length.value
    u = (where.offset[bin_points] - 0.5 * step.value) / length_ns
    weight = np.where(covered, _pattern(model.pattern, u), 0.0)
    weight_sum = np.bincount(day_of_bin, weights=weight, minlength=n_days)
    v_bin = np.exp(h)[day_of_bin] * weight / weight_sum[day_of_bin]
    variance = np.full(
        grid.size, model.overnight_ratio * model.mean_variance * step.value / length_ns
    )
    variance[bin_points[covered]] = v_bin[covered]

    own = rng.standard_normal(grid.size)
    increments = np.sqrt(variance) * (
        model.loading * np.sqrt(rho) * factor + np.sqrt(1.0 - model.loading**2 * rho) * own
    )

    n_jumps = rng.poisson(intensity)
    jump_day = np.repeat(np.arange(n_days), n_jumps)
    n_covered = points_per_day - ~has_open
    first_covered = day_start + ~has_open
    pick = first_covered[jump_day] + (rng.random(jump_day.size) * n_covered[jump_day]).astype(
        np.int64
    )
    jump_at = bin_points[pick]
    jump_size = model.jump_mean + model.jump_std * rng.standard_normal(jump_day.size)
    np.add.at(increments, jump_at, jump_size)
    increments[0] = 0.0
    log_price = math.log(model.initial_price) + np.cumsum(increments)

    present = np.flatnonzero(in_bin | opening)
    before = np.maximum(present - 1, 0)
    log_open = log_price[before]
    move = log_price[present] - log_open
    var = variance[present]
    u_high = rng.random(present.size)
    u_low = rng.random(present.size)
    high = log_open + 0.5 * (move + np.sqrt(move**2 - 2.0 * var * np.log(u_high)))
    low = log_open + 0.5 * (move - np.sqrt(move**2 - 2.0 * var * np.log(u_low)))
    index = pd.DatetimeIndex(grid[present].astype("datetime64[ns]"), tz="UTC", name="timestamp")
    close = np.exp(log_price)
    # One (4, n) block, handed to pandas as its transpose: no copy into a new block.
    ohlc = np.empty((4, present.size))
    np.exp(log_open, out=ohlc[0])
    np.exp(high, out=ohlc[1])
    np.exp(low, out=ohlc[2])
    ohlc[3] = close[present]
    bars = pd.DataFrame(ohlc.T, index=index, columns=["open", "high", "low", "close"], copy=False)

    dates = pd.DatetimeIndex((days * NS_PER_DAY).astype("datetime64[ns]"), name="date")
    last_of_day = bin_points[day_start + points_per_day - 1]
    truth = pd.DataFrame(
        {
            "integrated_variance": np.bincount(day_of_bin, weights=v_bin, minlength=n_days),
            "n_jumps": n_jumps,
            "jump_variation": np.bincount(jump_day, weights=jump_size**2, minlength=n_days),
            "daily_return": np.log(close[last_of_day] / close[first_price_point]),
            "regime": in_regime,
        },
        index=dates,
    )
    jumps = pd.DataFrame(
        {"size": jump_size, "date": dates[jump_day]},
        index=pd.DatetimeIndex(grid[jump_at].astype("datetime64[ns]"), tz="UTC", name="timestamp"),
    )
    order = np.argsort(jump_at, kind="stable")
    jumps = jumps.iloc[order]
    spot = pd.Series(var, index=index, name="spot_variance")
    return bars, truth, jumps, spot


def _check_n_days(n_days: object) -> int:
    if isinstance(n_days, bool) or not isinstance(n_days, (int, np.integer)):
        raise TypeError(f"n_days must be an integer, got {n_days!r}")
    if n_days < 1:
        raise ValueError(f"n_days={n_days} must be at least 1")
    return int(n_days)


def _check_assets(assets: Sequence[str]) -> tuple[str, ...]:
    if isinstance(assets, str):
        raise TypeError(f"assets must be a sequence of names, got the string {assets!r}")
    assets = tuple(assets)
    if not assets:
        raise ValueError(f"assets is empty; give at least one of {sorted(ASSET_MODELS)}")
    unknown = [a for a in assets if a not in ASSET_MODELS]
    if unknown:
        raise ValueError(f"assets {unknown} are not simulated; choose from {sorted(ASSET_MODELS)}")
    if len(set(assets)) != len(assets):
        raise ValueError(f"assets {list(assets)} contain duplicates")
    return assets


def _check_freq(freq: str | pd.Timedelta, assets: Sequence[str]) -> pd.Timedelta:
    try:
        step = pd.Timedelta(freq)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"freq={freq!r} is not a time span such as '1min'") from exc
    if step <= pd.Timedelta(0) or pd.Timedelta(minutes=30) % step != pd.Timedelta(0):
        raise ValueError(f"freq={step} must be a positive whole number of minutes dividing 30min")
    for name in assets:
        get_session(ASSET_MODELS[name].session).n_bins(step)
    return step


def _check_regime(regime: RegimeShift | None, assets: Sequence[str]) -> RegimeShift | None:
    if regime is None:
        return None
    if not isinstance(regime, RegimeShift):
        raise TypeError(f"regime_shift must be a RegimeShift or None, got {regime!r}")
    if not 0.0 <= regime.start < regime.end <= 1.0:
        raise ValueError(
            f"regime_shift start={regime.start} and end={regime.end} must satisfy "
            "0 <= start < end <= 1 (fractions of the simulated span)"
        )
    if regime.vol_multiplier <= 0 or regime.jump_multiplier < 0:
        raise ValueError(
            f"regime_shift vol_multiplier={regime.vol_multiplier} must be positive and "
            f"jump_multiplier={regime.jump_multiplier} non-negative"
        )
    if regime.assets is not None:
        unknown = [a for a in regime.assets if a not in assets]
        if unknown:
            raise ValueError(
                f"regime_shift assets {unknown} are not among the simulated {list(assets)}"
            )
    return regime
