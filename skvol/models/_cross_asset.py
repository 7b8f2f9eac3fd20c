"""The cross-asset neural model: a pooled, HAR-anchored LSTM over several assets.

How rows are aligned
--------------------
``X`` is a daily-measures frame: one row per date on the union of the assets' calendars
(sorted ``DatetimeIndex``), columns ``"<asset>__<measure>"`` (``rv``, ``bv``, ``rs_neg``,
``rs_pos``, ``ret``, ``jumps``, ...), NaN where an asset did not trade. An asset's *own
trading days* are the rows where its anchor variable (``<asset>__rv``) is observed.
``Y`` has one column per output series, named ``"<asset>__<target>"``; its row ``t``
holds the target for the asset's next trading day after ``t`` (NaN where undefined), so
``Y`` is observed only on the asset's own trading days.

A forecast for asset ``a`` is made at each of its own trading days ``t`` and reads:

* the look-back window of ``a``'s own last ``lookback`` trading days ``<= t`` (calendar
  gaps of ``a`` are skipped, not padded), each step holding ``a``'s measures of that day
  and the HAR averages of its log RV over its own last 1, 5 and 22 trading days;
* at each step (a date ``d``), the cross-asset inputs *as of* ``d``: every asset's latest
  log RV dated ``<= d`` (a Saturday BTC step sees Friday's S&P 500), their mean (the
  market volatility proxy, each asset standardised by its training mean and standard
  deviation), and the rolling correlations of daily returns over the ``corr_window``
  union-calendar rows ending at ``d`` (the Pearson formula of
  :class:`skvol.features.RollingCorrelation` over the days both assets traded, defined
  once at least ``max(2, corr_window // 2)`` such days exist).

So nothing dated after ``t`` enters a forecast made at ``t``. Dates are session dates:
the model takes the forecast to be issued once every session dated ``t`` has closed (for
the sessions in ``skvol.data``, midnight UTC, when BTC's 24-hour session of ``t`` ends).
An FX session dated ``t + 1`` opens at 17:00 New York on ``t``, before that midnight, so
BTC's last hours of ``t`` overlap the first hours of EUR/USD's next session.

The mean is anchored on HAR (see :mod:`skvol.models._anchor`) and, with several assets,
corrected by a linear term in the other assets' latest log RV that training starts at its
least-squares fit (``_cross_start``).
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from joblib import Parallel, delayed
from scipy import stats
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_consistent_length, check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, ProgressBar

from skvol._columns import SEP, asset_of, group_assets
from skvol._history import carry, date_index, prepend
from skvol._history import check_dates as _check_dates
from skvol.features._base import check_panel
from skvol.features._cross import _pearson
from skvol.models._anchor import HARAnchor, check_har_windows, fit_har_anchor
from skvol.models._bridge import (
    RecentValidationSplit,
    StopOnNonFiniteLoss,
    batch_loader,
    train_against_start,
)
from skvol.models._cross_modules import AnchoredNLLLoss, CrossAssetNet, PooledWindowDataset
from skvol.models._har import har_averages
from skvol.models._mixture import MixtureDistribution
from skvol.models._windows import lookback_windows

logger = logging.getLogger(__name__)

#: The anchor variable of a named asset, and the daily return used for correlations.
ANCHOR_MEASURE = "rv"
RETURN_MEASURE = "ret"
#: Measures that are variances (non-negative): the network reads their logs.
VARIANCE_MEASURES = frozenset(
    {"rv", "bv", "rs_neg", "rs_pos", "rq", "tq", "medrv", "minrv", "tv", "rk", "jump_var"}
)
#: A zero variance measure (e.g. a day without negative returns) is floored at this
#: fraction of the measure's median positive value in fit before its log is taken.
LOG_FLOOR_FRACTION = 1e-3


def _log_info(message: str) -> None:
    logger.info(message)


@dataclass(frozen=True)
class _Layout:
    """Which columns of X belong to which asset and measure, and what each output reads."""

    assets: tuple[str, ...]
    measures: tuple[str, ...]
    positions: np.ndarray  # (n_assets, n_measures) column positions in X
    anchor: int  # index into measures of the anchor variable
    ret: int | None  # index into measures of the daily return, if any
    outputs: tuple[str, ...]
    output_asset: np.ndarray  # (n_outputs,) index into assets


def _layout(feature_names, n_features: int, y_names: list[str] | None, n_outputs: int) -> _Layout:
    names = None if feature_names is None else [str(c) for c in feature_names]
    if names is None or not any(SEP in c for c in names):
        labels = names if names is not None else [f"x{j}" for j in range(n_features)]
        assets = ("",)
        measures = tuple(labels)
        positions = np.arange(n_features)[None, :]
        anchor = measures.index(ANCHOR_MEASURE) if ANCHOR_MEASURE in measures else 0
        ret = measures.index(RETURN_MEASURE) if RETURN_MEASURE in measures else None
    else:
        unnamed = [c for c in names if SEP not in c]
        if unnamed:
            raise ValueError(
                "CrossAssetLSTMRegressor: every column of X must be named "
                f"'<asset>__<measure>' once any is; column {unnamed[0]!r} is not"
            )
        groups = group_assets(names, n_features)
        assets = tuple(a for a, _ in groups)
        measures = tuple(names[p].rsplit(SEP, 1)[1] for p in groups[0][1])
        rows = []
        for asset, pos in groups:
            own = {names[p].rsplit(SEP, 1)[1]: p for p in pos}
            if set(own) != set(measures) or len(own) != len(pos):
                raise ValueError(
                    "CrossAssetLSTMRegressor: every asset of X needs the same measures "
                    f"once each (the network is shared); {groups[0][0]!r} has "
                    f"{sorted(measures)} but {asset!r} has {sorted(names[p] for p in pos)}"
                )
            rows.append([own[m] for m in measures])
        positions = np.asarray(rows, dtype=np.intp)
        if ANCHOR_MEASURE not in measures:
            raise ValueError(
                "CrossAssetLSTMRegressor: X needs an '<asset>__rv' column per asset (the "
                f"HAR anchor's variable); its measures are {list(measures)}"
            )
        anchor = measures.index(ANCHOR_MEASURE)
        ret = measures.index(RETURN_MEASURE) if RETURN_MEASURE in measures else None
    outputs = tuple(y_names) if y_names is not None else tuple(f"y{j}" for j in range(n_outputs))
    if len(assets) == 1:
        output_asset = np.zeros(n_outputs, dtype=np.intp)
    else:
        if y_names is None:
            raise ValueError(
                f"CrossAssetLSTMRegressor: X holds {len(assets)} assets {list(assets)}, so Y "
                "must be a DataFrame (or named Series) whose columns are named "
                "'<asset>__<target>'"
            )
        missing = [c for c in outputs if asset_of(c) not in assets]
        if missing:
            raise ValueError(
                f"CrossAssetLSTMRegressor: Y column {missing[0]!r} names no asset of X "
                f"(assets {list(assets)}); name Y's columns '<asset>__<target>'"
            )
        output_asset = np.asarray([assets.index(asset_of(c)) for c in outputs], dtype=np.intp)
    return _Layout(assets, measures, positions, anchor, ret, outputs, output_asset)


def _moments(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NaN-ignoring column means and standard deviations (ddof=0); zero or NaN spread -> 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(values, axis=0)
        scale = np.nanstd(values, axis=0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    return mean, scale


def _latest(values: np.ndarray) -> np.ndarray:
    """Column-wise last observed value at or before each row (NaN before the first)."""
    n_rows = values.shape[0]
    seen = np.where(np.isfinite(values), np.arange(n_rows)[:, None], -1)
    last = np.maximum.accumulate(seen, axis=0)
    out = np.take_along_axis(values, np.maximum(last, 0), axis=0)
    return np.where(last >= 0, out, np.nan)


@dataclass
class _Inputs:
    """Per-block network inputs: per output, its own rows and their windows."""

    rows: list[np.ndarray]  # own-day row positions per output
    windows: list[np.ndarray]
    masks: list[np.ndarray]
    base: list[np.ndarray]  # anchor mean on those rows per output


def _cross_start(
    dataset, columns: np.ndarray, series_asset: np.ndarray, penalty: float
) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares start of the cross-asset term: per series, ``(weight, bias)``.

    On every training sample (the validation rows included, as for the HAR anchor: the
    term is part of the start the trained epochs compete with), series ``j``'s
    standardised residual is regressed by OLS on an intercept and the other assets'
    latest log RV at the window's last step (standardised, 0 before an asset's first
    day). The solution is divided by ``1 + 2 * penalty``, which makes it the minimiser of
    the Normal training loss with ``m = 1`` and an unbounded correction (``mean((y -
    c)**2) / 2 + penalty * mean(c**2)`` is a ridge towards ``c = 0`` on the fitted
    values). A rank-deficient design takes the minimum-norm solution. The own asset's
    weight is 0.
    """
    latest = dataset.windows[:, -1][:, columns].numpy().astype(np.float64)
    series = dataset.series.numpy()
    target = dataset.y[:, 0].numpy().astype(np.float64)
    n_series = series_asset.shape[0]
    weight = np.zeros((n_series, columns.shape[0]))
    bias = np.zeros(n_series)
    for j in range(n_series):
        rows = series == j
        if not rows.any():
            continue
        others = np.flatnonzero(np.arange(columns.shape[0]) != series_asset[j])
        design = np.column_stack([np.ones(int(rows.sum())), latest[rows][:, others]])
        solution, *_ = np.linalg.lstsq(design, target[rows], rcond=None)
        solution = solution / (1.0 + 2.0 * penalty)
        bias[j] = solution[0]
        weight[j, others] = solution[1:]
    return weight, bias


