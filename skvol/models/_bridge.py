"""The private base of the recurrent regressors: a scikit-learn estimator around skorch.

skorch's own ``NeuralNetRegressor`` is not a compliant scikit-learn estimator (it fails
most of ``check_estimator``). The regressors here are plain ``BaseEstimator`` classes with
flat hyper-parameters; ``fit`` validates the data, standardises it, builds look-back
windows, and only then builds and trains a :class:`skorch.NeuralNet` (``net_``).
"""

from __future__ import annotations

import copy
import logging
import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from scipy import stats
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, ProgressBar
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
)

from skvol._history import carry, date_index, prepend
from skvol._history import check_dates as _check_dates
from skvol.models._windows import lookback_windows

logger = logging.getLogger(__name__)


def _log_info(message: str) -> None:
    logger.info(message)


class RecentValidationSplit:
    """skorch ``train_split`` that holds out the most recent ``n_valid`` windows.

    The dataset rows are in time order, so the validation part is the end of the
    training period, never the oldest rows and never shuffled.
    """

    def __init__(self, n_valid: int):
        self.n_valid = n_valid

    def __call__(self, dataset, y=None, **fit_params):
        n_rows = len(dataset)
        cut = n_rows - self.n_valid
        return Subset(dataset, np.arange(cut)), Subset(dataset, np.arange(cut, n_rows))


class WindowDataset(Dataset):
    """Look-back windows, their mask and the target as tensors, indexed a batch at a time.

    ``dataset[index_array]`` returns ``({"x": windows, "mask": mask}, y)`` for the whole
    batch, which skorch passes to the module as ``module(x=..., mask=...)``.
    """

    def __init__(self, windows: np.ndarray, mask: np.ndarray, y: np.ndarray | None = None):
        self.windows = torch.as_tensor(windows)
        self.mask = torch.as_tensor(mask)
        self.y = torch.zeros((len(windows), 1)) if y is None else torch.as_tensor(y)

    def __len__(self) -> int:
        return self.windows.shape[0]

    def __getitem__(self, index):
        index = torch.as_tensor(index)
        return {"x": self.windows[index], "mask": self.mask[index]}, self.y[index]


class ArrayBatchSampler(BatchSampler):
    """``BatchSampler`` yielding integer arrays, which index numpy arrays directly."""

    def __iter__(self):
        for batch in super().__iter__():
            yield np.asarray(batch, dtype=np.intp)


def batch_loader(dataset, batch_size: int, shuffle: bool = False) -> DataLoader:
    """Mini-batches fetched by one fancy index each (skorch's dataset indexes arrays).

    A plain ``DataLoader`` collates ``batch_size`` single rows in Python, which costs more
    than the small LSTM step itself; sampling index arrays (shuffled with the torch RNG
    when ``shuffle``) and indexing a :class:`WindowDataset` once per batch gives the same
    batches, faster.
    """
    sampler = RandomSampler(dataset) if shuffle else SequentialSampler(dataset)
    return DataLoader(
        dataset, sampler=ArrayBatchSampler(sampler, batch_size, drop_last=False), batch_size=None
    )


class StopOnNonFiniteLoss(Callback):
    """Stop training with a clear error as soon as a batch loss is NaN or infinite."""

    def on_batch_end(self, net, batch=None, training=False, loss=None, **kwargs):
        if loss is not None and not bool(torch.isfinite(loss).all()):
            phase = "training" if training else "validation"
            raise RuntimeError(
                f"the {phase} loss became {float(loss.detach())} (not finite) in epoch "
                f"{len(net.history)}; the model diverged. Lower `lr` (now {net.lr}) or "
                "check the scale of X and y."
            )


#: An epoch whose training or validation loss exceeds a constant forecast's on the same rows
#: by this log ratio (1000 times its mean squared error) has exploded; see StopOnDivergence.
EXPLODED = math.log(1e3)
#: The model that training returns (best validation epoch, or last epoch without
#: validation) this far above a constant forecast (10 times its mean squared error) diverged.
DIVERGED = math.log(10.0)
#: Floor of a constant forecast's mean squared error in the log ratio, in standardised units
#: (a tenth of the training target's variance), so that a constant target, whose constant
#: forecast is exact, or a calm validation stretch does not make every error look huge.
MSE_FLOOR = 0.1
#: Predictions further than this many training-target ranges outside that range are
#: reported by a warning (see ``BaseRecurrentRegressor._check_range``).
RANGE_FACTOR = 10.0


