import math

import numpy as np
import pytest
import torch
from mmrazor.registry import MODELS

from cmkd_mm.models.losses import BatchL2FeatureLoss
from .conftest import assert_student_gradient_only, logit_case, np64


def test_build_from_registry():
    loss = MODELS.build(
        dict(type='BatchL2FeatureLoss', channels=2048, _scope_='mmrazor', loss_weight=0.5))
    assert loss.loss_weight == 0.5


def test_batch_l2_feature_matches_loop():
    g = torch.Generator().manual_seed(0)
    fs, ft = torch.randn(3, 4, 2, 2, generator=g), torch.randn(3, 4, 2, 2, generator=g)
    a, b = np64(fs), np64(ft)
    ref = np.mean([
        math.sqrt(sum((b[n, c, i, j] - a[n, c, i, j])**2 for n in range(3))) for c in range(4)
        for i in range(2) for j in range(2)
    ])
    loss = BatchL2FeatureLoss(loss_weight=0.3)(fs, ft)
    assert loss.item() == pytest.approx(0.3 * ref, rel=1e-5)
    # pre/post given as lists, or as the *_post arguments, is the channel concatenation
    fs2, ft2 = torch.randn(3, 4, 2, 2, generator=g), torch.randn(3, 4, 2, 2, generator=g)
    full = BatchL2FeatureLoss()(torch.cat([fs, fs2], 1), torch.cat([ft, ft2], 1))
    assert BatchL2FeatureLoss()([fs, fs2], (ft, ft2)).item() == pytest.approx(full.item())
    assert BatchL2FeatureLoss()(fs, ft, fs2, ft2).item() == pytest.approx(full.item())
    # dual teacher: the first `channels` channels of the wider side
    assert BatchL2FeatureLoss(channels=4)(fs, [ft, ft2]).item() == pytest.approx(ref, rel=1e-5)
    assert BatchL2FeatureLoss(channels=4)([fs, fs2], ft).item() == pytest.approx(ref, rel=1e-5)
    with pytest.raises(ValueError):
        BatchL2FeatureLoss()(fs, [ft, ft2])
    # zero difference: zero loss and a zero (not NaN) gradient
    same = fs.clone().requires_grad_(True)
    zero = BatchL2FeatureLoss()(same, fs)
    zero.backward()
    assert zero.item() == 0.0 and torch.all(same.grad == 0)


def test_gradient_reaches_student_only():
    s, t, _ = logit_case('features')
    BatchL2FeatureLoss()(s, t).backward()
    assert_student_gradient_only(s, t)
