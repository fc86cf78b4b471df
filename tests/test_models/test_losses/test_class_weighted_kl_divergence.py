import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import nn

from cmkd_mm.models.losses import ClassWeightedKLDivergence, inverse_frequency_weights
from .conftest import NTIRE2021_SAR_COUNTS, assert_gradient_reaches_student_only, kl_elementwise


def test_build_from_registry():
    loss = MODELS.build(
        dict(
            type='ClassWeightedKLDivergence',
            tau=2.0,
            class_weight=[1., 2.],
            _scope_='mmrazor',
            loss_weight=0.5))
    assert loss.loss_weight == 0.5


def test_class_weighted_kl_matches_hand_formula():
    torch.manual_seed(8)
    s, t = torch.randn(4, 10) * 3, torch.randn(4, 10) * 3
    weight = inverse_frequency_weights(NTIRE2021_SAR_COUNTS)
    expected = (kl_elementwise(s, t, 2.0) * 4.0 * np.array(weight)).mean()
    loss = ClassWeightedKLDivergence(tau=2.0, class_weight=weight, loss_weight=0.2)
    assert loss(s, t).item() == pytest.approx(0.2 * expected, rel=1e-5)
    # the NTIRE 2021 code's expression
    ntire = (nn.KLDivLoss(reduction='none')(F.log_softmax(s / 2, 1), F.softmax(t / 2, 1)) * 4 *
             torch.tensor(weight)).mean()
    assert loss(s, t).item() == pytest.approx(0.2 * ntire.item(), rel=1e-5)


def test_class_weighted_kl_without_weights_is_mmrazor_kl_mean():
    torch.manual_seed(9)
    s, t = torch.randn(3, 10), torch.randn(3, 10)
    razor = MODELS.build(dict(type='KLDivergence', tau=2.0, reduction='mean', _scope_='mmrazor'))
    assert ClassWeightedKLDivergence(tau=2.0)(s, t).item() == pytest.approx(
        razor(s, t).item(), rel=1e-6)


def test_gradient_reaches_student_only():
    assert_gradient_reaches_student_only(
        ClassWeightedKLDivergence(tau=2.0, class_weight=[1., 2., 3.]), (4, 3), seed=12)
