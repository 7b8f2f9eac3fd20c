"""The study's models as public scikit-learn pipelines: features -> regressor.

Everything here is built from skvol's public transformers and regressors, so a user can
copy any pipeline out of the study. An intraday asset's pipeline starts from its panel of
intraday returns; a daily-measures asset (e.g. the Oxford-Man Realized Library) starts
from its daily measures, with the same feature names.

Targets (``skvol.features.next_day_target``): tomorrow's realized variance with returns
in percent (``scale=100``), transformed by ``log1p`` (the original study's
``log(1 + RV)``) or ``log``. In decimal units ``log(1 + RV)`` would be ``RV`` to four
digits (daily RV is about 1e-4), so the study's transform only means something in percent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from skvol.features import (
    BipowerVariation,
    DailyReturn,
    JumpCounter,
    NextDayTarget,
    RealizedSemivariance,
    RealizedVariance,
)
from skvol.models import (
    AttentionLSTMRegressor,
    CrossAssetLSTMRegressor,
    EWMARegressor,
    GARCHRegressor,
    HARRegressor,
    LSTMRegressor,
    ProbabilisticLSTMRegressor,
)
from skvol.study._config import StudyConfig

#: Returns are multiplied by this before squaring in every target (percent returns).
TARGET_SCALE = 100.0

#: The study's two targets, by transform: tomorrow's log(1 + RV) (the original study) and
#: log RV, both of percent returns. Every step takes its model's target from here.
TARGETS = {
    transform: NextDayTarget(measure="rv", transform=transform, scale=TARGET_SCALE)
    for transform in ("log1p", "log")
}
#: Tomorrow's realised return in decimal units (what the return VaR is backtested against).
NEXT_RETURN = NextDayTarget(measure="return", transform=None, scale=1.0)

#: Daily variance measures the LSTMs use from a daily-measures file, by skvol suffix.
DAILY_VARIANCE_PATTERN = "__(?:rv|bv|rs_neg)$"
DAILY_RETURN = "ret"


#: How the report names a target by its transform (``RV`` for the measure ``rv``).
_TRANSFORM_LABELS = {"log1p": "log(1 + {m})", "log": "log {m}", None: "{m}"}


@dataclass(frozen=True)
class ModelSpec:
    """One forecasting model of the study: a name, its target and a pipeline factory.

    Attributes
    ----------
    key : str
        Short name (file names, ``metrics.json``).
    label : str
        Name in the report.
    transform : str
        Transform of its target (a key of :data:`TARGETS`).
    probabilistic : bool
        Whether it forecasts a distribution (and so a VaR).
    family : str
        Model family in the report's sentences; :data:`BASELINE_FAMILY` is the baseline
        every other family is compared with.
    build : callable
        ``build(config, asset, daily) -> Pipeline`` (a pooled model: ``build(config,
        None, False)`` gives the bare multi-asset estimator).
    pooled : bool, default=False
        One model for all assets: fitted on the daily-measures frame of every asset of
        the run (:mod:`skvol.study._pooled`) instead of one pipeline per asset.
    """

    key: str
    label: str
    transform: str
    probabilistic: bool
    family: str
    build: Callable[[StudyConfig, str | None, bool], Pipeline]
    pooled: bool = False

    @property
    def target(self) -> NextDayTarget:
        """The model's target object (its transform at the study's scale)."""
        return TARGETS[self.transform]

    @property
    def target_label(self) -> str:
        """The target as the report names it: ``"log(1 + RV)"``, ``"log RV"``."""
        target = self.target
        return _TRANSFORM_LABELS[target.transform].format(m=target.measure.upper())


def _log_step() -> FunctionTransformer:
    return FunctionTransformer(np.log, feature_names_out="one-to-one")


def intraday_features() -> FeatureUnion:
    """The LSTMs' daily features from a panel of intraday returns.

    Log realized variance, bipower variation and the two semivariances; the number of
    intraday jumps; the daily return.
    """
    variances = Pipeline(
        [
            (
                "measures",
                FeatureUnion(
                    [
                        ("rv", RealizedVariance()),
                        ("bv", BipowerVariation()),
                        ("rs", RealizedSemivariance()),
                    ],
                    verbose_feature_names_out=False,
                ),
            ),
            ("log", _log_step()),
        ]
    )
    return FeatureUnion(
        [
            ("log_variances", variances),
            ("jumps", JumpCounter()),
            ("ret", DailyReturn()),
        ],
        verbose_feature_names_out=False,
    )


def daily_features() -> ColumnTransformer:
    """The LSTMs' features from daily measures: log variances and the daily return.

    Columns are chosen by their skvol suffix (``__rv``, ``__bv``, ``__rs_neg``, ``__ret``),
    so a file without a semivariance still works.
    """
    return ColumnTransformer(
        [
            ("log_variances", _log_step(), make_column_selector(pattern=DAILY_VARIANCE_PATTERN)),
            ("ret", "passthrough", make_column_selector(pattern=f"__{DAILY_RETURN}$")),
        ],
        verbose_feature_names_out=False,
    )


def har_features(asset: str, daily: bool) -> ColumnTransformer | RealizedVariance:
    """The HAR model's input: the day's realized variance (HARRegressor averages it)."""
    if daily:
        return ColumnTransformer(
            [("rv", "passthrough", [f"{asset}__rv"])], verbose_feature_names_out=False
        )
    return RealizedVariance()


def _recurrent_params(config: StudyConfig) -> dict:
    return {
        "lookback": config.lookback,
        "hidden_size": config.hidden_size,
        "max_epochs": config.max_epochs,
        "patience": config.patience,
        "random_state": config.seed,
    }


def _pipeline(features, model) -> Pipeline:
    return Pipeline([("features", features), ("model", model)]).set_output(transform="pandas")


def _lstm_features(asset: str, daily: bool):
    return daily_features() if daily else intraday_features()


def _build_lstm(config: StudyConfig, asset: str, daily: bool) -> Pipeline:
    return _pipeline(_lstm_features(asset, daily), LSTMRegressor(**_recurrent_params(config)))


def _build_attention(config: StudyConfig, asset: str, daily: bool) -> Pipeline:
    return _pipeline(
        _lstm_features(asset, daily), AttentionLSTMRegressor(**_recurrent_params(config))
    )


def _build_prob(distribution: str) -> Callable[[StudyConfig, str, bool], Pipeline]:
    def build(config: StudyConfig, asset: str, daily: bool) -> Pipeline:
        # anchor=None: the original study's plain network (the anchored one is the
        # cross-asset model's, per asset); the study's numbers were measured with it
        model = ProbabilisticLSTMRegressor(
            distribution=distribution, anchor=None, **_recurrent_params(config)
        )
        return _pipeline(_lstm_features(asset, daily), model)

    return build


def _build_cross(config: StudyConfig, asset: str | None, daily: bool) -> CrossAssetLSTMRegressor:
    return CrossAssetLSTMRegressor(**_recurrent_params(config))


def _build_har(distribution: str) -> Callable[[StudyConfig, str, bool], Pipeline]:
    def build(config: StudyConfig, asset: str, daily: bool) -> Pipeline:
        return _pipeline(
            har_features(asset, daily), HARRegressor(log=True, distribution=distribution)
        )

    return build


#: The models compared on the study's target, on the same walk-forward folds.
STUDY_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("lstm", "LSTMRegressor", "log1p", False, "LSTM", _build_lstm),
    ModelSpec("attention_lstm", "AttentionLSTMRegressor", "log1p", False, "LSTM", _build_attention),
    ModelSpec(
        "prob_lstm_normal",
        "ProbabilisticLSTMRegressor (Normal)",
        "log1p",
        True,
        "LSTM",
        _build_prob("normal"),
    ),
    ModelSpec("har", "HARRegressor (HAR-log, Normal)", "log1p", True, "HAR", _build_har("normal")),
)

#: Candidate setups for skvol's recommendation (all on log RV), compared with the study's.
CANDIDATES: tuple[ModelSpec, ...] = (
    ModelSpec(
        "prob_lstm_t_log",
        "ProbabilisticLSTMRegressor (Student-t) on log RV",
        "log",
        True,
        "LSTM",
        _build_prob("student_t"),
    ),
    ModelSpec(
        "har_t_log",
        "HARRegressor (HAR-log, Student-t) on log RV",
        "log",
        True,
        "HAR",
        _build_har("student_t"),
    ),
    ModelSpec(
        "cross_asset",
        "CrossAssetLSTMRegressor (HAR-anchored, pooled, Normal) on log RV",
        "log",
        True,
        "LSTM",
        _build_cross,
        pooled=True,
    ),
)

#: The study's own setup: Normal probabilistic LSTM on log(1 + RV).
STUDY_SETUP = "prob_lstm_normal"
#: skvol's recommended setup (chosen by measurement, see docs/study.md).
RECOMMENDED_SETUP = "har_t_log"


#: The cross-asset neural model (the study's title), compared with the recommended setup.
CROSS_ASSET_SETUP = "cross_asset"

#: The setups whose backtests the report shows in full: the study's, the recommended and
#: the cross-asset model.
REPORTED_SETUPS: tuple[str, ...] = (STUDY_SETUP, RECOMMENDED_SETUP, CROSS_ASSET_SETUP)
#: The family of the baseline models the report compares every other family with.
BASELINE_FAMILY = "HAR"


@dataclass(frozen=True)
class ReturnModelSpec:
    """A benchmark risk desks run on daily returns (EWMA, GARCH): a return distribution.

    It has no target distribution, so no volatility VaR: it enters the return VaR and ES
    backtests and the forecast comparison (its conditional variance against tomorrow's
    realized variance). Fitted on the asset's daily returns, ``y`` tomorrow's return.

    Attributes
    ----------
    key, label, family : str
        As :class:`ModelSpec`.
    build : callable
        ``build(config, asset, daily) -> Pipeline`` (daily return -> regressor).
    """

    key: str
    label: str
    family: str
    build: Callable[[StudyConfig, str, bool], Pipeline]
    probabilistic: bool = True
    pooled: bool = False

    @property
    def target(self) -> None:
        """None: the model's distribution is tomorrow's return itself."""
        return None

    @property
    def target_label(self) -> str:
        """``"return"``."""
        return "return"


def return_features(asset: str, daily: bool) -> ColumnTransformer | DailyReturn:
    """The daily return, the only input of the return models."""
    if daily:
        return ColumnTransformer(
            [("ret", "passthrough", [f"{asset}__{DAILY_RETURN}"])],
            verbose_feature_names_out=False,
        )
    return DailyReturn()


def _build_returns(model_factory) -> Callable[[StudyConfig, str, bool], Pipeline]:
    def build(config: StudyConfig, asset: str, daily: bool) -> Pipeline:
        return _pipeline(return_features(asset, daily), model_factory())

    return build


#: The desks' benchmarks on daily returns (issue: the risk desk's toolkit).
RETURN_MODELS: tuple[ReturnModelSpec, ...] = (
    ReturnModelSpec(
        "ewma", "EWMARegressor (RiskMetrics, lambda 0.94)", "EWMA", _build_returns(EWMARegressor)
    ),
    ReturnModelSpec(
        "garch",
        "GARCHRegressor (GARCH(1,1), Normal)",
        "GARCH",
        _build_returns(GARCHRegressor),
    ),
    ReturnModelSpec(
        "gjr_t",
        "GARCHRegressor (GJR-GARCH, Student-t)",
        "GARCH",
        _build_returns(lambda: GARCHRegressor(kind="gjr", distribution="student_t")),
    ),
)


def all_models() -> tuple[ModelSpec, ...]:
    """Every model the study fits on a realized-variance target, study models first."""
    return STUDY_MODELS + CANDIDATES


def model_spec(key: str) -> ModelSpec | ReturnModelSpec:
    """The registered model ``key`` (a target model or a return model)."""
    for spec in all_models() + RETURN_MODELS:
        if spec.key == key:
            return spec
    known = [s.key for s in all_models() + RETURN_MODELS]
    raise ValueError(f"unknown model {key!r}; the study has {known}")
