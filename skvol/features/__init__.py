"""skvol.features: realized measures, jump statistics and cross-asset/cross-day features.

Row-local transformers map each day's row of the intraday panel to that day's measures;
:class:`RollingCorrelation` and :class:`HARFeatures` look backwards over days and carry
the history a walk-forward fold needs. :class:`NextDayTarget` defines the target once (``next_day_target`` is its function form).
"""

from skvol.features._cross import HARFeatures, RealizedCorrelation, RollingCorrelation
from skvol.features._jumps import BNSJumpTest, JumpCounter
from skvol.features._measures import DailyMeasures, daily_measures
from skvol.features._realized import (
    BipowerVariation,
    DailyReturn,
    MedRV,
    MinRV,
    RealizedKernel,
    RealizedQuarticity,
    RealizedSemivariance,
    RealizedVariance,
    TripowerQuarticity,
    TruncatedVariance,
)
from skvol.features._target import NextDayTarget, next_day_target

__all__ = [
    "BNSJumpTest",
    "BipowerVariation",
    "DailyMeasures",
    "DailyReturn",
    "HARFeatures",
    "JumpCounter",
    "MedRV",
    "MinRV",
    "NextDayTarget",
    "RealizedCorrelation",
    "RealizedKernel",
    "RealizedQuarticity",
    "RealizedSemivariance",
    "RealizedVariance",
    "RollingCorrelation",
    "TripowerQuarticity",
    "TruncatedVariance",
    "daily_measures",
    "next_day_target",
]
