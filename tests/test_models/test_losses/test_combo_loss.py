"""ComboLoss and DamageComboLoss against the 1st-place xView2 code's formulas and mmseg's losses."""
import pytest
import torch
import torch.nn.functional as F
from mmseg.models.losses import DiceLoss
from mmseg.models.losses.focal_loss import py_sigmoid_focal_loss

from cmkd_mm.models.losses import ComboLoss, DamageComboLoss

pytestmark = pytest.mark.usefixtures('single_thread')


def close(loss, expected):
    torch.testing.assert_close(loss.double(), expected.double(), rtol=1e-5, atol=1e-6)


def reference_combo(logits, target, w_dice, w_focal, eps=1e-6, gamma=2.0):
    """The 1st-place xView2 code's formula written out: batch soft dice + clamped focal, on
    sigmoid(logits)."""
    p = torch.sigmoid(logits.double()).reshape(-1)
    t = target.double().reshape(-1)
    dice = 1 - (2 * (p * t).sum() + eps) / (p.sum() + t.sum() + eps)
    pc, tc = p.clamp(eps, 1 - eps), t.clamp(eps, 1 - eps)
    pt = (1 - tc) * (1 - pc) + tc * pc
    focal = (-(1 - pt)**gamma * torch.log(pt)).mean()
    return w_dice * dice + w_focal * focal


def test_combo_loss_matches_formula():
    torch.manual_seed(1)
    logits = torch.randn(3, 1, 16, 16) * 3
    target = (torch.rand(3, 16, 16) > 0.6).long()
    loss = ComboLoss(weights=dict(dice=1.0, focal=10.0))(logits, target)
    close(loss, reference_combo(logits, target, 1.0, 10.0))
    assert ComboLoss().loss_name == 'loss_combo'


def test_combo_terms_match_mmseg():
    torch.manual_seed(2)
    logits = torch.randn(2, 1, 8, 8)
    target = (torch.rand(2, 1, 8, 8) > 0.5).float()
    valid = torch.ones(2, 64, dtype=torch.bool)
    mm_dice = DiceLoss(use_sigmoid=True, naive_dice=True, eps=1e-6, ignore_index=None)
    # per image: mmseg's DiceLoss as is
    ours = ComboLoss(weights=dict(dice=1.0), per_image=True)
    torch.testing.assert_close(ours(logits, target), mm_dice(logits, target))
    # per batch (the 1st-place xView2 code's): mmseg's DiceLoss on the pooled pixels
    pooled = ComboLoss(weights=dict(dice=1.0))(logits, target)
    torch.testing.assert_close(pooled,
                               mm_dice(logits.reshape(1, 1, -1, 1), target.reshape(1, 1, -1, 1)))
    # focal: mmseg's sigmoid focal with alpha 0.5 is half of it (no clamp at these logits)
    focal = ComboLoss(weights=dict(focal=1.0)).terms(
        logits.reshape(2, -1), target.reshape(2, -1), valid)['focal']
    mm_focal = py_sigmoid_focal_loss(logits.reshape(-1, 1), target.reshape(-1, 1), alpha=0.5)
    torch.testing.assert_close(focal, 2 * mm_focal)


def test_combo_loss_ignore_index():
    torch.manual_seed(3)
    logits = torch.randn(2, 1, 8, 8)
    target = (torch.rand(2, 8, 8) > 0.5).long()
    target[:, :2] = 255
    loss = ComboLoss()
    changed = logits.clone()
    changed[:, :, :2] = 50.0
    torch.testing.assert_close(loss(logits, target), loss(changed, target))
    keep = target != 255
    expected = reference_combo(logits[:, 0][keep], target[keep], 1.0, 10.0)
    close(loss(logits, target), expected)
    with pytest.raises(ValueError, match='0/1'):
        loss(logits, torch.full((2, 8, 8), 3))


def test_double_sigmoid_option():
    torch.manual_seed(4)
    logits = torch.randn(2, 1, 8, 8) * 4
    target = (torch.rand(2, 8, 8) > 0.5).long()
    fixed = ComboLoss(weights=dict(dice=3.0, focal=10.0), temperature=2.0)
    buggy = ComboLoss(weights=dict(dice=3.0, focal=10.0), temperature=2.0, double_sigmoid=True)
    # the xView2 KD code: soft_s = sigmoid(out / 2), then ComboLoss(soft_s, m) applies sigmoid again
    soft = torch.sigmoid(logits / 2)
    close(buggy(logits, target), reference_combo(soft, target, 3.0, 10.0))
    close(fixed(logits, target), reference_combo(logits / 2, target, 3.0, 10.0))
    assert not torch.allclose(buggy(logits, target), fixed(logits, target))


@pytest.mark.parametrize('weights,ce', [([1, 0.1, 0.5, 0.4, 0.2], 5.0),
                                        ([0.1, 0.1, 0.3, 0.3, 0.2], 11.0)])
def test_damage_combo_loss_weighting(weights, ce):
    torch.manual_seed(5)
    logits = torch.randn(2, 5, 8, 8) * 2
    target = torch.randint(0, 5, (2, 8, 8))
    target[0, 0] = 255
    loss = DamageComboLoss(channel_weights=weights, combo=dict(dice=0.5, focal=2.0), ce_weight=ce)
    keep = target != 255
    expected = 0
    for k, w in enumerate(weights):
        expected = expected + w * reference_combo(logits[:, k][keep],
                                                  (target[keep] == k).long(), 0.5, 2.0)
    expected = expected + ce * F.cross_entropy(logits.double(), target, ignore_index=255)
    close(loss(logits, target), expected)
    assert loss.loss_name == 'loss_damage'
    with pytest.raises(ValueError, match='channel_weights'):
        loss(logits[:, :4], target)
