"""Look-back windows and the torch losses against reference loops and scipy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from skvol.models._modules import (
    DF_FLOOR,
    SCALE_FLOOR,
    SCALE_SHIFT,
    AttentionLSTMNet,
    DistributionNet,
    GaussianNLLLoss,
    StudentTNLLLoss,
)
from skvol.models._windows import lookback_windows


@pytest.mark.parametrize("lookback", [1, 3, 7])
def test_windows_match_reference_loop(lookback):
    values = np.random.default_rng(0).normal(size=(5, 2))
    windows, mask = lookback_windows(values, lookback)
    assert windows.shape == (5, lookback, 2)
    for t in range(5):
        for s in range(lookback):
            source = t - (lookback - 1) + s
            if source >= 0:
                np.testing.assert_array_equal(windows[t, s], values[source])
                assert mask[t, s] == 1
            else:
                np.testing.assert_array_equal(windows[t, s], 0.0)
                assert mask[t, s] == 0


def test_gaussian_nll_equals_scipy():
    rng = np.random.default_rng(1)
    loc, scale, y = rng.normal(size=50), rng.uniform(0.1, 3, 50), rng.normal(size=50)
    pred = torch.tensor(np.column_stack([loc, scale]))
    loss = GaussianNLLLoss()(pred, torch.tensor(y).reshape(-1, 1))
    expected = -stats.norm.logpdf(y, loc, scale).mean()
    assert float(loss) == pytest.approx(expected, rel=1e-12)


def test_student_t_nll_equals_scipy():
    rng = np.random.default_rng(2)
    loc, scale, y = rng.normal(size=50), rng.uniform(0.1, 3, 50), rng.normal(size=50) * 3
    df = rng.uniform(2.1, 30, 50)
    pred = torch.tensor(np.column_stack([loc, scale, df]))
    loss = StudentTNLLLoss()(pred, torch.tensor(y).reshape(-1, 1))
    expected = -stats.t.logpdf(y, df, loc, scale).mean()
    assert float(loss) == pytest.approx(expected, rel=1e-10)


class _Constant(torch.nn.Module):
    def __init__(self, raw):
        super().__init__()
        self.raw = raw

    def forward(self, x, mask):
        return self.raw


def test_distribution_head_floors_scale_and_df():
    raw = torch.tensor([[0.0, -1e4, -1e4], [1.0, 0.0, 0.0], [2.0, 50.0, 50.0]])
    out = DistributionNet(_Constant(raw))(None, None)
    np.testing.assert_allclose(out[:, 0], raw[:, 0])
    # a raw scale of 0 is the standardised target's own scale, 1: an untrained head
    # starts at the constant forecast N(0, 1)
    np.testing.assert_allclose(
        out[:, 1], [SCALE_FLOOR, 1.0, 50 + SCALE_SHIFT + SCALE_FLOOR], rtol=1e-6
    )
    np.testing.assert_allclose(out[:, 2], [DF_FLOOR, DF_FLOOR + np.log(2), 50 + DF_FLOOR])
    assert (out[:, 2] > 2).all()


def test_attention_ignores_padding():
    torch.manual_seed(0)
    net = AttentionLSTMNet(2, 4, 1, 0.0, 1)
    windows, mask = lookback_windows(np.random.default_rng(3).normal(size=(6, 2)), 4)
    x, m = torch.tensor(windows, dtype=torch.float32), torch.tensor(mask, dtype=torch.float32)
    _, weights = net.attention(x, m)
    np.testing.assert_allclose(weights.sum(dim=1).detach(), 1.0, rtol=1e-6)
    assert (weights.detach()[m == 0] == 0).all()
    assert (weights.detach()[m == 1] > 0).all()
    changed = x.clone()
    changed[m == 0] = 123.0
    np.testing.assert_allclose(net(changed, m).detach(), net(x, m).detach(), rtol=1e-6)