def _train_member(config: dict, dataset, valid_y, df0, n_valid: int, seed: int, parent: int):
    """Build, seed and train one ensemble member; return (net, best_epoch, n_epochs).

    In a worker process (not ``parent``) torch uses one thread, so parallel members do
    not oversubscribe the cores; in the calling process the thread setting is untouched.
    """
    if os.getpid() != parent:
        torch.set_num_threads(1)
    callbacks: list = [("stop_on_nonfinite_loss", StopOnNonFiniteLoss())]
    train_split = None
    if n_valid > 0:
        train_split = RecentValidationSplit(n_valid)
        callbacks.append(
            (
                "early_stopping",
                EarlyStopping(
                    patience=config["patience"],
                    threshold=1e-4,
                    threshold_mode="abs",
                    load_best=True,
                    sink=_log_info,
                ),
            )
        )
    if config["verbose"]:
        callbacks.append(("progress_bar", ProgressBar()))
    net = NeuralNet(
        module=CrossAssetNet,
        **{f"module__{k}": v for k, v in config["module"].items()},
        criterion=AnchoredNLLLoss,
        criterion__penalty=config["penalty"],
        optimizer=torch.optim.AdamW,
        optimizer__weight_decay=config["weight_decay"],
        optimizer__foreach=True,
        lr=config["lr"],
        max_epochs=max(config["max_epochs"], 1),
        batch_size=config["batch_size"],
        iterator_train=batch_loader,
        iterator_train__shuffle=True,
        iterator_valid=batch_loader,
        train_split=train_split,
        callbacks=callbacks,
        predict_nonlinearity=None,
        verbose=int(bool(config["verbose"])),
        device=config["device"],
    )
    devices = [torch.cuda.current_device()] if config["device"] == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        net.initialize()
        if config["max_epochs"] == 0:
            return net, 0, 0
        if config["cross_start"] is not None:
            weight, bias = config["cross_start"]
            with torch.no_grad():
                net.module_.cross_weight.copy_(torch.as_tensor(weight))
                net.module_.cross_bias.copy_(torch.as_tensor(bias))
        best, n_epochs = train_against_start(
            net,
            dataset,
            n_valid,
            valid_y[:, 0],
            None if df0 is None else valid_y[:, 1],
            config["start_test_level"],
            measured_start=config["cross_start"] is not None,
        )
    return net, best, n_epochs


