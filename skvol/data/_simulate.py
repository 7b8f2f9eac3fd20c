"""A simulated market: jump-diffusion minute bars with exact daily ground truth.

Each asset's log price follows, in trading time,

.. math:: d\\log p_t = \\sigma_t\\, dW_t + dJ_t,

a stochastic-volatility jump-diffusion (Andersen, Bollerslev and Diebold 2007, "Roughing
it up", eq. 1): the Brownian part has a daily variance whose log is a common market
volatility factor plus an asset's own AR(1) component, which the previous day's shocks to
other assets' log variances move (a lead-lag spillover), all in calendar time; the day's
variance is spread over the session by a deterministic intraday pattern; the Brownian
parts of the assets are correlated with a correlation that changes every UTC day; the
jump part is compound Poisson with asset-specific intensity and Gaussian sizes. The
ground truth includes the exact conditional law of tomorrow's integrated variance given
the simulator's state (:meth:`SimulatedMarket.oracle`). See ``docs/panel.md`` and
``docs/simulation.md`` for the model, its parameters and the ground truth.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy import linalg, stats
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
        Named session the asset trades in (``"24h"``, ``"fx"``, ``"us_equity"`` or ``"us_equity_weekdays"``).
    mean_variance : float
        Stationary mean ``E[exp(h)]`` of the daily diffusive variance outside a regime
        shift, in squared log returns per session.
    persistence : float
        AR(1) coefficient ``phi``, per calendar day, of the asset's own component of the
        daily log variance ``h`` (:func:`simulate_market`).
    log_variance_std : float
        Stationary standard deviation ``s`` of ``h`` (common factor and own component
        together, outside a regime shift); ``E[h] = log(mean_variance) - s**2 / 2``.
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
            session="us_equity_weekdays",
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

VOL_FACTOR_LOADINGS: Mapping[str, float] = MappingProxyType({"BTC": 0.3, "EURUSD": 0.5, "SPX": 0.7})
"""Default loading ``lambda`` of each asset's daily log variance on the common market
volatility factor: the stationary correlation of the asset's ``h`` with the factor, so
without spillover two assets' log variances on a date have correlation
``lambda_a * lambda_b`` (0.21 BTC/S&P 500, 0.35 EUR/USD/S&P 500, 0.15 BTC/EUR/USD)."""

VOL_FACTOR_PERSISTENCE = 0.99
"""Default AR(1) coefficient of the common volatility factor per calendar day."""

SPILLOVER: Mapping[tuple[str, str], float] = MappingProxyType(
    {("SPX", "BTC"): 0.6, ("SPX", "EURUSD"): 0.4}
)
"""Default lead-lag spillover ``{(leader, follower): gamma}``: a shock of size ``e`` to
the S&P 500's log variance on day ``d`` raises BTC's log variance on day ``d + 1`` by
``0.6 e`` (EUR/USD's by ``0.4 e``), and that rise then decays at the follower's own
persistence."""

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
    state : DataFrame
        The daily log-variance state, one row per calendar date of the span (index
        ``date``; BTC's session dates): ``factor`` (the common factor ``f_d``) and, for
        every asset in ``ASSET_MODELS`` (simulated or not: an unsimulated leader's shocks
        still spill over), ``<asset>__own`` (the own component ``x_d``),
        ``<asset>__shock`` (``sigma * eps_d``, the own shock of the day) and
        ``<asset>__log_variance`` (``h_d`` with the regime shift; on the asset's session
        dates it is ``log integrated_variance``). See :func:`simulate_market`.
    params : dict
        The parameters used: ``"assets"`` (name -> :class:`AssetModel` as a dict),
        ``"correlation"``, ``"regime_shift"`` (dict or None), ``"vol_factor_loadings"``
        (every known asset, 0 where off), ``"vol_factor_persistence"``,
        ``"spillover"``, the derived ``"shock_std"`` (``sigma`` per asset) and
        ``"log_variance_correlation"`` (the exact stationary correlation of the assets'
        log variances on one date, a DataFrame), ``"start"``, ``"freq"``,
        ``"seed_entropy"`` (pass it as ``seed`` to reproduce a ``seed=None`` run).
    """

    bars: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    correlation: pd.DataFrame
    jumps: dict[str, pd.DataFrame]
    spot_variance: dict[str, pd.Series]
    state: pd.DataFrame
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

    def oracle(self, asset: str) -> stats._distn_infrastructure.rv_continuous_frozen:
        """The oracle forecast: the exact law of tomorrow's log integrated variance.

        Element ``t`` (row ``t`` of ``truth[asset]``) is the conditional distribution of
        ``log integrated_variance`` on the asset's next session date, given the
        simulator's state at the end of session date ``t`` (the ``state`` row of that
        date): aligned like skvol's next-day target. The last row has no next day (NaN).

        Derivation (notation of :func:`simulate_market`). Let ``t + k`` be the next session
        date (``k = 1``; ``k = 3`` from a Friday for the business-day assets, whose log
        variance keeps evolving over the weekend). The session's intraday weights sum to
        one, so ``log IV_{t+k} = h_{t+k} = mu + r 1{t+k in the shift} + c f_{t+k} +
        x_{t+k}`` exactly, with ``c = s * lambda`` and ``r = 2 log(vol_multiplier)``.
        Iterating the recursions,

        - ``f_{t+k} = phi_f**k f_t + sqrt(1 - phi_f**2) sum_{j=1..k} phi_f**(k-j) eta_{t+j}``;
        - ``x_{t+k} = phi**k x_t + sum_{j=1..k} phi**(k-j) u_{t+j}`` with ``u_{t+j} =
          sigma eps_{t+j} + sum_a gamma_a sigma_a eps_{a,t+j-1}``, whose spillover part
          at ``j = 1`` (yesterday's shocks ``e_{a,t} = sigma_a eps_{a,t}``) is known at
          ``t``.

        All unknown terms are independent Gaussians, so the law is exactly Normal (no
        approximation):

        ``mean = mu + r 1{t+k in the shift} + c phi_f**k f_t + phi**k x_t +
        phi**(k-1) sum_a gamma_a e_{a,t}``,

        ``var = c**2 (1 - phi_f**(2k)) + sigma**2 (1 - phi**(2k)) / (1 - phi**2) +
        (sum_a gamma_a**2 sigma_a**2) (1 - phi**(2(k-1))) / (1 - phi**2)``.

        A regime shift is known structure (its dates and sizes are parameters), so the
        oracle adds ``r`` on the first day of the shift and drops it on the first day
        after it. The state at the end of day ``t`` carries everything that the bars up to
        ``t`` carry about day ``t + k`` (the later draws are independent of the past given
        it), so no forecast made from the data has a lower expected score than the
        oracle's: its QLIKE is the floor.

        Jumps are not in the integrated variance; see :meth:`oracle_variance` for what a
        realized-variance target adds.

        Parameters
        ----------
        asset : str
            A simulated asset.

        Returns
        -------
        frozen scipy.stats.norm
            One element per row of ``truth[asset]``; NaN on the last row.

        Examples
        --------
        >>> import numpy as np
        >>> from skvol.data import simulate_market
        >>> market = simulate_market(n_days=30, assets=("SPX",), freq="30min", seed=0)
        >>> dist = market.oracle("SPX")
        >>> dist.mean().shape, bool(np.isnan(dist.mean()[-1]))
        ((30,), True)
        >>> sd = dist.std()
        >>> bool(sd[4] > sd[3])  # Friday 2010-01-08 -> Monday: three days of news
        True
        """
        loc, scale = self._oracle_moments(asset)
        return stats.norm(loc=loc, scale=scale)

    def oracle_variance(self, asset: str, include_jumps: bool = False) -> pd.Series:
        """The oracle's expected variance of tomorrow, ``E[IV_{t+1} | state_t]``.

        ``exp(mean + var / 2)`` of :meth:`oracle` (the log-normal mean). With
        ``include_jumps=True`` it adds ``E[JV_{t+1}] = lambda_{t+1} (jump_mean**2 +
        jump_std**2)`` (``lambda_{t+1}`` the jump intensity of the next session date,
        times ``jump_multiplier`` inside the regime shift): the expected quadratic
        variation ``E[IV + JV]``. Jumps are independent of the past, so this is exact.

        The panel's realized variance is ``IV + JV`` plus a sampling error that has mean
        zero given the variance path and the jumps (except for the products of two jumps
        that fall in the same bin, ``jump_mean**2`` per pair), so
        ``include_jumps=True`` is the conditional mean of tomorrow's realized variance:
        the forecast that minimises the expected QLIKE against it (Patton 2011, J.
        Econometrics 160(1), for a conditionally unbiased proxy). The law of the
        realized variance itself (jumps and sampling error) is not Normal in logs and
        is not given.

        Parameters
        ----------
        asset : str
            A simulated asset.
        include_jumps : bool, default=False
            Add the expected jump variation of the next session.

        Returns
        -------
        Series
            Indexed like ``truth[asset]``, NaN on the last row; named
            ``"<asset>__oracle_iv_next"`` or ``"<asset>__oracle_qv_next"``.

        Examples
        --------
        >>> from skvol.data import simulate_market
        >>> market = simulate_market(n_days=30, assets=("SPX",), freq="30min", seed=0)
        >>> iv = market.oracle_variance("SPX")
        >>> qv = market.oracle_variance("SPX", include_jumps=True)
        >>> bool(((qv - iv).dropna() > 0).all())
        True
        """
        if not isinstance(include_jumps, (bool, np.bool_)):
            raise TypeError(f"include_jumps must be True or False, got {include_jumps!r}")
        loc, scale = self._oracle_moments(asset)
        value = np.exp(loc + 0.5 * scale**2)
        if include_jumps:
            model = self.params["assets"][asset]
            regime = self.params["regime_shift"]
            multiplier = 1.0 if regime is None else regime["jump_multiplier"]
            regime_next = np.append(self.truth[asset]["regime"].to_numpy()[1:], False)
            intensity = model["jump_intensity"] * np.where(regime_next, multiplier, 1.0)
            value = value + intensity * (model["jump_mean"] ** 2 + model["jump_std"] ** 2)
        suffix = "oracle_qv_next" if include_jumps else "oracle_iv_next"
        return pd.Series(value, index=self.truth[asset].index, name=f"{asset}__{suffix}")

    def _oracle_moments(self, asset: str) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of the oracle, per row of ``truth[asset]``."""
        if asset not in self.truth:
            raise ValueError(
                f"asset {asset!r} is not simulated here; choose from {list(self.truth)}"
            )
        model = _LogVarianceModel.from_params(self.params)
        column = model.names.index(asset)
        truth = self.truth[asset]
        where = self.state.index.get_indexer(truth.index)
        rows = where[:-1]
        horizon = np.diff(where)
        state = self.state.to_numpy()
        names = list(self.state.columns)
        shocks = state[np.ix_(rows, [names.index(f"{a}__shock") for a in model.names])]
        mean, var = model.forecast(
            column,
            horizon,
            state[rows, names.index("factor")],
            state[rows, names.index(f"{asset}__own")],
            shocks,
        )
        regime = self.params["regime_shift"]
        if regime is not None:
            shift = 2.0 * math.log(regime["vol_multiplier"])
            mean = mean + shift * truth["regime"].to_numpy()[1:]
        loc = np.append(mean, np.nan)
        scale = np.append(np.sqrt(var), np.nan)
        return loc, scale


@dataclass(frozen=True)
class _LogVarianceModel:
    """The daily log-variance process of every asset in ``ASSET_MODELS`` (calendar days).

    ``h_{a,d} = mu_a + loading_a f_d + x_{a,d}`` with the common factor
    ``f_d = phi_f f_{d-1} + sqrt(1 - phi_f**2) eta_d`` and the own components
    ``x_{a,d} = phi_a x_{a,d-1} + sigma_a eps_{a,d} + sum_b spillover[a, b] sigma_b eps_{b,d-1}``.
    ``loading_a = s_a lambda_a`` is in log-variance units; ``spillover[a, b]`` is the
    effect on ``a`` of ``b``'s shock the day before.
    """

    names: tuple[str, ...]
    mu: np.ndarray
    std: np.ndarray
    phi: np.ndarray
    loading: np.ndarray
    factor_persistence: float
    spillover: np.ndarray
    shock_std: np.ndarray

    @classmethod
    def build(
        cls,
        loadings: Mapping[str, float],
        factor_persistence: float,
        spillover: Mapping[tuple[str, str], float],
    ) -> _LogVarianceModel:
        """Solve for the shock scales that keep each ``Var(h_a) = s_a**2`` exactly.

        ``x_a`` is an AR(1) whose innovation ``sigma_a eps_{a,d} + sum_b gamma_ab
        sigma_b eps_{b,d-1}`` is white noise (each term is independent of ``x_{a,d-1}``
        and of the other lags), so ``Var(x_a) = (sigma_a**2 + sum_b gamma_ab**2
        sigma_b**2) / (1 - phi_a**2)``; setting it to ``s_a**2 (1 - lambda_a**2)`` is the
        linear system ``(I + gamma**2) sigma**2 = (1 - phi**2) s**2 (1 - lambda**2)``.
        """
        names = tuple(ASSET_MODELS)
        models = [ASSET_MODELS[n] for n in names]
        std = np.array([m.log_variance_std for m in models])
        phi = np.array([m.persistence for m in models])
        lam = np.array([loadings.get(n, 0.0) for n in names], dtype=np.float64)
        gamma = np.zeros((len(names), len(names)))
        for (leader, follower), value in spillover.items():
            gamma[names.index(follower), names.index(leader)] = value
        budget = (1.0 - phi**2) * std**2 * (1.0 - lam**2)
        shock_var = np.linalg.solve(np.eye(len(names)) + gamma**2, budget)
        bad = np.flatnonzero(shock_var <= budget * 1e-12)
        if bad.size:
            name = names[bad[0]]
            received = budget[bad[0]] - shock_var[bad[0]]
            raise ValueError(
                f"spillover into {name!r} is too strong: the shocks it receives would carry "
                f"variance {received:.3g} per day, at least the {budget[bad[0]]:.3g} that its "
                "own log-variance component has per day ((1 - persistence**2) * "
                "log_variance_std**2 * (1 - loading**2)); lower the spillover into it or "
                "its vol_factor_loadings"
            )
        return cls(
            names=names,
            mu=np.array([m.mean_log_variance for m in models]),
            std=std,
            phi=phi,
            loading=std * lam,
            factor_persistence=float(factor_persistence),
            spillover=gamma,
            shock_std=np.sqrt(shock_var),
        )

    @classmethod
    def from_params(cls, params: Mapping) -> _LogVarianceModel:
        """The model a :class:`SimulatedMarket` was simulated with."""
        return cls.build(
            params["vol_factor_loadings"], params["vol_factor_persistence"], params["spillover"]
        )

    def _augmented(self) -> tuple[np.ndarray, np.ndarray]:
        """The state ``s_d = (x_d, e_d)``: ``s_d = M s_{d-1} + N eps_d``; returns (M, P).

        ``P`` is the stationary covariance, ``P = M P M' + N N'``.
        """
        n = len(self.names)
        m = np.zeros((2 * n, 2 * n))
        m[:n, :n] = np.diag(self.phi)
        m[:n, n:] = self.spillover
        noise = np.vstack([np.diag(self.shock_std)] * 2)
        return m, linalg.solve_discrete_lyapunov(m, noise @ noise.T)

    def log_variance_covariance(self) -> np.ndarray:
        """Stationary covariance of ``(h_a)_a`` on one date."""
        n = len(self.names)
        _, cov = self._augmented()
        return np.outer(self.loading, self.loading) + cov[:n, :n]

    def simulate(
        self, n_days: int, rngs: Sequence[np.random.Generator], factor_rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Stationary paths over ``n_days`` calendar days: factor, own components, shocks.

        Each asset's stream gives ``n_days + 1`` standard normals: the first draws the
        stationary start, the rest are ``eps_0 .. eps_{n_days-1}``. The start is
        ``x_0 = w + e_0`` with ``w = M_x s_{-1}`` drawn from its exact stationary law.
        """
        n = len(self.names)
        draws = np.column_stack([rng.standard_normal(n_days + 1) for rng in rngs])
        shock = draws[1:] * self.shock_std
        m, cov = self._augmented()
        start_cov = m[:n] @ cov @ m[:n].T
        values, vectors = np.linalg.eigh(start_cov)
        root = vectors * np.sqrt(np.clip(values, 0.0, None))
        u = shock.copy()
        u[1:] += shock[:-1] @ self.spillover.T
        u[0] += root @ draws[0]
        own = np.column_stack([_ar1_filter(u[:, j], phi) for j, phi in enumerate(self.phi)])
        factor = _ar1(factor_rng, n_days, self.factor_persistence, 1.0)
        return factor, own, shock

    def forecast(
        self,
        column: int,
        horizon: np.ndarray,
        factor: np.ndarray,
        own: np.ndarray,
        shocks: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of ``h`` (without a regime shift), ``horizon`` days on.

        See :meth:`SimulatedMarket.oracle` for the derivation.
        """
        phi, pf = self.phi[column], self.factor_persistence
        c, sigma = self.loading[column], self.shock_std[column]
        gamma = self.spillover[column]
        received = float(gamma**2 @ self.shock_std**2)
        mean = (
            self.mu[column]
            + c * pf**horizon * factor
            + phi**horizon * own
            + phi ** (horizon - 1) * (shocks @ gamma)
        )
        var = (
            c**2 * (1.0 - pf ** (2 * horizon))
            + sigma**2 * (1.0 - phi ** (2 * horizon)) / (1.0 - phi**2)
            + received * (1.0 - phi ** (2 * (horizon - 1))) / (1.0 - phi**2)
        )
        return mean, var


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
    *,
    vol_factor_loadings: Mapping[str, float] | None = VOL_FACTOR_LOADINGS,
    vol_factor_persistence: float = VOL_FACTOR_PERSISTENCE,
    spillover: Mapping[tuple[str, str], float] | None = SPILLOVER,
) -> SimulatedMarket:
    """Simulate minute bars of several assets from a jump-diffusion, with daily ground truth.

    The calendar is fixed: ``n_days`` business days from Monday 2010-01-04 (the default
    1000 days end on 2013-11-01). BTC trades every calendar day in that span (session
    ``"24h"``), EUR/USD and the S&P 500 on business days (sessions ``"fx"`` and
    ``"us_equity_weekdays"``, New York equity hours on every weekday: the simulated
    exchange has no holidays or early closes, unlike ``"us_equity"``'s NYSE calendar). On a UTC grid of step ``freq`` each asset's log
    price moves by

    ``sqrt(v_t) * (loading * sqrt(rho_day) * F_t + sqrt(1 - loading**2 * rho_day) * E_t) + J_t``

    with ``F`` (common) and ``E`` (own) independent standard normals, so two assets'
    Brownian increments have correlation ``loading_a * loading_b * rho_day``; ``rho_day``
    is ``0.9 * expit(z)`` with ``z`` an AR(1) over UTC days. Inside a session,
    ``v_t = exp(h_d) * w(u_t) / sum_session(w)``, where ``h_d`` is the log-AR(1) daily
    variance of the session date and ``w`` the intraday pattern at the step's midpoint
    ``u_t`` (fraction of the session), so the session's integrated variance is exactly
    ``exp(h_d)``; outside a session ``v_t`` is small and constant (overnight gaps).

    The daily log variance evolves on every calendar day ``d`` of the span, for every
    asset in ``ASSET_MODELS`` (so an asset's path does not depend on which others are
    simulated; EUR/USD and the S&P 500 see it on business days only, three days apart
    over a weekend):

    ``h_{a,d} = mu_a + c_a f_d + x_{a,d}`` (plus ``2 log vol_multiplier`` inside a regime
    shift), ``c_a = s_a lambda_a``, with the common market volatility factor
    ``f_d = phi_f f_{d-1} + sqrt(1 - phi_f**2) eta_d`` (unit variance) and the own
    components ``x_{a,d} = phi_a x_{a,d-1} + e_{a,d} + sum_b gamma_{b->a} e_{b,d-1}``,
    where ``e_{a,d} = sigma_a eps_{a,d}`` is the asset's own shock of the day: a shock to
    the leader's log variance moves the follower's by ``gamma`` times as much the next
    day (a VAR(1) in the state ``(x_d, e_d)``; Diebold and Yilmaz 2009, Economic Journal
    119(534), measure such volatility spillovers). ``eta`` and ``eps`` are independent
    standard normals. The shock scales solve ``sigma_a**2 + sum_b gamma_{b->a}**2
    sigma_b**2 = (1 - phi_a**2) s_a**2 (1 - lambda_a**2)``, so that ``Var(h_a) = s_a**2``
    and ``E[exp(h_a)] = m_a`` exactly, and the paths start from the stationary law.
    Without spillover two assets' log variances on one date have correlation
    ``lambda_a lambda_b``; ``params["log_variance_correlation"]`` gives it in general.
    :meth:`SimulatedMarket.oracle` gives the exact law of ``h`` on the next session date
    given the state. Jumps:
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
    vol_factor_loadings : mapping of str to float or None, default=VOL_FACTOR_LOADINGS
        Loading ``lambda_a`` in (-1, 1) of each asset's log variance on the common
        volatility factor (its stationary correlation with the factor), for assets in
        ``ASSET_MODELS``; assets not named load 0. The default is
        ``{"BTC": 0.3, "EURUSD": 0.5, "SPX": 0.7}``; None or ``{}`` turns the factor off.
    vol_factor_persistence : float, default=0.99
        AR(1) coefficient ``phi_f`` in [0, 1) of the factor per calendar day.
    spillover : mapping of (str, str) to float or None, default=SPILLOVER
        Lead-lag spillover ``{(leader, follower): gamma}`` between assets of
        ``ASSET_MODELS`` (simulated or not). The default is
        ``{("SPX", "BTC"): 0.6, ("SPX", "EURUSD"): 0.4}``: the S&P 500 leads; None or
        ``{}`` turns it off. A follower's own shocks shrink to make room for what it
        receives; a ValueError says when there is no room left.

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
    >>> market.state.shape  # per calendar day: the factor, and 3 columns per known asset
    (5, 10)
    >>> off = simulate_market(n_days=5, freq="5min", seed=0, spillover=None,
    ...                       vol_factor_loadings=None)
    >>> off.params["log_variance_correlation"].round(6).loc["BTC", "SPX"]
    np.float64(0.0)
    """
    n_days = _check_n_days(n_days)
    assets = _check_assets(assets)
    step = _check_freq(freq, assets)
    regime = _check_regime(regime_shift, assets)
    loadings = _check_loadings(vol_factor_loadings)
    factor_persistence = _check_factor_persistence(vol_factor_persistence)
    links = _check_spillover(spillover)
    model = _LogVarianceModel.build(loadings, factor_persistence, links)
    seed_seq = np.random.SeedSequence(seed)
    common = np.random.default_rng(np.random.SeedSequence(seed_seq.entropy, spawn_key=(0,)))
    streams = {
        name: np.random.default_rng(np.random.SeedSequence(seed_seq.entropy, spawn_key=(i + 1,)))
        for i, name in enumerate(ASSET_MODELS)
    }

    business = pd.bdate_range(START_DATE, periods=n_days)
    first_code = business[0].value // NS_PER_DAY
    last_code = business[-1].value // NS_PER_DAY
    n_calendar = int(last_code - first_code + 1)
    factor_rng = np.random.default_rng(
        np.random.SeedSequence(seed_seq.entropy, spawn_key=(len(ASSET_MODELS) + 1,))
    )
    vol_factor, own, shock = model.simulate(
        n_calendar, [streams[name] for name in model.names], factor_rng
    )
    log_variance = model.mu + np.outer(vol_factor, model.loading) + own
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

    calendar_codes = first_code + np.arange(n_calendar)
    if regime is None:
        regime_lo = regime_hi = None
    else:
        regime_lo = business[int(regime.start * n_days)].value // NS_PER_DAY
        regime_hi = business[max(int(regime.end * n_days) - 1, 0)].value // NS_PER_DAY
        in_shift = (calendar_codes >= regime_lo) & (calendar_codes <= regime_hi)
        for j, name in enumerate(model.names):
            if name in assets and (regime.assets is None or name in regime.assets):
                log_variance[in_shift, j] += 2.0 * math.log(regime.vol_multiplier)

    bars, truth, jumps, spot = {}, {}, {}, {}
    for name in assets:  # a handful of assets; everything inside is vectorised
        rng = streams[name]
        shifted = regime is not None and (regime.assets is None or name in regime.assets)
        out = _simulate_asset(
            ASSET_MODELS[name],
            rng,
            grid,
            step,
            first_code,
            last_code,
            factor,
            rho,
            log_variance[:, model.names.index(name)],
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
    columns = {"factor": vol_factor}
    for j, name in enumerate(model.names):
        columns[f"{name}__own"] = own[:, j]
        columns[f"{name}__shock"] = shock[:, j]
        columns[f"{name}__log_variance"] = log_variance[:, j]
    state = pd.DataFrame(
        columns,
        index=pd.DatetimeIndex((calendar_codes * NS_PER_DAY).astype("datetime64[ns]"), name="date"),
    )
    cov = model.log_variance_covariance()
    scale = np.sqrt(np.diag(cov))
    params = {
        "assets": {name: asdict(ASSET_MODELS[name]) for name in assets},
        "correlation": dict(CORRELATION),
        "regime_shift": None if regime is None else asdict(regime),
        "vol_factor_loadings": loadings,
        "vol_factor_persistence": factor_persistence,
        "spillover": links,
        "shock_std": dict(zip(model.names, model.shock_std.tolist(), strict=True)),
        "log_variance_correlation": pd.DataFrame(
            cov / np.outer(scale, scale), index=list(model.names), columns=list(model.names)
        ),
        "start": START_DATE,
        "freq": step,
        "seed_entropy": seed_seq.entropy,
    }
    return SimulatedMarket(bars, truth, correlation, jumps, spot, state, params)


def _ar1(rng: np.random.Generator, n: int, phi: float, std: float) -> np.ndarray:
    """A stationary zero-mean AR(1) path with coefficient ``phi`` and marginal std ``std``."""
    eps = rng.standard_normal(n)
    shocks = std * np.sqrt(1.0 - phi**2) * eps
    shocks[0] = std * eps[0]
    return _ar1_filter(shocks, phi)


def _simulate_asset(
    model: AssetModel,
    rng: np.random.Generator,
    grid: np.ndarray,
    step: pd.Timedelta,
    first_code: int,
    last_code: int,
    factor: np.ndarray,
    rho: np.ndarray,
    log_variance: np.ndarray,
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

    h = log_variance[days - first_code]  # the regime shift is already in it
    intensity = np.full(n_days, model.jump_intensity)
    in_regime = np.zeros(n_days, dtype=bool)
    if regime is not None:
        lo, hi, spec = regime
        in_regime = (days >= lo) & (days <= hi)
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


def _check_loadings(loadings: Mapping[str, float] | None) -> dict[str, float]:
    if loadings is None:
        loadings = {}
    if not isinstance(loadings, Mapping):
        raise TypeError(
            "vol_factor_loadings must be a mapping of asset name to loading (or None), "
            f"got {loadings!r}"
        )
    unknown = [a for a in loadings if a not in ASSET_MODELS]
    if unknown:
        raise ValueError(
            f"vol_factor_loadings names assets {unknown} the simulator does not know; "
            f"choose from {sorted(ASSET_MODELS)}"
        )
    out = {}
    for name in ASSET_MODELS:
        value = loadings.get(name, 0.0)
        if not _is_real(value) or not -1.0 < value < 1.0:
            raise ValueError(
                f"vol_factor_loadings[{name!r}]={value!r} must be a number in (-1, 1) (the "
                "correlation of the asset's log variance with the factor)"
            )
        out[name] = float(value)
    return out


def _check_factor_persistence(value: float) -> float:
    if not _is_real(value) or not 0.0 <= value < 1.0:
        raise ValueError(
            f"vol_factor_persistence={value!r} must be a number in [0, 1) (the factor's "
            "AR(1) coefficient per calendar day)"
        )
    return float(value)


def _check_spillover(
    spillover: Mapping[tuple[str, str], float] | None,
) -> dict[tuple[str, str], float]:
    if spillover is None:
        spillover = {}
    if not isinstance(spillover, Mapping):
        raise TypeError(
            "spillover must be a mapping of (leader, follower) to a coefficient (or None), "
            f"got {spillover!r}"
        )
    out = {}
    for key, value in spillover.items():
        if (
            not isinstance(key, tuple)
            or len(key) != 2
            or key[0] == key[1]
            or any(a not in ASSET_MODELS for a in key)
        ):
            raise ValueError(
                f"spillover key {key!r} must be a (leader, follower) pair of two different "
                f"assets among {sorted(ASSET_MODELS)}"
            )
        if not _is_real(value):
            raise ValueError(f"spillover[{key!r}]={value!r} must be a finite number")
        out[key] = float(value)
    return out


def _is_real(value: object) -> bool:
    """A finite real number (not a bool)."""
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, (bool, np.bool_))
        and math.isfinite(value)
    )


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


def _ar1_filter(shocks: np.ndarray, phi: float) -> np.ndarray:
    """``x_t = phi x_{t-1} + e_t`` from ``x_{-1} = 0`` (scipy's lfilter, imported here:
    ``scipy.signal`` takes seconds to import and ``import skvol`` must stay light)."""
    from scipy.signal import lfilter

    return lfilter([1.0], [1.0, -phi], shocks)
