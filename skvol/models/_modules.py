"""PyTorch modules and losses behind the skvol regressors.

They are top-level classes so that fitted estimators pickle. Every module takes a batch
of look-back windows ``x`` of shape (batch, lookback, n_features) and their ``mask`` of
shape (batch, lookback) (1 for a real row, 0 for left padding, see ``_windows.py``). The
mask is appended to the inputs as one extra channel, so the recurrence can tell padding
from a row whose standardised features are zero; the attention module also excludes
padded steps from its softmax.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

#: Floor added to the softplus of the scale output (standardised target units).
SCALE_FLOOR = 1e-3
#: Floor of the Student-t degrees of freedom: df = DF_FLOOR + softplus(raw) > 2, so the
#: predictive variance df / (df - 2) * scale**2 always exists.
DF_FLOOR = 2.01
#: Shift inside the scale's softplus so that a raw output of 0 gives scale 1, the standard
#: deviation of the standardised target: an untrained head starts at the constant forecast
#: N(0, 1) instead of a scale of 0.69, which early stopping could mistake for a plateau.
SCALE_SHIFT = math.log(math.expm1(1.0 - SCALE_FLOOR))
#: Clamp of the anchored head's raw log scale multiplier and log df excess (exp(8) ~ 3000).
LOG_CLAMP = 8.0


class LSTMNet(nn.Module):
    """LSTM over the look-back window; a linear head reads the last hidden state.

    Parameters
    ----------
    n_features : int
        Input features per row.
    hidden_size, num_layers, dropout :
        As in :class:`torch.nn.LSTM`; ``dropout`` also applies before the head.
    n_outputs : int
        Width of the linear head.
    """

    def __init__(
        self, n_features: int, hidden_size: int, num_layers: int, dropout: float, n_outputs: int
    ):
        super().__init__()
        self.lstm = nn.LSTM(
            n_features + 1,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, n_outputs)

    def encode(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Hidden states of every step, shape (batch, lookback, hidden_size)."""
        out, _ = self.lstm(torch.cat([x * mask.unsqueeze(-1), mask.unsqueeze(-1)], dim=-1))
        return out

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.encode(x, mask)[:, -1]))