def excess_loss(loss: float, reference: float, kind: str) -> float:
    """How much worse than a constant forecast a loss is, as a log mean-squared-error ratio.

    For the mean squared error (``kind="mse"``) it is ``log(loss / max(reference,
    MSE_FLOOR))``. For a negative log-likelihood (``kind="nll"``, nats per row) it is
    ``2 (loss - reference)``, the reference being N(0, 1) in standardised units: on rows
    whose mean square is 1 (the training rows), a Gaussian whose scale fits its errors has
    ``2 NLL = log(MSE) + log(2 pi) + 1`` and N(0, 1) has ``log(2 pi) + 1``, so this is the
    same log ratio of mean squared errors; on other rows (N(0, 1) fits them less well,
    which makes the rule more lenient) and for the Student-t it is the Gaussian equivalent.
    """
    if kind == "mse":
        return math.log(max(loss, np.finfo(np.float64).tiny) / max(reference, MSE_FLOOR))
    return 2.0 * (loss - reference)


class StopOnDivergence(Callback):
    """Stop with a clear error when training diverges without the loss becoming NaN.

    ``reference`` maps ``"train_loss"`` and (with early stopping) ``"valid_loss"`` to the
    loss of a constant forecast on the same rows: the training mean, 0 in the standardised
    units the network learns (for a likelihood, with the training standard deviation, 1).
    After every epoch, a loss whose :func:`excess_loss` over its reference exceeds
    ``EXPLODED`` (1000 times a constant forecast's mean squared error; 3.45 nats per row
    for a likelihood) stops training with a ``RuntimeError``, like
    :class:`StopOnNonFiniteLoss`. At the end, the returned model (the best validation
    epoch, or the last training epoch without validation) is judged the same way: above
    ``DIVERGED`` (10 times; 1.15 nats) it is an error; above 0 (worse than the constant
    forecast, which a target without signal can honestly give) the message is left in
    ``worse_than_constant_``, which ``fit`` issues as a ``ConvergenceWarning``. A sane
    start cannot trip this: an untrained network predicts about the constant forecast
    (see ``_modules.SCALE_SHIFT``). With ``judge_end=False`` only the per-epoch check runs:
    a HAR-anchored fit judges its returned model against the untrained start instead
    (:func:`train_against_start`), whose forecast is the reference itself.
    """

    def __init__(self, reference: dict[str, float], kind: str, judge_end: bool = True):
        self.reference = reference
        self.kind = kind
        self.judge_end = judge_end

    def _failure(self, net, what: str, loss: float, phase: str) -> RuntimeError:
        reference = self.reference[phase]
        return RuntimeError(
            f"{what} {phase.replace('_', ' ')} {loss:.6g} is far worse than a constant "
            f"forecast of the training mean ({reference:.6g} on the same rows); the model "
            f"diverged. Lower `lr` (now {net.lr}) or check the scale of X and y."
        )

    def on_train_begin(self, net, **kwargs):
        self.worse_than_constant_ = None

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        for phase in self.reference:
            loss = row.get(phase)
            if loss is not None and excess_loss(loss, self.reference[phase], self.kind) > EXPLODED:
                raise self._failure(net, f"in epoch {len(net.history)} the", loss, phase)

    def on_train_end(self, net, **kwargs):
        if not self.judge_end:
            return
        phase = "valid_loss" if "valid_loss" in self.reference else "train_loss"
        losses = [row[phase] for row in net.history if phase in row]
        if not losses:
            return
        loss = min(losses) if phase == "valid_loss" else losses[-1]
        excess = excess_loss(loss, self.reference[phase], self.kind)
        if excess > DIVERGED:
            raise self._failure(net, "the returned model's", loss, phase)
        if excess > 0:
            self.worse_than_constant_ = (
                f"the returned model's {phase.replace('_', ' ')} {loss:.6g} is worse than a "
                f"constant forecast of the training mean ({self.reference[phase]:.6g} on the "
                "same rows): the network learned nothing useful (a target without signal, "
                "too few epochs, or a poor `lr`)"
            )


def beats_start(gain: np.ndarray, level: float | None) -> bool:
    """Whether the trained network's validation log-likelihood gain over the anchor counts.

    ``gain`` holds the per-sample log-likelihood differences (trained minus untrained).
    With a ``level``, the one-sided paired t-test of ``mean(gain) > 0`` must reject at
    that level (``t = mean / (sd / sqrt(n))`` with ``sd`` the ddof=1 standard deviation,
    ``t(n - 1)``, as a Diebold-Mariano test without autocorrelation correction); with
    None, any mean gain above 1e-4 counts. The validation rows also chose the epoch, so
    the test is somewhat optimistic.
    """
    mean = float(gain.mean())
    if level is None or gain.size < 2:
        return mean > 1e-4
    spread = float(gain.std(ddof=1))
    if spread == 0:
        return mean > 0
    t_stat = mean / (spread / np.sqrt(gain.size))
    return bool(stats.t.sf(t_stat, gain.size - 1) < level)


