"""The risk desk's view of the study: Expected Shortfall, and which forecasts are best.

Per asset, on the walk-forward forecasts of every model:

* **Expected Shortfall at 97.5%** (Basel's FRTB level) of tomorrow's return, implied by
  each distribution model (:func:`skvol.evaluation.return_es`; a return model's ES is
  its own distribution's tail mean), backtested by Acerbi & Szekely's Z1 and Z2 with
  p-values simulated under the model's own predictive distributions, McNeil & Frey's
  exceedance-residual bootstrap test, and scored by the mean FZ0 loss of the joint
  (VaR, ES) forecast (Patton, Ziegel & Chen 2019; lower is better).
* **Forecast comparison**: each model's daily QLIKE of its variance forecast against
  tomorrow's realized variance, on the days every model forecasts: its ratio to
  HAR-log's, the Diebold-Mariano test against HAR-log (Newey-West, HLN, two-sided), and
  the Model Confidence Set at 90% over all models (``arch.bootstrap.MCS``). The variance
  forecast is ``E[V]`` of a distribution model (:meth:`skvol.NextDayTarget.expected_variance`),
  the plug-in ``g^-1(mean)`` of a point model, and the conditional return variance of a
  return model (EWMA, GARCH).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from skvol.evaluation import (
    acerbi_szekely,
    diebold_mariano,
    fz0_loss,
    mcneil_frey,
    model_confidence_set,
    qlike_loss,
    return_es,
    return_var,
    walk_forward_dist,
)
from skvol.study._config import StudyConfig
from skvol.study._pipelines import RETURN_MODELS, all_models, model_spec

if TYPE_CHECKING:
    from skvol.study._run import AssetStudy

#: The ES level (Basel FRTB).
ES_LEVEL = 0.975
#: Size of the Model Confidence Set: it keeps the models with an MCS p-value >= 0.10.
MCS_SIZE = 0.10
#: The model every other is tested against (HAR-log, Normal, the study's HAR).
COMPARISON_BASELINE = "har"
#: Simulations of the ES backtests' p-values and bootstrap replications of the MCS.
N_SIMULATIONS = 1000


@dataclass(frozen=True)
class ESBacktestSummary:
    """One model's return ES at one level on one asset, and its backtests.

    Attributes
    ----------
    model, asset : str
        The model key and the asset.
    level : float
        ES level (0.975).
    days, breaches : int
        Days backtested and breaches of the VaR at the same level.
    expected_breaches : float
        ``days (1 - level)``.
    mean_es : float
        Mean predicted ES, a decimal log return (below zero).
    z1, z1_p, z2, z2_p : float
        Acerbi & Szekely statistics and one-sided simulated p-values (low: the tail is
        worse than predicted). Z1 is None when there is no breach.
    mcneil_frey_p : float or None
        McNeil & Frey bootstrap p-value (None with fewer than two breaches).
    fz0 : float
        Mean FZ0 loss of the (VaR, ES) forecast.
    """

    model: str
    asset: str
    level: float
    days: int
    breaches: int
    expected_breaches: float
    mean_es: float
    z2: float
    z2_p: float
    fz0: float
    z1: float | None = None
    z1_p: float | None = None
    mcneil_frey_p: float | None = None


@dataclass(frozen=True)
class ForecastComparison:
    """One model's QLIKE on one asset, against HAR-log and in the Model Confidence Set.

    Attributes
    ----------
    model, asset : str
        The model key and the asset.
    days : int
        The days every model forecasts (the same for all models of the asset).
    qlike : float
        Mean QLIKE of the variance forecast.
    qlike_ratio : float
        Over HAR-log's on the same days (below 1: better).
    dm_statistic, dm_p : float or None
        Diebold-Mariano statistic (negative: lower loss than HAR-log) and two-sided
        p-value; None for HAR-log itself.
    mcs_p : float
        MCS p-value.
    in_mcs : bool
        Whether the model is in the 90% Model Confidence Set.
    """

    model: str
    asset: str
    days: int
    qlike: float
    qlike_ratio: float
    mcs_p: float
    in_mcs: bool
    dm_statistic: float | None = None
    dm_p: float | None = None


def _finite_or_none(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _specs_with_distribution():
    return [s for s in all_models() if s.probabilistic] + list(RETURN_MODELS)


def es_backtests(
    assets: Mapping[str, AssetStudy], config: StudyConfig, level: float = ES_LEVEL
) -> tuple[ESBacktestSummary, ...]:
    """The ES backtests of every distribution model on every asset, at ``level``."""
    out = []
    for spec in _specs_with_distribution():
        for a in assets.values():
            frame = a.forecasts[spec.key]
            ret = a.next_return.reindex(frame.index)
            frame, ret = frame.loc[ret.notna()], ret.dropna().to_numpy(dtype=float)
            dist = walk_forward_dist(frame)
            var = return_var(dist, level, spec.target)
            es = return_es(dist, level, spec.target)
            common = dict(target=spec.target, var=var, es=es, random_state=config.seed)
            z1 = acerbi_szekely(ret, dist, level, test="z1", n_simulations=N_SIMULATIONS, **common)
            z2 = acerbi_szekely(ret, dist, level, test="z2", n_simulations=N_SIMULATIONS, **common)
            breaches = int((ret < var).sum())
            mf = (
                mcneil_frey(ret, dist, level, n_bootstrap=N_SIMULATIONS, **common).pvalue
                if breaches >= 2
                else None
            )
            out.append(
                ESBacktestSummary(
                    model=spec.key,
                    asset=a.name,
                    level=level,
                    days=int(ret.size),
                    breaches=breaches,
                    expected_breaches=float(ret.size * (1 - level)),
                    mean_es=float(np.mean(es)),
                    z2=float(z2.statistic),
                    z2_p=float(z2.pvalue),
                    fz0=float(fz0_loss(ret, var, es, level)),
                    z1=_finite_or_none(z1.statistic),
                    z1_p=_finite_or_none(z1.pvalue) if breaches else None,
                    mcneil_frey_p=mf,
                )
            )
    return tuple(out)


def variance_forecast(spec, frame: pd.DataFrame) -> pd.Series:
    """A model's forecast of tomorrow's variance (decimal units) on its walk-forward days."""
    if spec.target is None:
        values = walk_forward_dist(frame).var()
    elif spec.probabilistic:
        values = spec.target.expected_variance(walk_forward_dist(frame))
    else:
        values = spec.target.to_variance(frame["mean"].to_numpy(dtype=float))
    return pd.Series(np.asarray(values, dtype=float), index=frame.index)


def daily_qlike(assets: Mapping[str, AssetStudy], asset: str) -> pd.DataFrame:
    """Per day and model: QLIKE against tomorrow's realized variance, on the common days.

    The common days are those on which every model has a finite, positive variance
    forecast (a ``log(1 + RV)`` point forecast can imply a negative variance).
    """
    a = assets[asset]
    base = model_spec(COMPARISON_BASELINE)
    y = a.targets[base.transform]
    realized = pd.Series(base.target.to_variance(y.to_numpy(dtype=float)), index=y.index)
    forecasts = {
        s.key: variance_forecast(s, a.forecasts[s.key])
        for s in list(all_models()) + list(RETURN_MODELS)
    }
    h = pd.DataFrame(forecasts).dropna()
    h = h.loc[(h > 0).all(axis=1) & np.isfinite(h).all(axis=1)]
    rv = realized.reindex(h.index)
    h = h.loc[rv.notna() & (rv > 0)]
    rv = rv.loc[h.index].to_numpy(dtype=float)
    return pd.DataFrame(
        {k: qlike_loss(rv, h[k].to_numpy(), per_day=True) for k in h.columns}, index=h.index
    )


def forecast_comparisons(
    assets: Mapping[str, AssetStudy], config: StudyConfig
) -> tuple[ForecastComparison, ...]:
    """Per asset: every model's QLIKE, its DM test against HAR-log, and the 90% MCS."""
    out = []
    for name in assets:
        losses = daily_qlike(assets, name)
        mcs = model_confidence_set(
            losses, size=MCS_SIZE, reps=N_SIMULATIONS, random_state=config.seed
        )
        base = losses[COMPARISON_BASELINE]
        for key in losses.columns:
            dm = None if key == COMPARISON_BASELINE else diebold_mariano(losses[key], base)
            out.append(
                ForecastComparison(
                    model=key,
                    asset=name,
                    days=int(len(losses)),
                    qlike=float(losses[key].mean()),
                    qlike_ratio=float(losses[key].mean() / base.mean()),
                    mcs_p=float(mcs.pvalues[key]),
                    in_mcs=bool(key in mcs.included),
                    dm_statistic=None if dm is None else float(dm.statistic),
                    dm_p=None if dm is None else float(dm.pvalue),
                )
            )
    return tuple(out)