class AttentionLSTMNet(LSTMNet):
    """LSTM with additive attention over its time steps (Bahdanau et al., 2015).

    Scores ``e_s = v' tanh(W h_s)`` for every real step ``s`` of the window (padded steps
    get weight zero), weights ``a = softmax(e)``, context ``c = sum_s a_s h_s``; the head
    reads ``[c, h_last]``.
    """

    def __init__(
        self, n_features: int, hidden_size: int, num_layers: int, dropout: float, n_outputs: int
    ):
        super().__init__(n_features, hidden_size, num_layers, dropout, n_outputs)
        self.score = nn.Sequential(
            nn.Linear(hidden_size, hidden_size), nn.Tanh(), nn.Linear(hidden_size, 1)
        )
        self.head = nn.Linear(2 * hidden_size, n_outputs)

    def attention(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Hidden states and attention weights (batch, lookback) summing to one per row."""
        hidden = self.encode(x, mask)
        scores = self.score(hidden).squeeze(-1).masked_fill(mask <= 0, float("-inf"))
        return hidden, torch.softmax(scores, dim=-1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden, weights = self.attention(x, mask)
        context = torch.einsum("bl,blh->bh", weights, hidden)
        return self.head(self.dropout(torch.cat([context, hidden[:, -1]], dim=-1)))


class DistributionNet(nn.Module):
    """Wrap a network whose head emits raw distribution parameters.

    Column 0 is the location, column 1 the scale
    ``SCALE_FLOOR + softplus(raw + SCALE_SHIFT)`` (exactly 1 at ``raw = 0``), and for the
    Student-t a column 2 with ``df = DF_FLOOR + softplus(raw)``.
    """

    def __init__(self, body: nn.Module):
        super().__init__()
        self.body = body

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        raw = self.body(x, mask)
        scale = SCALE_FLOOR + F.softplus(raw[:, 1:2] + SCALE_SHIFT)
        parts = [raw[:, 0:1], scale]
        if raw.shape[1] > 2:
            parts.append(DF_FLOOR + F.softplus(raw[:, 2:3]))
        return torch.cat(parts, dim=1)


def gaussian_nll(z: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Per-row Gaussian ``-log p`` of the standardised error ``z`` at ``scale``."""
    return torch.log(scale) + 0.5 * z**2 + 0.5 * math.log(2 * math.pi)


def student_t_nll(z: torch.Tensor, scale: torch.Tensor, df: torch.Tensor) -> torch.Tensor:
    """Per-row Student-t ``-log p`` of the standardised error ``z`` at ``scale``, ``df``."""
    return (
        torch.lgamma(df / 2)
        - torch.lgamma((df + 1) / 2)
        + 0.5 * torch.log(df * math.pi)
        + torch.log(scale)
        + (df + 1) / 2 * torch.log1p(z**2 / df)
    )


class GaussianNLLLoss(nn.Module):
    """Mean exact Gaussian negative log-likelihood of ``y`` under ``N(loc, scale**2)``.

    ``-log p = log(scale) + (y - loc)**2 / (2 scale**2) + log(2 pi) / 2``, constant included.
    """

    def forward(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
        loc, scale = y_pred[:, 0], y_pred[:, 1]
        z = (y_true.reshape(-1) - loc) / scale
        return gaussian_nll(z, scale).mean()


class StudentTNLLLoss(nn.Module):
    """Mean exact Student-t negative log-likelihood of ``y`` under ``t(df, loc, scale)``.

    ``-log p = lgamma(df/2) - lgamma((df+1)/2) + log(df pi)/2 + log(scale)
    + (df+1)/2 log(1 + z**2/df)`` with ``z = (y - loc)/scale``.
    """

    def forward(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
        loc, scale, df = y_pred[:, 0], y_pred[:, 1], y_pred[:, 2]
        z = (y_true.reshape(-1) - loc) / scale
        return student_t_nll(z, scale, df).mean()


class DistributionLSTMNet(DistributionNet):
    """:class:`LSTMNet` body with the distribution head."""

    def __init__(
        self, n_features: int, hidden_size: int, num_layers: int, dropout: float, n_outputs: int
    ):
        super().__init__(LSTMNet(n_features, hidden_size, num_layers, dropout, n_outputs))


def anchored_outputs(
    raw: torch.Tensor, correction_bound: float | None, df0: torch.Tensor | None
) -> torch.Tensor:
    """Map an anchored head's raw outputs to ``[c, m]`` (``[c, m, df]`` for the Student-t).

    In units of the anchor's residual scale ``s`` (the predictive mean is ``HAR + s c``,
    the scale ``s m``):

    * the correction ``c = B tanh(raw / B)`` when a bound ``B`` is set, else ``raw``;
    * the scale multiplier ``m = exp(clamp(raw, -8, 8))``;
    * for the Student-t, ``df = 2.01 + (df0 - 2.01) exp(clamp(raw, -8, 8))`` with ``df0``
      the anchor's degrees of freedom (broadcast against the batch).

    A raw output of zero (a zero-initialised head) gives ``c = 0``, ``m = 1``,
    ``df = df0``: exactly the anchor's predictive distribution.
    """
    correction = raw[:, 0:1]
    if correction_bound is not None:
        correction = correction_bound * torch.tanh(correction / correction_bound)
    parts = [correction, torch.exp(torch.clamp(raw[:, 1:2], -LOG_CLAMP, LOG_CLAMP))]
    if df0 is not None:
        excess = torch.exp(torch.clamp(raw[:, 2:3], -LOG_CLAMP, LOG_CLAMP))
        parts.append(DF_FLOOR + (df0 - DF_FLOOR) * excess)
    return torch.cat(parts, dim=1)


class AnchoredLSTMNet(nn.Module):
    """:class:`LSTMNet` body with a zero-initialised anchored head (per-asset HAR anchor).

    The head emits the correction, scale multiplier (and df) of :func:`anchored_outputs`;
    its weights and bias start at zero, so the untrained network is the anchor itself.

    Parameters
    ----------
    n_features, hidden_size, num_layers, dropout, n_outputs :
        As in :class:`LSTMNet` (``n_outputs`` is 2, or 3 for the Student-t).
    correction_bound : float or None
        Bound ``B`` of the mean correction (anchor-scale units); None leaves it unbounded.
    df0 : float or None
        The anchor's Student-t degrees of freedom; None for the Normal.
    """

    def __init__(
        self,
        n_features: int,
        hidden_size: int,
        num_layers: int,
        dropout: float,
        n_outputs: int,
        correction_bound: float | None = None,
        df0: float | None = None,
    ):
        super().__init__()
        self.body = LSTMNet(n_features, hidden_size, num_layers, dropout, n_outputs)
        nn.init.zeros_(self.body.head.weight)
        nn.init.zeros_(self.body.head.bias)
        self.correction_bound = correction_bound
        if df0 is not None:
            self.register_buffer("df0", torch.tensor(float(df0), dtype=torch.float32))
        else:
            self.df0 = None

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return anchored_outputs(self.body(x, mask), self.correction_bound, self.df0)


class AnchoredNLLLoss(nn.Module):
    """Mean exact negative log-likelihood of the standardised residual, plus a penalty.

    ``y`` is the target's residual from the anchor in anchor-scale units, ``z = (y - c) /
    m``; the Normal term is ``log m + z**2 / 2 + log(2 pi) / 2`` and the Student-t term
    ``lgamma(df/2) - lgamma((df+1)/2) + log(df pi)/2 + log m + (df+1)/2 log(1 + z**2/df)``.
    Both differ from the likelihood in the target's units only by ``log s``, a constant
    per series. ``penalty * mean(c**2 + log(m)**2)`` keeps the correction and the scale
    multiplier near the anchor's (a ridge towards HAR's mean and residual scale).
    """

    def __init__(self, penalty: float = 0.0):
        super().__init__()
        self.penalty = penalty

    def forward(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
        correction, mult = y_pred[:, 0], y_pred[:, 1]
        z = (y_true.reshape(-1) - correction) / mult
        if y_pred.shape[1] > 2:
            nll = student_t_nll(z, mult, y_pred[:, 2])
        else:
            nll = gaussian_nll(z, mult)
        return nll.mean() + self.penalty * (correction**2 + torch.log(mult) ** 2).mean()