def _best_epoch(net: NeuralNet, n_valid: int) -> int:
    """The epoch whose weights training kept: early stopping's best, else the last."""
    if n_valid > 0:
        return int(dict(net.callbacks_)["early_stopping"].best_epoch_)
    return len(net.history)


def train_against_start(
    net: NeuralNet,
    dataset,
    n_valid: int,
    valid_y: np.ndarray,
    valid_df: np.ndarray | float | None,
    level: float | None,
    *,
    measured_start: bool = False,
) -> tuple[int, int]:
    """Train an initialised anchored net; keep its untrained start unless training beat it.

    The network's outputs are those of :func:`skvol.models._modules.anchored_outputs`
    (correction ``c``, scale multiplier ``m``, and ``df``), whose untrained start is the
    anchor itself, ``N(0, 1)`` (or ``t(valid_df)``) in the anchor's standardised units.
    skorch only scores trained epochs, so after training (early stopping restores its best
    epoch) the kept epoch and the start compete on the ``n_valid`` most recent samples of
    ``dataset``, whose standardised targets are ``valid_y``: :func:`beats_start` at
    ``level`` decides, and if the start wins its weights are restored. Without validation
    samples the trained network is kept. ``measured_start=True`` scores the start by its
    own outputs on those samples, taken before training, for a start that is not the bare
    anchor (the cross-asset model's least-squares cross-asset term).

    Returns
    -------
    best_epoch, n_epochs : int
        The epoch whose weights the net holds (0 = the untrained start) and epochs run.
    """
    start = copy.deepcopy(net.module_.state_dict())
    rows = np.arange(len(dataset) - n_valid, len(dataset))
    start_out = None
    if measured_start and n_valid > 0:
        start_out = np.asarray(net.predict(Subset(dataset, rows)), dtype=np.float64)
    net.partial_fit(dataset, None)
    n_epochs = len(net.history)
    if n_valid == 0:
        return n_epochs, n_epochs
    out = np.asarray(net.predict(Subset(dataset, rows)), dtype=np.float64)

    def log_density(o):
        if valid_df is None:
            return stats.norm.logpdf(valid_y, o[:, 0], o[:, 1])
        return stats.t.logpdf(valid_y, o[:, 2], o[:, 0], o[:, 1])

    if start_out is None:  # the bare anchor's outputs: c = 0, m = 1 (and df = valid_df)
        columns = [np.zeros(n_valid), np.ones(n_valid)]
        if valid_df is not None:
            columns.append(np.broadcast_to(np.asarray(valid_df, dtype=np.float64), (n_valid,)))
        start_out = np.column_stack(columns)
    gain = log_density(out) - log_density(start_out)
    if not beats_start(gain, level):
        net.module_.load_state_dict(start)
        return 0, n_epochs
    return _best_epoch(net, n_valid), n_epochs