class CrossAssetLSTMRegressor(RegressorMixin, BaseEstimator):
    """Pooled, HAR-anchored LSTM forecasting several assets' next-day log RV at once.

    One network is shared by every output series (told apart by a learned embedding).
    For asset ``a`` at its own trading day ``t`` the predictive distribution of the
    target is ``Normal(mu, sigma)`` (or Student-t with ``df``) with

    ``mu = HAR_a(t) + s_a * c``,   ``sigma = s_a * m``

    where ``HAR_a(t) = b0 + b_d x_t + b_w mean(x_{t-4..t}) + b_m mean(x_{t-21..t})`` is the
    HAR-log of Corsi (2009, eq. 8) on the asset's own log RV ``x`` over its own trading
    days, fitted by OLS and held fixed; ``s_a`` its residual scale (and ``df`` its
    Student-t MLE, as :class:`skvol.HARRegressor` computes them); and ``c``, ``m`` (and
    ``df``) the network's outputs, ``c = correction_bound * tanh(raw / correction_bound)``
    with ``raw = head(h_t) + g_j + w_j . z_t``: the LSTM head's output plus, with several
    assets and ``cross_linear=True``, a linear cross-asset term of the output series
    ``j``, with ``z_t`` the other assets' latest log RV as of ``t`` (standardised by their
    training moments). The head and the term start at zero (``c = 0``, ``m = 1``), so
    before training (``max_epochs=0``) the model equals ``HARRegressor(log=True,
    distribution=...)`` fitted on that asset's RV and target; the anchor extrapolates a
    level shift as HAR does and the bound keeps the correction from undoing it
    (Reisenhofer, Bayer and Hautsch, 2022, HARNet, start from an exact HAR in the same
    way). The network reads each asset's own look-back window and the other assets'
    latest log RV, rolling correlations and a market volatility proxy (pooling with a
    market proxy: Zhang, Zhang, Cucuringu and Qian, 2023). The row alignment is stated in
    :mod:`skvol.models._cross_asset` and ``docs/models.md``: nothing dated after ``t``
    enters a forecast made at ``t``.

    Training starts the cross-asset term at its least-squares fit on the training rows
    (``cross_coef_``, ``cross_intercept_``): series ``j``'s standardised HAR residuals
    regressed on an intercept and ``z_t``, divided by ``1 + 2 * correction_penalty`` (a
    two-stage HAR with the other assets' RV as exogenous regressors). HAR reads only the
    asset's own RV; what it misses from the others (a common volatility factor,
    spillovers) is largely linear in their log RV, and a linear term extrapolates to
    levels the training rows never reached (after a regime shift) where the LSTM's
    saturating units do not. It then minimises the exact negative log-likelihood of the
    target's residual from the anchor in units of ``s_a`` (pooled over assets, so each
    asset weighs by its own noise level) plus ``correction_penalty * mean(c**2 +
    log(m)**2)``. The validation rows are the most recent ``validation_fraction`` of the
    (date-ordered) training samples; the start (the anchor plus the least-squares term)
    competes with the best trained epoch there (``start_test_level``), and
    ``best_epochs_`` records which won (0 = the start).

    ``n_ensemble`` members train from seeds drawn from ``random_state``; ``predict_dist``
    returns their equal-weight mixture (:class:`~skvol.models._mixture.MixtureDistribution`)
    or, for one member, a frozen ``scipy.stats`` distribution.

    A plain 2-D ndarray (or a DataFrame without ``"<asset>__"`` columns) is one unnamed
    asset whose every row is a trading day; its anchor variable is the column named
    ``rv`` if there is one, else column 0. The HAR anchor takes logs of the anchor
    variable when all its fitted values are positive (always, for realized variances;
    ``anchor_log_`` records it) and runs on levels otherwise.

    Parameters
    ----------
    lookback : int, default=20
        Own trading days per look-back window (fewer at the start of a block: the window
        is left-padded and masked).
    hidden_size : int, default=16
        LSTM hidden units.
    num_layers : int, default=1
        Stacked LSTM layers.
    dropout : float, default=0.0
        Dropout between LSTM layers and before the head.
    lr : float, default=1e-3
        AdamW learning rate.
    weight_decay : float, default=0.0
        AdamW decoupled weight decay of the network (the HAR anchor is not a weight).
    max_epochs : int, default=50
        Maximum passes over the training samples; 0 keeps the untrained start (the HAR;
        the cross-asset term's least-squares start is part of training and is skipped).
    batch_size : int, default=64
        Samples per mini-batch.
    patience : int or None, default=10
        Early-stopping patience on the validation loss (absolute threshold 1e-4); None or
        0 disables early stopping and the untrained-start comparison.
    validation_fraction : float, default=0.1
        Fraction of the most recent training samples held out for early stopping.
    distribution : {"normal", "student_t"}, default="normal"
        Predictive family of each member.
    anchor : {"har"} or None, default="har"
        ``"har"`` anchors the mean on HAR as above; None replaces ``HAR_a(t)`` by the
        training mean of the target and ``s_a`` by its standard deviation (a plain pooled
        network, the correction unbounded).
    har_windows : tuple of int, default=(1, 5, 22)
        HAR averaging windows in own trading days.
    correction_bound : float or None, default=1.0
        Bound of ``|c|`` in units of ``s_a`` (None: unbounded). Ignored when
        ``anchor=None``.
    correction_penalty : float, default=0.1
        Weight of ``mean(c**2 + log(m)**2)`` in the loss (a ridge towards the anchor's
        mean and residual scale).
    start_test_level : float or None, default=0.05
        The trained network replaces its start (the anchor plus the least-squares
        cross-asset term) only if its validation log-likelihood beats the start's by a
        one-sided paired t-test at this level; None: whenever the mean gain exceeds 1e-4.
        Without validation rows (``patience=None``) the trained network is kept.
    cross_linear : bool, default=True
        With several assets, add the linear cross-asset term ``g_j + w_j . z_t`` to the
        correction and start it at its least-squares fit (see above); False leaves the
        correction to the LSTM head alone (and the start is the anchor itself). Ignored
        with one asset.
    corr_window : int, default=30
        Union-calendar rows of the rolling return correlations.
    embedding_size : int, default=4
        Width of the series embedding.
    n_ensemble : int, default=1
        Ensemble members.
    n_jobs : int or None, default=None
        Members trained in parallel by joblib worker processes (each uses one torch
        thread); the members equal the serial ones. A threading backend (joblib's
        ``parallel_config(backend="threading")``) would share torch's global random
        state between members and lose that reproducibility.
    random_state : int, RandomState instance or None, default=None
        Seeds the members' seeds (weight initialisation, shuffling, dropout; inside
        ``torch.random.fork_rng``).
    device : {"cpu", "cuda"}, default="cpu"
        Torch device.
    verbose : int, default=0
        Non-zero prints skorch's epoch table.

    Attributes
    ----------
    nets_ : list of skorch.NeuralNet
        The trained members.
    best_epochs_ : ndarray of int, shape (n_ensemble,)
        Epoch whose weights each member kept; 0 means the start (the anchor plus the
        least-squares cross-asset term; the anchor alone without that term).
    n_epochs_ : ndarray of int, shape (n_ensemble,)
        Epochs each member ran.
    anchors_ : list of HARAnchor or None
        The HAR anchor of each output (None entries when ``anchor=None``).
    anchor_scale_ : ndarray of shape (n_outputs,)
        ``s_a`` per output.
    cross_coef_ : ndarray of shape (n_outputs, n_assets) or None
        The least-squares start of the cross-asset weights ``w_j`` (per standardised log
        RV, in units of ``s_a``; 0 for the output's own asset), or None without the term
        (one asset, ``cross_linear=False`` or ``max_epochs=0``). Training moves the
        network's copy on from there.
    cross_intercept_ : ndarray of shape (n_outputs,) or None
        The least-squares start of ``g_j``, as ``cross_coef_``.
    anchor_log_ : bool
        Whether the anchor variable was logged.
    assets_ : tuple of str
        Assets of X (``""`` for an unnamed one).
    outputs_ : tuple of str
        Output names (Y's columns).
    output_assets_ : tuple of str
        The asset each output reads.
    history_ : skvol._history.History
        The last rows of X a continuing frame needs (see ``predict``).
    n_features_in_ : int
        Number of columns of X.
    feature_names_in_ : ndarray of str
        Column names of X (DataFrames only).

    See Also
    --------
    HARRegressor : The anchor on its own.
    ProbabilisticLSTMRegressor : A per-asset network.

    References
    ----------
    Corsi, F. (2009). A simple approximate long-memory model of realized volatility.
    Journal of Financial Econometrics, 7(2), 174-196.
    Reisenhofer, R., Bayer, X. and Hautsch, N. (2022). HARNet: A convolutional neural
    network for realized volatility forecasting. arXiv:2205.07719.
    Zhang, C., Zhang, Y., Cucuringu, M. and Qian, Z. (2023). Volatility forecasting with
    machine learning and intraday commonality. Journal of Financial Econometrics.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skvol.models import CrossAssetLSTMRegressor
    >>> rng = np.random.default_rng(0)
    >>> days = pd.date_range("2017-01-01", periods=120, freq="D", name="date")
    >>> rv = pd.DataFrame(np.exp(rng.normal(-9, 0.4, size=(120, 2))), index=days,
    ...                   columns=["BTC__rv", "SPX__rv"])
    >>> rv.loc[rv.index.dayofweek >= 5, "SPX__rv"] = np.nan  # SPX trades on weekdays
    >>> Y = pd.DataFrame({f"{a}__log_rv_next": np.log(rv[f"{a}__rv"].dropna().shift(-1)
    ...                   * 1e4).reindex(days) for a in ("BTC", "SPX")})
    >>> model = CrossAssetLSTMRegressor(lookback=5, hidden_size=4, max_epochs=2,
    ...                                 random_state=0).fit(rv, Y)
    >>> dist = model.predict_dist(rv)
    >>> dist.mean().shape
    (120, 2)
    >>> bool(np.isnan(dist.mean()[days.dayofweek >= 5, 1]).all())  # no SPX weekend forecast
    True
    """

    _parameter_constraints: dict = {
        "lookback": [Interval(Integral, 1, None, closed="left")],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 0, None, closed="left"), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "distribution": [StrOptions({"normal", "student_t"})],
        "anchor": [StrOptions({"har"}), None],
        "har_windows": ["array-like"],
        "correction_bound": [Interval(Real, 0, None, closed="neither"), None],
        "correction_penalty": [Interval(Real, 0, None, closed="left")],
        "start_test_level": [Interval(Real, 0, 1, closed="neither"), None],
        "cross_linear": ["boolean"],
        "corr_window": [Interval(Integral, 2, None, closed="left")],
        "embedding_size": [Interval(Integral, 1, None, closed="left")],
        "n_ensemble": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "device": [StrOptions({"cpu", "cuda"})],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        lookback: int = 20,
        hidden_size: int = 16,
        num_layers: int = 1,
        dropout: float = 0.0,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        max_epochs: int = 50,
        batch_size: int = 64,
        patience: int | None = 10,
        validation_fraction: float = 0.1,
        *,
        distribution: str = "normal",
        anchor: str | None = "har",
        har_windows=(1, 5, 22),
        correction_bound: float | None = 1.0,
        correction_penalty: float = 0.1,
        start_test_level: float | None = 0.05,
        cross_linear: bool = True,
        corr_window: int = 30,
        embedding_size: int = 4,
        n_ensemble: int = 1,
        n_jobs: int | None = None,
        random_state=None,
        device: str = "cpu",
        verbose: int = 0,
    ):
        self.lookback = lookback
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.distribution = distribution
        self.anchor = anchor
        self.har_windows = har_windows
        self.correction_bound = correction_bound
        self.correction_penalty = correction_penalty
        self.start_test_level = start_test_level
        self.cross_linear = cross_linear
        self.corr_window = corr_window
        self.embedding_size = embedding_size
        self.n_ensemble = n_ensemble
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # NaN marks a date an asset did not trade
        tags.target_tags.multi_output = True
        # the anchor reads one column (the RV); on i.i.d. regression data with the signal
        # in another column, a bounded correction cannot reach R^2 > 0.5
        tags.regressor_tags.poor_score = True
        return tags

    # --- validation ------------------------------------------------------------------
    def _windows(self) -> tuple[int, ...]:
        return check_har_windows(self.har_windows, type(self).__name__)

    def _check_y(self, Y, n_rows: int, x_index) -> tuple[np.ndarray, list[str] | None, bool]:
        if Y is None:
            raise ValueError(
                "CrossAssetLSTMRegressor requires y to be passed, but the target y is None"
            )
        y_index = date_index(Y)
        if x_index is not None and y_index is not None and not y_index.equals(x_index):
            raise ValueError(
                "CrossAssetLSTMRegressor: Y's DatetimeIndex must equal X's (row t of Y is the "
                "target of the forecast made at X's row t)"
            )
        if isinstance(Y, pd.DataFrame):
            names = [str(c) for c in Y.columns]
        elif isinstance(Y, pd.Series) and Y.name is not None:
            names = [str(Y.name)]
        else:
            names = None
        values = check_array(
            Y,
            ensure_all_finite="allow-nan",
            ensure_2d=False,
            dtype=np.float64,
            copy=True,
            input_name="Y",
        )
        one_d = values.ndim == 1
        values = values.reshape(values.shape[0], -1)
        check_consistent_length(np.empty((n_rows, 1)), values)
        if np.isinf(values).any():
            row, col = np.argwhere(np.isinf(values))[0]
            raise ValueError(
                f"Input Y contains infinity at row {row}, column {col}; targets must be "
                "finite or NaN (undefined)"
            )
        return values, names, one_d

    def _check_device(self) -> None:
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                "device='cuda' was requested but torch finds no CUDA GPU "
                f"(torch {torch.__version__}); use device='cpu'"
            )

    # --- daily inputs ----------------------------------------------------------------
    def _observed(self, X: np.ndarray) -> np.ndarray:
        """(n_rows, n_assets): the asset traded (its anchor variable is observed)."""
        lay = self._layout
        return np.isfinite(X[:, lay.positions[:, lay.anchor]])

    def _anchor_variable(self, X: np.ndarray, index) -> np.ndarray:
        """The anchor variable per asset (n_rows, n_assets), logged when ``anchor_log_``."""
        lay = self._layout
        values = X[:, lay.positions[:, lay.anchor]]
        if not self.anchor_log_:
            return values
        bad = np.isfinite(values) & ~(values > 0)
        if bad.any():
            row, asset = np.argwhere(bad)[0]
            column = self._column_name(lay.positions[asset, lay.anchor])
            when = f"date {index[row].date()}" if index is not None else f"row {row}"
            raise ValueError(
                f"CrossAssetLSTMRegressor: the HAR anchor takes logs of {column}, which is "
                f"{float(values[row, asset])!r} at {when}; realized variances must be "
                "positive (NaN marks a day the asset did not trade)"
            )
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.log(values)

    def _column_name(self, position: int) -> str:
        names = getattr(self, "feature_names_in_", None)
        return f"column {names[position]!r}" if names is not None else f"column {position}"

    def _measures(self, X: np.ndarray, index, asset: int) -> np.ndarray:
        """The asset's measures, variances logged (floored at ``log_floor_``), NaN kept."""
        lay = self._layout
        values = X[:, lay.positions[asset]].copy()
        for m in self._log_measures:
            column = values[:, m]
            negative = column < 0
            if negative.any():
                row = int(np.flatnonzero(negative)[0])
                when = f"date {index[row].date()}" if index is not None else f"row {row}"
                raise ValueError(
                    "CrossAssetLSTMRegressor: "
                    f"{self._column_name(lay.positions[asset, m])} is a variance but is "
                    f"{float(column[row])!r} at {when}"
                )
            with np.errstate(invalid="ignore"):
                values[:, m] = np.log(np.maximum(column, self.log_floor_[asset, m]))
        return values

    def _cross(self, log_anchor: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Cross-asset inputs per union row: latest anchors, market proxy, correlations."""
        lay = self._layout
        latest = (_latest(log_anchor) - self.anchor_mean_) / self.anchor_std_
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            proxy = np.nanmean(latest, axis=1, keepdims=True)
        parts = [latest, proxy]
        if lay.ret is not None and len(lay.assets) > 1:
            returns = X[:, lay.positions[:, lay.ret]]
            width = self.corr_window
            padded = np.concatenate([np.full((width - 1, returns.shape[1]), np.nan), returns])
            windows = np.lib.stride_tricks.sliding_window_view(padded, width, axis=0)
            min_periods = max(2, width // 2)
            n_assets = len(lay.assets)
            parts.append(
                np.column_stack(
                    [
                        _pearson(windows[:, i, :], windows[:, j, :], min_periods)
                        for i in range(n_assets)
                        for j in range(i + 1, n_assets)
                    ]
                )
            )
        return np.nan_to_num(np.hstack(parts), nan=0.0)

    def _own(self, X: np.ndarray, index, log_anchor: np.ndarray, observed, asset: int):
        """Own rows of an asset, their anchor variable and own features (unstandardised)."""
        rows = np.flatnonzero(observed[:, asset])
        x = log_anchor[rows, asset]
        features = np.hstack(
            [self._measures(X, index, asset)[rows], har_averages(x[:, None], self._har_windows)]
        )
        return rows, x, features

    def _inputs(self, X: np.ndarray, index) -> _Inputs:
        """Windows for every own row of every output (standardised float32)."""
        lay = self._layout
        observed = self._observed(X)
        log_anchor = self._anchor_variable(X, index)
        cross = self._cross(log_anchor, X)
        per_asset = {}
        for asset in np.unique(lay.output_asset):
            rows, x, own = self._own(X, index, log_anchor, observed, asset)
            own = np.nan_to_num((own - self.own_mean_[asset]) / self.own_std_[asset], nan=0.0)
            windows, mask = lookback_windows(
                np.hstack([own, cross[rows]]).astype(np.float32), self.lookback
            )
            per_asset[asset] = (rows, x, windows, mask)
        out = _Inputs([], [], [], [])
        for j, asset in enumerate(lay.output_asset):
            rows, x, windows, mask = per_asset[asset]
            anchor = self.anchors_[j]
            base = (
                anchor.predict(x, self._har_windows)
                if anchor is not None
                else np.full(rows.shape[0], self.target_mean_[j])
            )
            out.rows.append(rows)
            out.windows.append(windows)
            out.masks.append(mask)
            out.base.append(base)
        return out

    # --- fit -------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, Y):
        """Fit the HAR anchors and train the pooled network (``n_ensemble`` members).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_dates, n_columns)
            Daily-measures frame (see the class docstring for the layout); NaN where an
            asset did not trade.
        Y : DataFrame, Series or array-like of shape (n_dates,) or (n_dates, n_outputs)
            Targets: row t holds each output's next-trading-day target, NaN where
            undefined; columns named ``"<asset>__<target>"`` when X holds several assets.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        windows = self._windows()
        self._check_device()
        index = date_index(X)
        values = check_panel(self, X, reset=True)
        _check_dates(index)
        y, y_names, self._y_1d = self._check_y(Y, values.shape[0], index)
        lay = _layout(
            getattr(self, "feature_names_in_", None), values.shape[1], y_names, y.shape[1]
        )
        self._layout = lay
        self._har_windows = windows
        self.assets_ = lay.assets
        self.outputs_ = lay.outputs
        self.output_assets_ = tuple(lay.assets[a] for a in lay.output_asset)
        observed = self._observed(values)
        self._check_targets(y, observed, index)

        anchor_values = values[:, lay.positions[:, lay.anchor]]
        # a named asset's anchor is its RV, which must be positive (checked when logged)
        self.anchor_log_ = lay.assets != ("",) or bool(
            np.all(anchor_values[np.isfinite(anchor_values)] > 0)
        )
        self._log_measures = [
            m
            for m, name in enumerate(lay.measures)
            if name in VARIANCE_MEASURES and self.anchor_log_
        ]
        raw = values[:, lay.positions]  # (n_rows, n_assets, n_measures)
        floor = np.ones(raw.shape[1:])
        for m in self._log_measures:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                median = np.nanmedian(np.where(raw[:, :, m] > 0, raw[:, :, m], np.nan), axis=0)
            floor[:, m] = np.where(np.isfinite(median), LOG_FLOOR_FRACTION * median, 1.0)
        self.log_floor_ = floor

        log_anchor = self._anchor_variable(values, index)
        self.anchor_mean_, self.anchor_std_ = _moments(np.where(observed, log_anchor, np.nan))
        n_assets = len(lay.assets)
        n_own = len(lay.measures) + len(windows)
        self.own_mean_ = np.zeros((n_assets, n_own))
        self.own_std_ = np.ones((n_assets, n_own))
        anchors: list[HARAnchor | None] = []
        scales = np.empty(y.shape[1])
        target_mean = np.empty(y.shape[1])
        for asset in np.unique(lay.output_asset):
            _, _, own = self._own(values, index, log_anchor, observed, asset)
            self.own_mean_[asset], self.own_std_[asset] = _moments(own)
        for j, asset in enumerate(lay.output_asset):
            rows = np.flatnonzero(observed[:, asset])
            target = y[rows, j]
            finite = target[np.isfinite(target)]
            target_mean[j] = finite.mean()
            if self.anchor == "har":
                anchor = fit_har_anchor(
                    log_anchor[rows, asset], target, windows, self.distribution, type(self).__name__
                )
                scale = anchor.scale
            else:
                anchor = None
                scale = float(finite.std())
            anchors.append(anchor)
            scales[j] = max(scale, 1e-8 * max(1.0, float(np.abs(finite).max())))
        self.anchors_ = anchors
        self.anchor_scale_ = scales
        self.target_mean_ = target_mean

        inputs = self._inputs(values, index)
        dataset, valid_y, n_valid = self._training_set(inputs, y)
        df0 = None
        if self.distribution == "student_t":
            df0 = [a.df if a is not None else 30.0 for a in anchors]
        cross_columns = cross_start = None
        if self.cross_linear and n_assets > 1 and self.max_epochs > 0:
            # each step's inputs: the own block, then every asset's latest log RV
            first = len(lay.measures) + len(windows)
            cross_columns = list(range(first, first + n_assets))
            cross_start = _cross_start(
                dataset,
                np.asarray(cross_columns),
                lay.output_asset,
                self.correction_penalty,
            )
        config = {
            "module": {
                "n_features": inputs.windows[0].shape[2],
                "n_series": y.shape[1],
                "hidden_size": self.hidden_size,
                "num_layers": self.num_layers,
                "dropout": self.dropout,
                "embedding_size": self.embedding_size,
                "df0": df0,
                "correction_bound": self.correction_bound if self.anchor == "har" else None,
                "cross_columns": cross_columns,
                "series_asset": None if cross_columns is None else lay.output_asset.tolist(),
            },
            "penalty": self.correction_penalty,
            "weight_decay": self.weight_decay,
            "lr": self.lr,
            "max_epochs": self.max_epochs,
            "batch_size": self.batch_size,
            "patience": self.patience,
            "start_test_level": self.start_test_level,
            "cross_start": cross_start,
            "verbose": self.verbose,
            "device": self.device,
        }
        if df0 is not None:
            valid_series = dataset.series.numpy()[len(dataset) - n_valid :]
            valid_y = np.column_stack([valid_y, np.asarray(df0)[valid_series]])
        seeds = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=self.n_ensemble
        )
        parallel = self.n_jobs not in (None, 1) and self.n_ensemble > 1
        results = Parallel(n_jobs=self.n_jobs if parallel else 1, prefer="processes")(
            delayed(_train_member)(config, dataset, valid_y, df0, n_valid, int(seed), os.getpid())
            for seed in seeds
        )
        self.cross_coef_, self.cross_intercept_ = cross_start or (None, None)
        self.nets_ = [net for net, _, _ in results]
        self.best_epochs_ = np.array([best for _, best, _ in results], dtype=np.intp)
        self.n_epochs_ = np.array([n for _, _, n in results], dtype=np.intp)
        self.history_ = carry(values, index, values.shape[0] - self._history_start(observed))
        return self

    def _check_targets(self, y: np.ndarray, observed: np.ndarray, index) -> None:
        lay = self._layout
        for j, asset in enumerate(lay.output_asset):
            off = np.isfinite(y[:, j]) & ~observed[:, asset]
            if off.any():
                row = int(np.flatnonzero(off)[0])
                when = f"date {index[row].date()}" if index is not None else f"row {row}"
                warnings.warn(
                    f"CrossAssetLSTMRegressor: Y column {lay.outputs[j]!r} has {int(off.sum())} "
                    f"target(s) on rows where asset {lay.assets[asset] or '(unnamed)'!r} did "
                    f"not trade (its anchor variable is NaN), the first at {when}; forecasts "
                    "are made on the asset's own trading days only, so these targets are not "
                    "used",
                    UserWarning,
                    stacklevel=3,
                )
                y[off, j] = np.nan
            n_finite = int(np.isfinite(y[:, j]).sum())
            if n_finite < len(self._har_windows) + 2:
                raise ValueError(
                    f"CrossAssetLSTMRegressor needs at least {len(self._har_windows) + 2} rows "
                    f"with a finite target per output for the HAR anchor; output "
                    f"{lay.outputs[j]!r} has n_samples = {n_finite}"
                )

    def _training_set(self, inputs: _Inputs, y: np.ndarray):
        """Samples with a target, ordered by date, standardised by the anchor."""
        rows, windows, masks, series, target = [], [], [], [], []
        for j in range(y.shape[1]):
            own_rows = inputs.rows[j]
            value = y[own_rows, j]
            keep = np.isfinite(value)
            rows.append(own_rows[keep])
            windows.append(inputs.windows[j][keep])
            masks.append(inputs.masks[j][keep])
            series.append(np.full(int(keep.sum()), j))
            target.append((value[keep] - inputs.base[j][keep]) / self.anchor_scale_[j])
        order = np.argsort(np.concatenate(rows), kind="stable")
        standardised = np.concatenate(target)[order].astype(np.float32).reshape(-1, 1)
        dataset = PooledWindowDataset(
            np.concatenate(windows)[order],
            np.concatenate(masks)[order],
            np.concatenate(series)[order],
            standardised,
        )
        n_samples = len(dataset)
        n_valid = int(self.validation_fraction * n_samples) if self.patience else 0
        if n_valid >= n_samples:
            n_valid = 0
        valid_y = standardised[n_samples - n_valid :, :1].astype(np.float64)
        return dataset, valid_y, n_valid

    def _history_start(self, observed: np.ndarray) -> int:
        """First row a continuing frame's forecasts can depend on (see the module doc)."""
        n_rows = observed.shape[0]
        need = self.lookback - 1 + max(self._har_windows) - 1
        start = n_rows
        for asset in np.unique(self._layout.output_asset):
            rows = np.flatnonzero(observed[:, asset])
            if need > 0:
                start = min(start, int(rows[-need]) if rows.size >= need else 0)
        first = max(start - (self.corr_window - 1), 0)
        for asset in range(observed.shape[1]):
            before = np.flatnonzero(observed[:start, asset])
            if before.size:
                first = min(first, int(before[-1]))
        return first

    # --- predict ---------------------------------------------------------------------
    def _member_params(self, X) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per member (K, n_rows, n_outputs): loc, scale and df (NaN off own days)."""
        check_is_fitted(self)
        index = date_index(X)
        values = check_panel(self, X, reset=False)
        _check_dates(index)
        block, n_before = prepend(self.history_, values, index)
        block_index = None
        if index is not None and n_before:
            block_index = self.history_.index[:n_before].append(index)
        elif index is not None:
            block_index = index
        inputs = self._inputs(block, block_index)
        n_rows, n_out = block.shape[0], len(self._layout.outputs)
        series = np.concatenate([np.full(r.shape[0], j) for j, r in enumerate(inputs.rows)])
        dataset = PooledWindowDataset(
            np.concatenate(inputs.windows), np.concatenate(inputs.masks), series
        )
        k = len(self.nets_)
        loc = np.full((k, n_rows, n_out), np.nan)
        scale = np.full((k, n_rows, n_out), np.nan)
        df = np.full((k, n_rows, n_out), np.nan) if self.distribution == "student_t" else None
        bounds = np.cumsum([0] + [r.shape[0] for r in inputs.rows])
        for m, net in enumerate(self.nets_):
            if len(dataset) == 0:  # no output's asset traded on these rows
                break
            out = np.asarray(net.predict(dataset), dtype=np.float64)
            for j, rows in enumerate(inputs.rows):
                part = out[bounds[j] : bounds[j + 1]]
                s = self.anchor_scale_[j]
                loc[m, rows, j] = inputs.base[j] + s * part[:, 0]
                scale[m, rows, j] = s * part[:, 1]
                if df is not None:
                    df[m, rows, j] = part[:, 2]
        cut = slice(n_before, None)
        return loc[:, cut], scale[:, cut], None if df is None else df[:, cut]

    def predict_dist(self, X):
        """Predictive distribution of every (row, output) target.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_dates, n_columns)
            Laid out as in ``fit``. A DataFrame whose DatetimeIndex continues after the
            fitted rows gets the carried rows prepended, so its forecasts equal those of
            the whole series; an ndarray stands alone (its first rows get shorter windows
            and partial HAR averages).

        Returns
        -------
        dist : frozen scipy.stats distribution or MixtureDistribution
            One element per (row, output), shape (n_dates, n_outputs) (or (n_dates,) when
            ``Y`` was 1-D in fit); NaN where the output's asset did not trade that row.
            ``norm``/``t`` for one member, their equal-weight mixture for several.
        """
        loc, scale, df = self._member_params(X)
        if self._y_1d:
            loc, scale = loc[..., 0], scale[..., 0]
            df = None if df is None else df[..., 0]
        members = [
            stats.norm(loc=loc[m], scale=scale[m])
            if df is None
            else stats.t(df[m], loc=loc[m], scale=scale[m])
            for m in range(loc.shape[0])
        ]
        return members[0] if len(members) == 1 else MixtureDistribution(members)

    def predict(self, X) -> np.ndarray:
        """Predictive mean of every (row, output) target (NaN off the asset's trading days).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_dates, n_columns)
            As in ``predict_dist``.

        Returns
        -------
        y_pred : ndarray of shape (n_dates, n_outputs), or (n_dates,) for a 1-D ``Y``
        """
        loc, _, _ = self._member_params(X)
        mean = loc.mean(axis=0)
        return mean[:, 0] if self._y_1d else mean
