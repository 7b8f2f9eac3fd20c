"""The LSTM family: point, attention and probabilistic recurrent regressors."""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from torch.utils.data import Subset

from skvol._history import date_index, prepend
from skvol.models._bridge import RANGE_FACTOR, BaseRecurrentRegressor, _check_dates
from skvol.models._modules import (
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

    Parameters
    ----------
    distribution : {"normal", "student_t"}, default="normal"
        Predictive family.
    %(params)s

    Attributes
    ----------
    %(attributes)s

    See Also
    --------
    HARRegressor : The linear benchmark with constant-scale residuals.

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
        "distribution": [StrOptions({"normal", "student_t"})],
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

    def _module(self):
        return DistributionLSTMNet

    def _module_params(self):
        return {"n_outputs": 3 if self.distribution == "student_t" else 2}

    def _criterion(self):
        return StudentTNLLLoss if self.distribution == "student_t" else GaussianNLLLoss

    def _constant_forecast(self, ys):
        # N(0, 1): the training mean and standard deviation in standardised units, where an
        # untrained head starts; the Student-t's stand-in is nearly Gaussian
        columns = [torch.zeros(len(ys)), torch.ones(len(ys))]
        if self.distribution == "student_t":
            columns.append(torch.full((len(ys),), _REFERENCE_DF))
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
