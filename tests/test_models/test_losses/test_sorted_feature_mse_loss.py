import numpy as np
import pytest
import torch
from mmrazor.registry import MODELS

from cmkd_mm.models.losses import SortedFeatureMSELoss
from .conftest import assert_gradient_reaches_student_only


def test_build_from_registry():
    loss = MODELS.build(dict(type='SortedFeatureMSELoss', _scope_='mmrazor', loss_weight=0.5))
    assert loss.loss_weight == 0.5


def test_sorted_feature_mse_matches_hand_formula():
    s = torch.tensor([[3., -1., 2.], [0., 5., 1.]])
    t = torch.tensor([[1., 1., 0.], [4., -2., 2.]])
    expected = np.mean([(x - y)**2 for rs, rt in zip(s.tolist(), t.tolist())
                        for x, y in zip(sorted(rs), sorted(rt))])
    assert SortedFeatureMSELoss(loss_weight=2.0)(s, t).item() == pytest.approx(2 * expected)
    # a permutation of the entries of a vector costs nothing
    assert SortedFeatureMSELoss()(s, s[:, [2, 0, 1]]).item() == 0.


def test_gradient_reaches_student_only():
    assert_gradient_reaches_student_only(SortedFeatureMSELoss(), (4, 3), seed=12)
