"""PyTorch module, dataset and loss of :class:`skvol.CrossAssetLSTMRegressor`.

The network is pooled: one LSTM and one head shared by every output series, told apart
by a learned embedding. It reads a look-back window of the series' own trading days
(own measures and the cross-asset inputs of each day, see ``_cross_asset.py``) and emits
the correction ``c``, the scale multiplier ``m`` (and ``df``) per sample in the units of
the series' anchor scale ``s``, as :func:`skvol.models._modules.anchored_outputs` maps the
head's raw outputs, with ``df0`` the anchor's degrees of freedom of that series. The
head's weights and bias start at zero, so the untrained network emits exactly the
anchor's predictive distribution. The loss is
:class:`skvol.models._modules.AnchoredNLLLoss`, shared with the per-asset model.
The head also has a linear cross-asset term: ``b_j + w_j . z`` added to the raw mean
correction of series ``j`` before the bound, with ``z`` the other assets' latest log RV at
the window's last step (standardised; the series' own asset masked out). It starts at
zero too; HAR reads only the asset's own RV, and what it misses from the other assets (a
common volatility factor, spillovers) is largely linear in their log RV and extrapolates
to levels the training rows never reached, where the LSTM's saturating units do not.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import Dataset

from skvol.models._modules import AnchoredNLLLoss, anchored_outputs

__all__ = ["AnchoredNLLLoss", "CrossAssetNet", "PooledWindowDataset"]


class PooledWindowDataset(Dataset):
    """Windows, masks, series ids and standardised targets, indexed a batch at a time.

    ``dataset[index_array]`` returns ``({"x": ..., "mask": ..., "series": ...}, y)``.
    """

    def __init__(self, windows, mask, series, y=None):
        self.windows = torch.as_tensor(windows)
        self.mask = torch.as_tensor(mask)
        self.series = torch.as_tensor(series, dtype=torch.long)
        self.y = torch.zeros((len(self.windows), 1)) if y is None else torch.as_tensor(y)

    def __len__(self) -> int:
        return self.windows.shape[0]

    def __getitem__(self, index):
        index = torch.as_tensor(index)
        return (
            {"x": self.windows[index], "mask": self.mask[index], "series": self.series[index]},
            self.y[index],
        )


class CrossAssetNet(nn.Module):
    """Pooled LSTM with a series embedding and a zero-initialised correction head.

    Parameters
    ----------
    n_features : int
        Inputs per time step (before the mask channel and the embedding).
    n_series : int
        Number of output series (embedding rows).
    hidden_size, num_layers, dropout :
        As in :class:`torch.nn.LSTM`; ``dropout`` also applies before the head.
    embedding_size : int
        Width of the series embedding, appended to every step and to the head's input.
    df0 : sequence of float or None
        The anchor's Student-t degrees of freedom per series; None for the Normal.
    correction_bound : float or None
        Bound ``B`` of the mean correction (anchor-scale units); None leaves it unbounded.
    cross_columns : sequence of int or None
        Positions, among a step's ``n_features`` inputs, of every asset's latest log RV
        (in asset order); None: no cross-asset term.
    series_asset : sequence of int or None
        The asset of each series (an index into ``cross_columns``), whose own column the
        series' cross-asset term leaves out; needed with ``cross_columns``.
    """

    def __init__(
        self,
        n_features: int,
        n_series: int,
        hidden_size: int,
        num_layers: int,
        dropout: float,
        embedding_size: int,
        df0=None,
        correction_bound: float | None = None,
        cross_columns=None,
        series_asset=None,
    ):
        super().__init__()
        self.embedding = nn.Embedding(n_series, embedding_size)
        self.lstm = nn.LSTM(
            n_features + 1 + embedding_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        n_outputs = 2 if df0 is None else 3
        self.head = nn.Linear(hidden_size + embedding_size, n_outputs)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        self.correction_bound = correction_bound
        if cross_columns is not None:
            columns = torch.as_tensor(cross_columns, dtype=torch.long)
            mask = torch.ones(n_series, columns.numel())
            mask[torch.arange(n_series), torch.as_tensor(series_asset, dtype=torch.long)] = 0.0
            self.register_buffer("cross_columns", columns)
            self.register_buffer("cross_mask", mask)
            self.cross_weight = nn.Parameter(torch.zeros(n_series, columns.numel()))
            self.cross_bias = nn.Parameter(torch.zeros(n_series))
        else:
            self.cross_columns = None
        if df0 is not None:
            self.register_buffer("df0", torch.as_tensor(df0, dtype=torch.float32))
        else:
            self.df0 = None

    def forward(self, x: torch.Tensor, mask: torch.Tensor, series: torch.Tensor) -> torch.Tensor:
        emb = self.embedding(series)
        steps = torch.cat(
            [
                x * mask.unsqueeze(-1),
                mask.unsqueeze(-1),
                emb.unsqueeze(1).expand(-1, x.shape[1], -1),
            ],
            dim=-1,
        )
        out, _ = self.lstm(steps)
        raw = self.head(self.dropout(torch.cat([out[:, -1], emb], dim=-1)))
        if self.cross_columns is not None:
            latest = x[:, -1, self.cross_columns]  # the last step is the forecast's own day
            weight = self.cross_weight[series] * self.cross_mask[series]
            linear = (latest * weight).sum(dim=-1, keepdim=True)
            linear = linear + self.cross_bias[series].unsqueeze(-1)
            raw = torch.cat([raw[:, :1] + linear, raw[:, 1:]], dim=1)
        df0 = None if self.df0 is None else self.df0[series].unsqueeze(-1)
        return anchored_outputs(raw, self.correction_bound, df0)
