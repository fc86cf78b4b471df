"""mmrazor losses the configs use as they are, checked against the original code's terms."""
import warnings

import pytest
import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import nn

from .conftest import kl_elementwise, np64


def test_cekd_hint_mse_is_mmrazor_l2_loss():
    """CEKD's hint MSE, ``sum((S - T)^2) / numel``, needs no class of its own."""
    loss = MODELS.build(
        dict(type='L2Loss', normalize=False, div_element=True, _scope_='mmrazor', loss_weight=0.5))
    assert loss.loss_weight == 0.5
    torch.manual_seed(4)
    s, t = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5)
    expected = ((np64(s) - np64(t))**2).sum() / s.numel()
    loss = MODELS.build(dict(type='L2Loss', normalize=False, div_element=True, _scope_='mmrazor'))
    assert loss(s, t).item() == pytest.approx(expected, rel=1e-6)


def test_ntire2021_kd1_kl_is_mmrazor_kl_divergence_with_mean_reduction():
    """NTIRE 2021 KD method 1: nn.KLDivLoss() (element-wise mean) * T * T with T = 2."""
    torch.manual_seed(10)
    s, t = torch.randn(6, 10) * 2, torch.randn(6, 10) * 2
    with warnings.catch_warnings():  # torch warns that 'mean' is not the true KL mean
        warnings.simplefilter('ignore')
        ntire = nn.KLDivLoss()(F.log_softmax(s / 2, 1), F.softmax(t / 2, 1)) * 2 * 2
    hand = kl_elementwise(s, t, 2.0).mean() * 4
    assert ntire.item() == pytest.approx(hand, rel=1e-5)
    mean = MODELS.build(
        dict(type='KLDivergence', tau=2.0, reduction='mean', loss_weight=0.2, _scope_='mmrazor'))
    batchmean = MODELS.build(
        dict(type='KLDivergence', tau=2.0, loss_weight=0.2, _scope_='mmrazor'))  # default
    assert batchmean.reduction == 'batchmean'
    assert mean(s, t).item() == pytest.approx(0.2 * ntire.item(), rel=1e-5)
    assert batchmean(s, t).item() == pytest.approx(10 * 0.2 * ntire.item(), rel=1e-5)
