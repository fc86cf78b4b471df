import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from cmkd_mm.models.losses import SoftmaxFocalLoss
from .conftest import log_softmax


def test_build_from_registry():
    loss = MODELS.build(
        dict(type='SoftmaxFocalLoss', gamma=0.5, _scope_='mmpretrain', loss_weight=0.5))
    assert loss.loss_weight == 0.5


def _focal_by_loop(logits, labels, gamma, alpha=None) -> float:
    values = []
    for row, y in zip(logits.double().numpy(), labels.tolist()):
        log_pt = log_softmax(row)[y]
        a = 1.0 if alpha is None else alpha[y]
        values.append(-a * (1 - math.exp(log_pt))**gamma * log_pt)
    return float(np.mean(values))


@pytest.mark.parametrize('gamma,alpha', [(0.5, None), (2.0, None), (0.5, [0.1, 0.2, 0.3, 0.4])])
def test_softmax_focal_matches_loop(gamma, alpha):
    torch.manual_seed(5)
    logits, labels = torch.randn(7, 4) * 2, torch.tensor([0, 1, 2, 3, 3, 1, 0])
    loss = SoftmaxFocalLoss(gamma=gamma, alpha=alpha, loss_weight=1.5)
    expected = _focal_by_loop(logits, labels, gamma, alpha)
    assert loss(logits, labels, avg_factor=7).item() == pytest.approx(1.5 * expected, rel=1e-6)


def test_softmax_focal_gamma_zero_is_cross_entropy_and_differs_from_sigmoid_focal():
    torch.manual_seed(6)
    logits, labels = torch.randn(6, 5), torch.randint(0, 5, (6, ))
    assert SoftmaxFocalLoss(gamma=0.)(logits, labels).item() == pytest.approx(
        F.cross_entropy(logits, labels).item(), rel=1e-6)
    sigmoid_focal = MODELS.build(dict(type='FocalLoss', gamma=0.5, _scope_='mmpretrain'))
    assert abs(
        sigmoid_focal(logits, labels).item() -
        SoftmaxFocalLoss(gamma=0.5)(logits, labels).item()) > 1e-3


def test_softmax_focal_detached_weight_same_value_other_gradient():
    torch.manual_seed(7)
    labels = torch.tensor([0, 1, 2])
    grads, values = [], []
    for detach in (False, True):
        logits = (torch.randn(3, 3, generator=torch.Generator().manual_seed(0)) *
                  2).requires_grad_()
        loss = SoftmaxFocalLoss(gamma=2.0, detach_focal_weight=detach)(logits, labels)
        loss.backward()
        values.append(loss.item())
        grads.append(logits.grad.clone())
    assert values[0] == pytest.approx(values[1])
    assert not torch.allclose(grads[0], grads[1])
