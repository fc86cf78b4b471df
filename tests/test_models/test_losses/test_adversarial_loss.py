import numpy as np
import pytest
import torch
from mmrazor.registry import MODELS

from cmkd_mm.models.architectures import FeatureDiscriminator
from cmkd_mm.models.losses import AdversarialFeatureLoss


def _loss(lam=0.3):
    torch.manual_seed(0)
    return AdversarialFeatureLoss(
        discriminator=dict(
            type='FeatureDiscriminator',
            in_channels=8,
            channels=4,
            pool_size=(2, 2),
            fc_channels=6,
            dropout=0.0),
        grl_lambda=lam,
        loss_weight=0.5)


def test_value_matches_manual_bce():
    loss = _loss()
    s, t = torch.randn(3, 8, 5, 7), torch.randn(2, 8, 5, 7)
    with torch.no_grad():
        logits = loss.discriminator(torch.cat([s, t])).numpy().astype(np.float64)
    target = np.array([0, 0, 0, 1, 1], np.float64)
    p = 1 / (1 + np.exp(-logits))
    bce = -(target * np.log(p) + (1 - target) * np.log(1 - p)).mean()
    assert loss(s, t).item() == pytest.approx(0.5 * bce, rel=1e-5)


def test_student_gets_reversed_gradient_discriminator_the_plain_one():
    loss = _loss(lam=0.3)
    s = torch.randn(2, 8, 4, 4, requires_grad=True)
    t = torch.randn(2, 8, 4, 4, requires_grad=True)
    loss(s, t).backward()
    grad_rev = s.grad.clone()
    d_grad = [p.grad.clone() for p in loss.discriminator.parameters()]
    assert t.grad is None or torch.count_nonzero(t.grad) == 0  # teacher features get nothing

    # the same objective without reversal: the plain BCE gradient
    loss.zero_grad()
    s2 = s.detach().clone().requires_grad_(True)
    logits = loss.discriminator(torch.cat([s2, t.detach()]))
    target = torch.tensor([0., 0., 1., 1.])
    (0.5 * torch.nn.functional.binary_cross_entropy_with_logits(logits, target)).backward()
    torch.testing.assert_close(grad_rev, -0.3 * s2.grad)
    for got, want in zip(d_grad, [p.grad for p in loss.discriminator.parameters()]):
        torch.testing.assert_close(got, want)


def test_discriminator_any_size_and_fixed_head():
    d = FeatureDiscriminator(in_channels=16, pool_size=(4, 4), fc_channels=8)
    assert d(torch.randn(2, 16, 9, 13)).shape == (2, )
    assert d(torch.randn(2, 16, 32, 54)).shape == (2, )
    # fixed-resolution head of the Seeing Through Fog code: P2 32x54, two max-pools -> 8x13
    fixed = FeatureDiscriminator(
        in_channels=16,
        maxpool_after=(True, True),
        pool_size=None,
        flatten_dim=8 * 13,
        fc_channels=8)
    assert fixed(torch.randn(2, 16, 32, 54)).shape == (2, )
    with pytest.raises(RuntimeError):
        fixed(torch.randn(2, 16, 40, 40))
    assert MODELS.get('FeatureDiscriminator') is FeatureDiscriminator