def _moments(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and population standard deviations (ddof=0); zero spread -> 1."""
    mean = values.mean(axis=0)
    scale = values.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    return mean, scale


class BaseRecurrentRegressor(RegressorMixin, BaseEstimator):
    """Shared fit/predict machinery of the LSTM family (private)."""

    _parameter_constraints: dict = {
        "lookback": [Interval(Integral, 1, None, closed="left")],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 0, None, closed="left"), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "device": [StrOptions({"cpu", "cuda"})],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        lookback: int = 20,
        hidden_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        max_epochs: int = 50,
        batch_size: int = 64,
        patience: int | None = 10,
        validation_fraction: float = 0.1,
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
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    # --- hooks for the concrete models -------------------------------------------------
    def _module(self) -> type[torch.nn.Module]:
        raise NotImplementedError

    def _module_params(self) -> dict:
        return {"n_outputs": 1}

    def _criterion(self) -> type[torch.nn.Module]:
        return torch.nn.MSELoss

    def _criterion_params(self) -> dict:
        return {}

    def _anchored(self) -> bool:
        """Whether the network corrects a fitted anchor whose untrained start competes."""
        return False

    def _validate_training_data(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        return validate_data(self, X, y, dtype=np.float64, y_numeric=True)

    def _features(self, X: np.ndarray) -> np.ndarray:
        """The per-row network inputs (before standardisation) of validated rows ``X``."""
        return X

    def _fit_target(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The standardised target the network learns, shape (n_rows, 1), float32."""
        return ((y - self.y_mean_) / self.y_scale_).astype(np.float32).reshape(-1, 1)

    def _n_history(self) -> int:
        """Rows before a predicted row that its forecast reads (carried for prediction)."""
        return self.lookback - 1

    def _start_test(self) -> tuple[float | None, float | None]:
        """An anchored start's Student-t df (None: Normal) and ``beats_start`` level."""
        return None, None

    def _constant_forecast(self, ys: np.ndarray) -> torch.Tensor:
        """Network output of the constant forecast for standardised targets ``ys``.

        The training mean, 0 in standardised units (a likelihood adds its scale).
        """
        return torch.zeros((len(ys), 1), dtype=torch.float64)

    def _loss_kind(self) -> str:
        """``"mse"`` or ``"nll"``: how :func:`excess_loss` compares the criterion's losses."""
        return "mse"

    def _reference_loss(self, ys: np.ndarray) -> float:
        """The criterion's loss of the constant forecast on standardised targets ``ys``."""
        target = torch.as_tensor(ys, dtype=torch.float64)
        criterion = self._criterion()(**self._criterion_params())
        return float(criterion(self._constant_forecast(ys), target))

    def _after_fit(self, dataset: WindowDataset, n_valid: int) -> None:
        """Called after training with the standardised training windows and target."""

    # --- fit -------------------------------------------------------------------------
    def _check_device(self) -> None:
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                "device='cuda' was requested but torch finds no CUDA GPU "
                f"(torch {torch.__version__}); use device='cpu'"
            )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Standardise, window and train the network.

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Daily features in time order (a DataFrame with a sorted DatetimeIndex keeps
            the last ``lookback - 1`` rows for walk-forward prediction).
        y : array-like of shape (n_days,)
            Target aligned to each row (for example tomorrow's log realized variance).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        index = date_index(X)
        X, y = self._validate_training_data(X, y)
        _check_dates(index)
        self._check_device()
        n_rows = X.shape[0]
        self.x_mean_, self.x_scale_ = _moments(self._features(X))
        y_mean, y_scale = _moments(y.reshape(-1, 1))
        self.y_mean_, self.y_scale_ = float(y_mean[0]), float(y_scale[0])
        self.y_min_, self.y_max_ = float(y.min()), float(y.max())
        ys = self._fit_target(X, y)
        dataset = self._dataset(X, ys)
        anchored = self._anchored()

        n_valid = int(self.validation_fraction * n_rows) if self.patience else 0
        if n_valid >= n_rows:
            n_valid = 0
        cut = n_rows - n_valid
        reference = {"train_loss": self._reference_loss(ys[:cut])}
        if n_valid > 0:
            reference["valid_loss"] = self._reference_loss(ys[cut:])
        callbacks: list = [
            ("stop_on_nonfinite_loss", StopOnNonFiniteLoss()),
            (
                "stop_on_divergence",
                StopOnDivergence(
                    reference, self._loss_kind(), judge_end=not (anchored and n_valid > 0)
                ),
            ),
        ]
        train_split = None
        if n_valid > 0:
            train_split = RecentValidationSplit(n_valid)
            callbacks.append(
                (
                    "early_stopping",
                    # an absolute threshold: skorch's default relative one, score * (1 - 1e-4),
                    # lies above a negative score, so with a negative NLL a slightly worse
                    # epoch would count as an improvement and be restored as the best
                    EarlyStopping(
                        patience=self.patience,
                        threshold=1e-4,
                        threshold_mode="abs",
                        load_best=True,
                        sink=_log_info,
                    ),
                )
            )
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        net = NeuralNet(
            module=self._module(),
            module__n_features=dataset.windows.shape[2],
            module__hidden_size=self.hidden_size,
            module__num_layers=self.num_layers,
            module__dropout=self.dropout,
            **{f"module__{k}": v for k, v in self._module_params().items()},
            criterion=self._criterion(),
            **{f"criterion__{k}": v for k, v in self._criterion_params().items()},
            optimizer=torch.optim.AdamW,
            optimizer__weight_decay=self.weight_decay,
            optimizer__foreach=True,
            lr=self.lr,
            max_epochs=max(self.max_epochs, 1),
            batch_size=self.batch_size,
            iterator_train=batch_loader,
            iterator_train__shuffle=True,
            iterator_valid=batch_loader,
            train_split=train_split,
            callbacks=callbacks,
            predict_nonlinearity=None,
            verbose=int(bool(self.verbose)),
            device=self.device,
        )
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        devices = [torch.cuda.current_device()] if self.device == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            net.initialize()
            if self.max_epochs == 0:  # only an anchored model allows it: keep the anchor
                best = 0
            elif anchored:
                valid_y = ys[n_rows - n_valid :, 0].astype(np.float64)
                best, _ = train_against_start(net, dataset, n_valid, valid_y, *self._start_test())
            else:
                net.partial_fit(dataset, None)
                best = _best_epoch(net, n_valid)
        worse = getattr(dict(net.callbacks_)["stop_on_divergence"], "worse_than_constant_", None)
        if worse is not None:
            warnings.warn(f"{type(self).__name__}: {worse}", ConvergenceWarning, stacklevel=3)
        self.net_ = net
        self.n_epochs_ = len(net.history)
        self.best_epoch_ = best
        self.history_ = carry(X, index, self._n_history())
        self._after_fit(dataset, n_valid)
        return self

    # --- predict ---------------------------------------------------------------------
    def _dataset(self, X: np.ndarray, ys: np.ndarray | None = None) -> WindowDataset:
        """Standardise raw rows and build their windows (and standardised target)."""
        standardised = ((self._features(X) - self.x_mean_) / self.x_scale_).astype(np.float32)
        return WindowDataset(*lookback_windows(standardised, self.lookback), ys)

    def _target_width(self) -> float:
        """The training target's range ``y_max_ - y_min_`` (``y_scale_`` if constant)."""
        return self.y_max_ - self.y_min_ if self.y_max_ > self.y_min_ else self.y_scale_

    def _check_range(self, values: np.ndarray, what: str, low: float, high: float) -> None:
        """Warn when predicted ``values`` leave ``[low, high]`` (see ``_location``).

        A warning, not an error: a trained network reading rows far from its training data
        may extrapolate, and the caller gets the numbers, but cannot miss that they are
        not to be trusted.
        """
        outside = (values < low) | (values > high)
        if outside.any():
            warnings.warn(
                f"{type(self).__name__}: {int(outside.sum())} of {values.size} predicted "
                f"{what} values lie outside [{low:.6g}, {high:.6g}] (extremes "
                f"{values.min():.6g} and {values.max():.6g}), more than {RANGE_FACTOR:g} "
                f"times the training target's range ({self.y_min_:.6g} to {self.y_max_:.6g}) "
                "away from it: the network diverged or X is far from the training data. Do "
                "not use these predictions; refit with a lower `lr` or check X.",
                UserWarning,
                stacklevel=4,
            )

    def _location(self, raw: np.ndarray) -> np.ndarray:
        """Standardised location output -> target units, checked against the training range.

        Predictions further than ``RANGE_FACTOR`` training ranges ``w`` outside the
        training target's range, ``[y_min_ - 10 w, y_max_ + 10 w]``, give a warning.
        """
        return self._check_mean(raw * self.y_scale_ + self.y_mean_)

    def _check_mean(self, values: np.ndarray) -> np.ndarray:
        """Warn when predicted means lie far outside the training range (see ``_location``)."""
        width = RANGE_FACTOR * self._target_width()
        self._check_range(values, "mean", self.y_min_ - width, self.y_max_ + width)
        return values

    def _raw_block(self, X) -> tuple[np.ndarray, np.ndarray, int]:
        """Network output (standardised units) of the block ``history + X``, the block and
        the number of prepended history rows."""
        check_is_fitted(self)
        index = date_index(X)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        _check_dates(index)
        block, n_prepended = prepend(self.history_, X, index)
        out = self.net_.predict(self._dataset(block))
        return np.asarray(out, dtype=np.float64), block, n_prepended

    def _raw_output(self, X) -> np.ndarray:
        """Network output (standardised units) for the rows of X, history prepended."""
        out, _, n_prepended = self._raw_block(X)
        return out[n_prepended:]

    def predict(self, X) -> np.ndarray:
        """Predict the target (in its original units) for each row of X.

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Rows in time order. A DataFrame whose DatetimeIndex continues after the fitted
            rows gets the carried history prepended, so its predictions equal those of
            the whole series; an ndarray stands alone (its first rows get shorter windows).

        Returns
        -------
        y_pred : ndarray of shape (n_days,)
            Predictions.
        """
        return self._location(self._raw_output(X)[:, 0])
