"""The LSTM family: point, attention and probabilistic recurrent regressors."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import torch
from scipy import stats
from sklearn.utils import assert_all_finite
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from torch.utils.data import Subset

from skvol._columns import SEP
from skvol._history import date_index, prepend
from skvol.exceptions import TooFewRowsWarning
from skvol.models._anchor import HARAnchor, check_har_windows, fit_har_anchor
from skvol.models._bridge import RANGE_FACTOR, BaseRecurrentRegressor, _check_dates
from skvol.models._har import har_averages
from skvol.models._modules import (
    AnchoredLSTMNet,
    AnchoredNLLLoss,
    AttentionLSTMNet,
    DistributionLSTMNet,
    GaussianNLLLoss,
    LSTMNet,
    StudentTNLLLoss,
)
from skvol.models._probabilistic import ProbabilisticMixin

#: Degrees of freedom of the nearly Gaussian t that stands for the Gaussian constant
#: forecast when the Student-t likelihood judges divergence (computed in float64).
_REFERENCE_DF = 1e6

_COMMON_PARAMS = """lookback : int, default=20
        Rows per look-back window: the prediction for row ``t`` reads rows
        ``t - lookback + 1, ..., t``. Rows with fewer predecessors (the first rows of a
        fit, or of a standalone ndarray at predict) get left-padded windows and a mask
        channel marking the padding; so a fit on fewer than ``lookback`` rows uses what
        exists.
    hidden_size : int, default=32
        LSTM hidden units.
    num_layers : int, default=1
        Stacked LSTM layers.
    dropout : float, default=0.0
        Dropout between LSTM layers and before the output head.
    lr : float, default=1e-3
        AdamW learning rate.
    weight_decay : float, default=0.0
        AdamW decoupled weight decay (Loshchilov and Hutter, 2019).
    max_epochs : int, default=50
        Maximum passes over the training windows.
    batch_size : int, default=64
        Windows per mini-batch (training windows are shuffled by skorch's iterator; the
        windows themselves keep their time order inside).
    patience : int or None, default=10
        Early stopping: stop when the validation loss has not improved (by at least
        1e-4, in the loss's standardised units) for this many epochs and restore the
        best weights. The validation rows are the most recent
        ``int(validation_fraction * n_samples)`` rows of the training set (never the
        oldest, never shuffled). None or 0 disables early stopping and trains on all
        rows, as does a training set too small to hold out one row.
    validation_fraction : float, default=0.1
        Fraction of the most recent training rows held out for early stopping. A loss
        that explodes far above a constant forecast's, or a returned model far worse than
        it, stops ``fit`` with a ``RuntimeError`` (see ``_bridge.StopOnDivergence``); a
        returned model slightly worse than it gives a ``ConvergenceWarning``.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch shuffling and dropout (inside
        ``torch.random.fork_rng``, so the global torch RNG is untouched). The same seed
        and data give identical predictions.
    device : {"cpu", "cuda"}, default="cpu"
        Torch device; "cuda" without a GPU raises ValueError.
    verbose : int, default=0
        When non-zero, skorch prints its epoch table and a progress bar."""

_COMMON_ATTRIBUTES = """net_ : skorch.NeuralNet
        The trained network.
    n_epochs_ : int
        Epochs run (fewer than ``max_epochs`` after early stopping).
    best_epoch_ : int
        Epoch whose weights the model kept: early stopping's best, or the last without
        validation rows; 0 is the untrained start, which only
        ``ProbabilisticLSTMRegressor(anchor="har")`` keeps (its start is the HAR anchor).
    x_mean_, x_scale_ : ndarray of shape (n_features,)
        Feature means and standard deviations (ddof=0) of the training rows; features
        are standardised with them inside the model, so no scaler is needed.
    y_mean_, y_scale_ : float
        Target mean and standard deviation (ddof=0); the network learns the standardised
        target and predictions are mapped back to the original units.
    y_min_, y_max_ : float
        Range of the training target. A predicted mean more than 10 ranges outside it
        (or a predicted scale above 10 ranges) gives a ``UserWarning``: such a
        prediction comes from a broken network, not from the data.
    history_ : skvol._history.History
        The last ``lookback - 1`` training rows (with dates for a DataFrame), prepended
        at predict when the rows continue the fitted ones.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of str
        Column names seen in fit (only for DataFrames with string column names)."""


def _doc(text: str) -> str:
    return text.replace("%(params)s", _COMMON_PARAMS).replace("%(attributes)s", _COMMON_ATTRIBUTES)


class LSTMRegressor(BaseRecurrentRegressor):
    __doc__ = _doc(
        """LSTM regressor trained by mean-squared error (point forecasts).

    An LSTM reads each row's look-back window of standardised features; a linear head on
    the last hidden state predicts the standardised target. The loss is the mean squared
    error on the standardised target.

    Parameters
    ----------
    %(params)s

    Attributes
    ----------
    %(attributes)s

    See Also
    --------
    AttentionLSTMRegressor : Adds attention over the window's time steps.
    ProbabilisticLSTMRegressor : Predicts a whole distribution.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.models import LSTMRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2))
    >>> y = X[:, 0] + 0.1 * rng.normal(size=200)
    >>> model = LSTMRegressor(lookback=5, hidden_size=8, max_epochs=5, random_state=0)
    >>> model.fit(X, y).predict(X).shape
    (200,)
    """
    )

    def _module(self):
        return LSTMNet


class AttentionLSTMRegressor(ProbabilisticMixin, BaseRecurrentRegressor):
    __doc__ = _doc(
        """LSTM with additive attention over its time steps, trained by mean-squared error.

    The attention weights ``a_s = softmax_s(v' tanh(W h_s))`` (Bahdanau et al., 2015) over
    the window's real steps (padding gets weight zero) form a context vector; the head
    reads it together with the last hidden state. ``predict_dist`` adds a Gaussian with a
    constant scale: the root mean squared residual (divided by the number of rows) on
    the early-stopping validation rows, or on all training rows when there are none.

    Parameters
    ----------
    %(params)s

    Attributes
    ----------
    %(attributes)s
    residual_scale_ : float
        Constant predictive standard deviation in target units.

    See Also
    --------
    LSTMRegressor : Without attention.
    ProbabilisticLSTMRegressor : A learned, row-varying scale.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.models import AttentionLSTMRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2))
    >>> y = X[:, 0] + 0.1 * rng.normal(size=200)
    >>> model = AttentionLSTMRegressor(lookback=5, hidden_size=8, max_epochs=5,
    ...                                random_state=0).fit(X, y)
    >>> model.attention_weights(X).shape
    (200, 5)
    """
    )

    def _module(self):
        return AttentionLSTMNet

    def _after_fit(self, dataset, n_valid):
        rows = np.arange(len(dataset) - n_valid if n_valid >= 2 else 0, len(dataset))
        fitted = self.net_.predict(Subset(dataset, rows))
        residual = np.asarray(fitted, dtype=np.float64)[:, 0] - dataset.y.numpy()[rows, 0]
        self.residual_scale_ = float(np.sqrt(np.mean(residual**2))) * self.y_scale_
        self.residual_scale_ = max(self.residual_scale_, np.finfo(np.float64).eps * self.y_scale_)

    def predict_dist(self, X):
        """Gaussian predictive distribution: ``norm(predict(X), residual_scale_)``.

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Rows in time order.

        Returns
        -------
        dist : scipy.stats frozen ``norm`` with one element per row
        """
        return stats.norm(loc=self.predict(X), scale=self.residual_scale_)

    def attention_weights(self, X) -> np.ndarray:
        """Attention weights of each row's window (oldest step first; rows sum to one).

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Rows in time order (history prepended as in ``predict``).

        Returns
        -------
        weights : ndarray of shape (n_days, lookback)
        """
        check_is_fitted(self)
        index = date_index(X)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        _check_dates(index)
        block, n_prepended = prepend(self.history_, X, index)
        dataset = self._dataset(block)
        module = self.net_.module_
        module.eval()
        with torch.no_grad():
            _, weights = module.attention(
                dataset.windows.to(self.net_.device), dataset.mask.to(self.net_.device)
            )
        return weights.cpu().numpy().astype(np.float64)[n_prepended:]


class ProbabilisticLSTMRegressor(ProbabilisticMixin, BaseRecurrentRegressor):
    __doc__ = _doc(
        """LSTM that predicts tomorrow's distribution, trained by negative log-likelihood.

    The head emits, per row, a location ``loc``, a scale
    ``scale = 1e-3 + softplus(raw + c)`` (in standardised target units, so never zero;
    ``c = log(expm1(0.999))`` makes an untrained head's ``raw = 0`` the target's own
    scale 1, the constant forecast, so training does not start on a plateau) and,
    for ``distribution="student_t"``, degrees of freedom ``df = 2.01 + softplus(raw)``
    (so the variance ``df / (df - 2) scale**2`` always exists). Training minimises the
    mean exact negative log-likelihood of the standardised target (Gaussian or
    Student-t, constants included); that differs from the likelihood in original units
    only by the constant ``log(y_scale_)``, so the optimum is the same.

    With ``anchor="har"`` the mean is anchored on HAR, as in
    :class:`CrossAssetLSTMRegressor`: the predictive distribution of row ``t``'s target
    is ``Normal(mu, sigma)`` (or Student-t with ``df``) with

    ``mu = HAR(t) + s * c``,   ``sigma = s * m``

    where ``HAR(t) = b0 + b_d x_t + b_w mean(x_{t-4..t}) + b_m mean(x_{t-21..t})`` is the
    HAR-log of Corsi (2009, eq. 8) on the anchor column ``x`` (the asset's log realized
    variance, see ``anchor_column``), fitted by OLS on the training rows and held fixed,
    ``s`` its residual scale (and ``df0`` its Student-t MLE, as :class:`HARRegressor`
    computes them), and ``c = correction_bound * tanh(raw / correction_bound)``,
    ``m = exp(raw)`` (and ``df = 2.01 + (df0 - 2.01) exp(raw)``) the network's outputs.
    The head starts at zero (``c = 0``, ``m = 1``, ``df = df0``), so with ``max_epochs=0``
    the model is exactly ``HARRegressor(log=True, distribution=...)`` fitted on
    ``exp(x)`` and ``y``; the anchor follows a level shift of ``x`` as HAR does and the bound
    keeps the correction from undoing it. The network reads the features of X and the
    HAR averages of ``x``, and learns the residual from the anchor in units of ``s`` by
    the exact negative log-likelihood plus ``correction_penalty * mean(c**2 +
    log(m)**2)``; after training, the untrained start competes with the kept epoch on
    the validation rows (``start_test_level``) and ``best_epoch_`` records which won
    (0 = the anchor itself).

    Parameters
    ----------
    distribution : {"normal", "student_t"}, default="normal"
        Predictive family.
    %(params)s
    anchor : {"har"} or None, default="har"
        ``"har"`` anchors the mean on HAR as above (and allows ``max_epochs=0``, which
        keeps the untrained start); None is the plain network described first (skvol
        0.1's model, and the original study's). The default was chosen by measurement
        (``benchmarks/bench_forecast_quality.py``, docs/models.md): on the simulated market
        the plain network's QLIKE is 1.02-1.64 times HAR-log's and its volatility VaR
        fails Kupiec everywhere, the anchored one equals HAR-log; on the real S&P 500
        (2014-2017) the anchored one is 7% better than HAR-log (not significant) and the
        plain one 2.5% worse.
    anchor_column : int, str or None, default=None
        The anchor variable ``x``: a column position or a column name of X. None takes
        the one column whose name is ``rv`` or ends in ``__rv`` when X is a DataFrame
        with exactly one such column, else column 0. Its values are taken as the log
        realized variance as given (not logged again); they must be finite. Ignored when
        ``anchor=None``.
    har_windows : tuple of int, default=(1, 5, 22)
        HAR averaging windows in rows (trading days). Ignored when ``anchor=None``.
    correction_bound : float or None, default=1.0
        Bound of ``|c|`` in units of ``s`` (None: unbounded). Ignored when
        ``anchor=None``.
    correction_penalty : float, default=0.1
        Weight of ``mean(c**2 + log(m)**2)`` in the loss (a ridge towards the anchor's
        mean and residual scale). Ignored when ``anchor=None``.
    start_test_level : float or None, default=0.05
        The trained network replaces the untrained start (the anchor) only if its
        validation log-likelihood beats the anchor's by a one-sided paired t-test at this
        level; None: whenever the mean gain exceeds 1e-4. Without validation rows the
        trained network is kept. Ignored when ``anchor=None``.

    Attributes
    ----------
    %(attributes)s
    anchor_ : HARAnchor or None
        The fitted HAR anchor (intercept, coefficients, residual ``scale`` ``s``, ``df``);
        None when ``anchor=None``.
    anchor_column_ : int or None
        Position in X of the anchor variable; None when ``anchor=None``.
    har_windows_ : tuple of int or None
        The HAR windows used: ``har_windows`` without those longer than the training rows
        (dropped with a ``TooFewRowsWarning``, as :class:`HARRegressor` drops them); None
        when ``anchor=None``.

    With ``anchor="har"``, ``x_mean_`` and ``x_scale_`` also cover the HAR averages of the
    anchor variable (appended after X's features), and the carried history holds the
    last ``lookback + max(har_windows_) - 2`` rows.

    See Also
    --------
    HARRegressor : The linear benchmark with constant-scale residuals.
    CrossAssetLSTMRegressor : A pooled, HAR-anchored network over several assets.

    References
    ----------
    Corsi, F. (2009). A simple approximate long-memory model of realized volatility.
    Journal of Financial Econometrics, 7(2), 174-196.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.models import ProbabilisticLSTMRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 1))
    >>> y = (0.2 + np.abs(X[:, 0])) * rng.normal(size=300)
    >>> model = ProbabilisticLSTMRegressor(lookback=3, hidden_size=8, max_epochs=5,
    ...                                    random_state=0).fit(X, y)
    >>> dist = model.predict_dist(X)
    >>> dist.ppf(0.01).shape
    (300,)
    """
    )

    _parameter_constraints: dict = {
        **BaseRecurrentRegressor._parameter_constraints,
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "distribution": [StrOptions({"normal", "student_t"})],
        "anchor": [StrOptions({"har"}), None],
        "anchor_column": [Integral, str, None],
        "har_windows": ["array-like"],
        "correction_bound": [Interval(Real, 0, None, closed="neither"), None],
        "correction_penalty": [Interval(Real, 0, None, closed="left")],
        "start_test_level": [Interval(Real, 0, 1, closed="neither"), None],
    }

    def __init__(
        self,
        distribution: str = "normal",
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
        *,
        anchor: str | None = "har",
        anchor_column: int | str | None = None,
        har_windows=(1, 5, 22),
        correction_bound: float | None = 1.0,
        correction_penalty: float = 0.1,
        start_test_level: float | None = 0.05,
    ):
        super().__init__(
            lookback=lookback,
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout,
            lr=lr,
            weight_decay=weight_decay,
            max_epochs=max_epochs,
            batch_size=batch_size,
            patience=patience,
            validation_fraction=validation_fraction,
            random_state=random_state,
            device=device,
            verbose=verbose,
        )
        self.distribution = distribution
        self.anchor = anchor
        self.anchor_column = anchor_column
        self.har_windows = har_windows
        self.correction_bound = correction_bound
        self.correction_penalty = correction_penalty
        self.start_test_level = start_test_level

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # anchored, the mean reads one column (the anchor); on i.i.d. regression data with
        # the signal in other columns, a bounded correction cannot reach R^2 > 0.5
        tags.regressor_tags.poor_score = self.anchor == "har"
        return tags

    # --- the HAR anchor (anchor="har") ------------------------------------------------
    def _anchored(self):
        return self.anchor == "har"

    def _anchor_position(self, n_features: int) -> int:
        """Resolve ``anchor_column`` against the fitted columns (a ValueError naming it)."""
        names = getattr(self, "feature_names_in_", None)
        column = self.anchor_column
        if column is None:
            rv = [] if names is None else [j for j, c in enumerate(names) if _is_rv(str(c))]
            return rv[0] if len(rv) == 1 else 0
        if isinstance(column, str):
            if names is None or column not in list(names):
                known = (
                    "X has no column names" if names is None else f"X's columns are {list(names)}"
                )
                raise ValueError(
                    f"the `anchor_column` parameter of {type(self).__name__} names {column!r}, "
                    f"which is not a column of X ({known})"
                )
            return list(names).index(column)
        if isinstance(column, bool) or not 0 <= column < n_features:
            raise ValueError(
                f"the `anchor_column` parameter of {type(self).__name__} must be a column "
                f"position in [0, {n_features - 1}] of X or a column name; got {column!r}"
            )
        return int(column)

    def _validate_training_data(self, X, y):
        if not self._anchored():
            if self.max_epochs == 0:
                raise ValueError(
                    f"the `max_epochs` parameter of {type(self).__name__} may be 0 (keep the "
                    "untrained start) only with anchor='har'; got max_epochs=0 and anchor=None"
                )
            X, y = super()._validate_training_data(X, y)
            self.anchor_column_ = self.har_windows_ = None
            return X, y
        windows = check_har_windows(self.har_windows, type(self).__name__)
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, ensure_all_finite=False)
        position = self._anchor_position(X.shape[1])
        bad = ~np.isfinite(X[:, position])
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            what = "NaN" if np.isnan(X[row, position]) else "infinity"
            raise ValueError(
                f"the `anchor_column` parameter of {type(self).__name__} selects column "
                f"{self._column_label(position)}, the log realized variance of the HAR "
                f"anchor, which contains {what} at row {row}; it must be finite"
            )
        assert_all_finite(X, input_name="X", estimator_name=type(self).__name__)
        # as HARRegressor: windows longer than the data are dropped, so that the untrained
        # model is HARRegressor(log=True) on short fits too
        n_rows = X.shape[0]
        used = tuple(w for w in windows if w <= n_rows)
        n_needed = len(used) + 2
        if not used or n_rows < n_needed:
            raise ValueError(
                f"{type(self).__name__}(anchor='har', har_windows={windows}) needs at least "
                f"{max(n_needed, windows[0] + 2)} rows for the HAR anchor's coefficients "
                f"and residual scale; got n_samples = {n_rows}"
            )
        if used != windows:
            warnings.warn(
                f"{type(self).__name__}: HAR windows {windows[len(used) :]} are longer than "
                f"the n_samples = {n_rows} rows given to fit and are not used; the anchor "
                f"fits windows {used}",
                TooFewRowsWarning,
                stacklevel=4,
            )
        self.har_windows_ = used
        self.anchor_column_ = position
        return X, y

    def _column_label(self, position: int) -> str:
        names = getattr(self, "feature_names_in_", None)
        return repr(str(names[position])) if names is not None else str(position)

    def _features(self, X):
        # the fitted state decides (a model pickled before the anchor existed has none)
        if getattr(self, "har_windows_", None) is None:
            return X
        return np.hstack([X, har_averages(X[:, [self.anchor_column_]], self.har_windows_)])

    def _fit_target(self, X, y):
        if not self._anchored():
            self.anchor_ = None
            return super()._fit_target(X, y)
        anchor: HARAnchor = fit_har_anchor(
            X[:, self.anchor_column_], y, self.har_windows_, self.distribution, type(self).__name__
        )
        self.anchor_ = anchor
        residual = (y - anchor.predict(X[:, self.anchor_column_], self.har_windows_)) / anchor.scale
        return residual.astype(np.float32).reshape(-1, 1)

    def _n_history(self):
        if not self._anchored():
            return super()._n_history()
        # a window's oldest step reads HAR averages over max(har_windows) rows
        return self.lookback - 1 + max(self.har_windows_) - 1

    def _start_test(self):
        return self.anchor_.df, self.start_test_level

    # --- network -----------------------------------------------------------------------
    def _module(self):
        return AnchoredLSTMNet if self._anchored() else DistributionLSTMNet

    def _module_params(self):
        params = {"n_outputs": 3 if self.distribution == "student_t" else 2}
        if self._anchored():
            params["correction_bound"] = self.correction_bound
            params["df0"] = self.anchor_.df
        return params

    def _criterion(self):
        if self._anchored():
            return AnchoredNLLLoss
        return StudentTNLLLoss if self.distribution == "student_t" else GaussianNLLLoss

    def _criterion_params(self):
        return {"penalty": self.correction_penalty} if self._anchored() else {}

    def _constant_forecast(self, ys):
        # N(0, 1): the training mean and standard deviation in standardised units, where an
        # untrained head starts; the Student-t's stand-in is nearly Gaussian. Anchored, the
        # untrained head is the anchor itself: c = 0, m = 1 (and its df)
        columns = [torch.zeros(len(ys)), torch.ones(len(ys))]
        if self.distribution == "student_t":
            df = self.anchor_.df if self._anchored() else _REFERENCE_DF
            columns.append(torch.full((len(ys),), df))
        return torch.stack(columns, dim=1).to(torch.float64)

    def _loss_kind(self):
        return "nll"

    def predict_params(self, X) -> dict[str, np.ndarray]:
        """Distribution parameters per row in original target units.

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Rows in time order.

        Returns
        -------
        params : dict
            ``"loc"`` and ``"scale"`` (target units), and ``"df"`` for the Student-t.
        """
        if getattr(self, "anchor_", None) is not None:
            out, block, n_prepended = self._raw_block(X)
            raw = out[n_prepended:]
            s = self.anchor_.scale
            x = block[:, self.anchor_column_]
            loc = self.anchor_.predict(x, self.har_windows_)[n_prepended:] + s * raw[:, 0]
            params = {"loc": self._check_mean(loc), "scale": s * raw[:, 1]}
        else:
            raw = self._raw_output(X)
            params = {"loc": self._location(raw[:, 0]), "scale": raw[:, 1] * self.y_scale_}
        # a scale beyond RANGE_FACTOR training ranges is as implausible as such a mean
        self._check_range(params["scale"], "scale", 0.0, RANGE_FACTOR * self._target_width())
        if self.distribution == "student_t":
            params["df"] = raw[:, 2]
        return params

    def predict_dist(self, X):
        """Predictive distribution of each row's target, in original units.

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Rows in time order (history prepended as in ``predict``).

        Returns
        -------
        dist : scipy.stats frozen distribution with one element per row
            ``norm(loc, scale)`` or ``t(df, loc, scale)``.
        """
        params = self.predict_params(X)
        if self.distribution == "student_t":
            return stats.t(params["df"], loc=params["loc"], scale=params["scale"])
        return stats.norm(loc=params["loc"], scale=params["scale"])

    def predict(self, X) -> np.ndarray:
        """Predictive mean of each row's target (``loc``; the Student-t has df > 2).

        Parameters
        ----------
        X : array-like of shape (n_days, n_features)
            Rows in time order.

        Returns
        -------
        y_pred : ndarray of shape (n_days,)
        """
        return self.predict_params(X)["loc"]


def _is_rv(name: str) -> bool:
    """Whether a column name marks a realized variance: ``rv`` or ``<asset>__rv``."""
    return name == "rv" or name.endswith(f"{SEP}rv")
