"""The study's VaR backtests: every distribution model, raw and recalibrated online.

For each distribution model, asset, kind (volatility VaR of the target, return VaR of
tomorrow's return) and level: the backtest of the raw walk-forward VaR
(:func:`skvol.evaluation.var_backtest`), its Engle-Manganelli DQ test
(:func:`skvol.evaluation.dq_test`), and the VaR recalibrated online by quantile tracking
(:meth:`skvol.evaluation.QuantileTracker.recalibrate_dist`) with its own backtest, so the
report sets raw and recalibrated side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from skvol.evaluation import (
    DynamicQuantileResult,
    QuantileTracker,
    RecalibratedVaR,
    VaRBacktestResult,
    dq_test,
    level_suffix,
    return_var,
    var_backtest,
    walk_forward_dist,
)
from skvol.study._config import StudyConfig
from skvol.study._pipelines import RETURN_MODELS, all_models

if TYPE_CHECKING:
    from skvol.study._run import AssetStudy


@dataclass(frozen=True)
class Backtest:
    """One VaR backtest of the study: raw and recalibrated, with the DQ test.

    ``realised``, ``var`` and ``dates`` are the backtested days (the realised target or
    return, the raw VaR); ``recalibrated`` is
    :meth:`skvol.evaluation.QuantileTracker.recalibrate_dist` of the same forecasts in time
    order (each day's VaR from the breaches of the earlier test days only),
    ``recalibrated_result`` its backtest.
    """

    realised: np.ndarray = field(repr=False)
    var: np.ndarray = field(repr=False)
    dates: pd.Index = field(repr=False)
    result: VaRBacktestResult
    dq: DynamicQuantileResult
    recalibrated: RecalibratedVaR
    recalibrated_result: VaRBacktestResult


def backtest_inputs(spec, asset: AssetStudy, kind: str, level: float):
    """The realised values, the VaR, the side and the distribution of one backtest.

    Volatility VaR: the frame's ``var_<pct>`` against the realised target. Return VaR:
    :func:`skvol.evaluation.return_var` of the frame's distributions (``spec.target``, or
    the return distribution itself for a return model) against tomorrow's return, on the
    days that have one.
    """
    frame = asset.forecasts[spec.key]
    if kind == "volatility":
        return (
            frame["y_true"].to_numpy(dtype=float),
            frame[f"var_{level_suffix(level)}"].to_numpy(dtype=float),
            "upper",
            walk_forward_dist(frame),
            frame.index,
        )
    ret = asset.next_return.reindex(frame.index).to_numpy(dtype=float)
    ok = np.isfinite(ret)
    dist = walk_forward_dist(frame.loc[ok])
    return ret[ok], return_var(dist, level, spec.target), "lower", dist, frame.index[ok]


def study_backtests(
    assets: dict[str, AssetStudy], config: StudyConfig
) -> dict[tuple[str, str, str, float], Backtest]:
    """VaR backtests of every distribution model: volatility VaR and return VaR.

    The volatility VaR and its breaches are the ``var_<pct>``/``breach_<pct>`` columns of
    the walk-forward frame. The return VaR is :func:`skvol.evaluation.return_var` of the
    same out-of-sample distributions (rebuilt from the frame's ``mean``, ``scale`` and
    ``df``), against tomorrow's realised daily return; a return model (EWMA, GARCH) has a
    return VaR only. Each comes raw and recalibrated online
    (:class:`skvol.evaluation.QuantileTracker` at its default step), with the
    Engle-Manganelli DQ test of the raw VaR.
    """
    tracker = QuantileTracker()
    results: dict = {}
    specs = [s for s in all_models() if s.probabilistic] + list(RETURN_MODELS)
    for spec in specs:
        kinds = ("return",) if spec.target is None else ("volatility", "return")
        for asset in assets.values():
            for kind in kinds:
                for level in config.levels:
                    y, var, side, dist, dates = backtest_inputs(spec, asset, kind, level)
                    recal = tracker.recalibrate_dist(dist, y, level, kind=kind, target=spec.target)
                    results[(spec.key, kind, asset.name, level)] = Backtest(
                        realised=y,
                        var=var,
                        dates=dates,
                        result=var_backtest(y, var, level, side=side),
                        dq=dq_test(y, var, level, side=side),
                        recalibrated=recal,
                        recalibrated_result=var_backtest(y, recal.var, level, side=side),
                    )
    return results
