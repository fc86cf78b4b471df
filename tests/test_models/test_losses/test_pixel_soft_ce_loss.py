import numpy as np
import pytest
import torch
from mmrazor.registry import MODELS

from cmkd_mm.models.losses import PixelSoftCELoss
from .conftest import assert_gradient_reaches_student_only, log_softmax, np64


def test_build_from_registry():
    loss = MODELS.build(dict(type='PixelSoftCELoss', tau=6.0, _scope_='mmrazor', loss_weight=0.5))
    assert loss.loss_weight == 0.5


def test_soft_ce_matches_hand_formula_without_t_square():
    torch.manual_seed(1)
    s, t = torch.randn(2, 3, 2, 2) * 5, torch.randn(2, 3, 2, 2) * 5
    s_np, t_np = np64(s), np64(t)
    tau = 6.0
    values = []
    for b in range(2):
        for i in range(2):
            for j in range(2):
                log_p_t = log_softmax(t_np[b, :, i, j] / tau)
                log_p_s = log_softmax(s_np[b, :, i, j] / tau)
                values.append(-(np.exp(log_p_t) * log_p_s).sum())
    expected = np.mean(values)  # mean over the 8 pixels
    got = PixelSoftCELoss(tau=tau)(s, t).item()
    assert got == pytest.approx(expected, rel=1e-5)
    assert abs(got - tau**2 * expected) > 1.0  # not the T^2-scaled version
    assert PixelSoftCELoss(
        tau=tau, loss_weight=0.5)(s, t).item() == pytest.approx(
            0.5 * expected, rel=1e-5)
    # the temperature is configurable
    assert PixelSoftCELoss(tau=1.0)(s, t).item() != pytest.approx(got, rel=1e-3)


def test_gradient_reaches_student_only():
    assert_gradient_reaches_student_only(PixelSoftCELoss(), (2, 4, 2, 3), seed=5)
