import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmrazor.registry import MODELS
from mmseg.registry import MODELS as MMSEG_MODELS
from mmseg.structures import SegDataSample

from cmkd_mm.models.losses import SoftBCELoss
from .conftest import (EPS, assert_student_gradient_only, bin_gt, bin_logits, cls_gt, cls_logits,
                       logit_case, np64, pixels, sigmoid, softmax)


def _ref_soft_bce(s, gt, T=2.0):
    s = np64(s)
    vals = []
    for b, i, j in pixels(gt):
        p, m = sigmoid(s[b, 0, i, j] / T), float(gt[b, i, j] > 0)
        vals.append(-math.log(EPS + p * m + (1 - p) * (1 - m)))
    return np.mean(vals)


def test_build_from_registry():
    cfg = dict(type='SoftBCELoss', temperature=2.0)
    loss = MODELS.build(dict(cfg, _scope_='mmrazor', loss_weight=0.5))
    assert loss.loss_weight == 0.5
    seg_loss = MMSEG_MODELS.build(dict(cfg, _scope_='mmseg', loss_weight=0.5))
    assert isinstance(seg_loss, SoftBCELoss) and seg_loss.loss_name == 'loss_soft_bce'


def test_soft_bce_binary_matches_loop():
    s, _ = bin_logits()
    gt = bin_gt()
    loss = SoftBCELoss(loss_weight=0.7)(s, gt)
    assert loss.item() == pytest.approx(0.7 * _ref_soft_bce(s, gt), rel=1e-5)
    # (N, H, W) logits, (N, 1, H, W) labels and data samples give the same value
    samples = [SegDataSample(gt_sem_seg=PixelData(data=g[None])) for g in gt]
    for pred, lab in [(s[:, 0], gt[:, None]), (s, samples)]:
        assert SoftBCELoss(loss_weight=0.7)(pred, lab).item() == pytest.approx(loss.item())
    # mmseg call style overrides the ignore label
    no_ignore = SoftBCELoss()(s, bin_gt(ignore=False), weight=None, ignore_index=255)
    assert no_ignore.item() == pytest.approx(_ref_soft_bce(s, bin_gt(ignore=False)), rel=1e-5)


def test_soft_bce_multiclass_matches_loop():
    s, _ = cls_logits()
    gt = cls_gt()
    s_np, pix = np64(s), pixels(gt)
    ref = sum(-math.log(softmax(s_np[b, :, i, j])[int(gt[b, i, j])]) for b, i, j in pix)
    ref /= 5 * len(pix)
    assert SoftBCELoss()(s, gt).item() == pytest.approx(ref, rel=1e-5)


def test_each_prediction_paired_with_its_own_mask():
    """Batch of 2 with different masks = mean of the per-image losses (no [B,B,H,W])."""
    s, _ = bin_logits()
    gt = torch.zeros(2, 4, 4, dtype=torch.long)
    gt[0, :2] = 1
    gt[1, :, 3] = 1
    batch = SoftBCELoss()(s, gt).item()
    per_image = [SoftBCELoss()(s[k:k + 1], gt[k:k + 1]).item() for k in range(2)]
    assert per_image[0] != pytest.approx(per_image[1])
    assert batch == pytest.approx(np.mean(per_image), rel=1e-6)
    # the xView2 KD code's broadcast ([B,H,W] * [B,1,H,W] -> [B,B,H,W]) gives another value
    soft_s, m = torch.sigmoid(s[:, 0] / 2), gt[:, None].float()
    broadcast = -torch.log(EPS + soft_s * m + (1 - soft_s) * (1 - m)).mean()
    assert not math.isclose(broadcast.item(), SoftBCELoss()(s, gt).item(), rel_tol=1e-3)


def test_all_ignored_gives_zero():
    s, _ = bin_logits()
    assert SoftBCELoss()(s, torch.full((2, 4, 4), 255)).item() == 0.0


def test_logits_resized_to_labels():
    s, _ = bin_logits()
    gt = torch.randint(0, 2, (2, 8, 8), generator=torch.Generator().manual_seed(5))
    big_s = F.interpolate(s, size=(8, 8), mode='bilinear', align_corners=False)
    assert SoftBCELoss()(s, gt).item() == pytest.approx(SoftBCELoss()(big_s, gt).item())


def test_gradient_reaches_student_only():
    s, t, gt = logit_case('binary')
    SoftBCELoss()(s, gt).backward()
    assert_student_gradient_only(s, t, gt)


def test_bad_labels_raise():
    s, _ = cls_logits()
    bad = cls_gt(ignore=False)
    bad[0, 0, 0] = 7
    with pytest.raises(ValueError):
        SoftBCELoss()(s, bad)
