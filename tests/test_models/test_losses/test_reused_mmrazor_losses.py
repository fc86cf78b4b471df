"""mmrazor losses the configs use as they are, checked against the original code's terms."""
import pytest
import torch
from mmrazor.registry import MODELS

from .conftest import np64


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
