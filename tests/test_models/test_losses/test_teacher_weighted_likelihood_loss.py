import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS

from cmkd_mm.models.losses import TeacherWeightedLikelihoodLoss
from .conftest import (EPS, assert_student_gradient_only, bin_gt, bin_logits, cls_gt, cls_logits,
                       logit_case, np64, pixels, sigmoid, softmax)


def _ref_lwf_binary(s, t, gt, T=2.0, student_prob=None):
    s, t = np64(s), np64(t)
    vals = []
    for b, i, j in pixels(gt):
        m = float(gt[b, i, j] > 0)
        p = student_prob(s[b, :, i, j]) if student_prob else sigmoid(s[b, 0, i, j] / T)
        q = sigmoid(t[b, 0, i, j] / T)
        vals.append(-(q * m + (1 - q) * (1 - m)) * math.log(EPS + p * m + (1 - p) * (1 - m)))
    return np.mean(vals)


def _ref_lwf_multi(s, t, gt, T=1.0):
    s, t = np64(s), np64(t)
    c = s.shape[1]
    total, pix = 0.0, pixels(gt)
    for b, i, j in pix:
        y = int(gt[b, i, j])
        ps = softmax(s[b, :, i, j] / T)
        pt = softmax(t[b, :, i, j] / T)
        total += -pt[y] * math.log(ps[y])
    return total / (c * len(pix))


def test_build_from_registry():
    loss = MODELS.build(
        dict(type='TeacherWeightedLikelihoodLoss', _scope_='mmrazor', loss_weight=0.5))
    assert loss.loss_weight == 0.5


def test_lwf_binary_matches_loop_and_temperature():
    s, t = bin_logits()
    gt = bin_gt()
    loss = TeacherWeightedLikelihoodLoss()(s, t, gt)  # T = 2 by default
    assert loss.item() == pytest.approx(_ref_lwf_binary(s, t, gt, T=2.0), rel=1e-5)
    loss3 = TeacherWeightedLikelihoodLoss(temperature=3.0, loss_weight=2.0)(s, t, gt)
    assert loss3.item() == pytest.approx(2.0 * _ref_lwf_binary(s, t, gt, T=3.0), rel=1e-5)


def test_lwf_multiclass_matches_loop_with_ignore():
    s, t = cls_logits()
    gt = cls_gt()
    loss = TeacherWeightedLikelihoodLoss()(s, t, gt)  # T = 1 by default
    assert loss.item() == pytest.approx(_ref_lwf_multi(s, t, gt), rel=1e-5)
    loss2 = TeacherWeightedLikelihoodLoss(temperature=2.0)(s, t, gt)
    assert loss2.item() == pytest.approx(_ref_lwf_multi(s, t, gt, T=2.0), rel=1e-5)
    # without ignore pixels it is the xView2 KD code's plain .mean() over the one-hot product
    gt_full = cls_gt(ignore=False)
    onehot = F.one_hot(gt_full, 5).permute(0, 3, 1, 2).float()
    kd_code = -(F.softmax(t, 1) * F.log_softmax(s, 1) * onehot).mean()
    assert TeacherWeightedLikelihoodLoss()(s, t, gt_full).item() == pytest.approx(kd_code.item())


def test_lwf_five2two_matches_loop():
    s, _ = cls_logits()
    _, t = bin_logits(seed=3)
    gt = cls_gt()  # damage labels: building = label > 0
    loss = TeacherWeightedLikelihoodLoss(five2two=True, loss_weight=0.5)(s, t, gt)
    ref = _ref_lwf_binary(
        s, t, gt, T=2.0, student_prob=lambda v: np.exp(v[1:] / 2).sum() / np.exp(v / 2).sum())
    assert loss.item() == pytest.approx(0.5 * ref, rel=1e-5)
    with pytest.raises(ValueError):
        TeacherWeightedLikelihoodLoss()(s, t, gt)  # 5 vs 1 channels needs five2two


def test_each_prediction_paired_with_its_own_mask():
    """Batch of 2 with different masks = mean of the per-image losses (no [B,B,H,W])."""
    s, t = bin_logits()
    gt = torch.zeros(2, 4, 4, dtype=torch.long)
    gt[0, :2] = 1
    gt[1, :, 3] = 1
    loss_fn = TeacherWeightedLikelihoodLoss()
    batch = loss_fn(s, t, gt).item()
    per_image = [loss_fn(s[k:k + 1], t[k:k + 1], gt[k:k + 1]).item() for k in range(2)]
    assert per_image[0] != pytest.approx(per_image[1])
    assert batch == pytest.approx(np.mean(per_image), rel=1e-6)


def test_all_ignored_gives_zero():
    s, t = bin_logits()
    gt = torch.full((2, 4, 4), 255)
    assert TeacherWeightedLikelihoodLoss()(s, t, gt).item() == 0.0


def test_logits_resized_to_labels():
    s, t = bin_logits()
    gt = torch.randint(0, 2, (2, 8, 8), generator=torch.Generator().manual_seed(5))
    big_s = F.interpolate(s, size=(8, 8), mode='bilinear', align_corners=False)
    big_t = F.interpolate(t, size=(8, 8), mode='bilinear', align_corners=False)
    lwf = TeacherWeightedLikelihoodLoss()
    assert lwf(s, t, gt).item() == pytest.approx(lwf(big_s, big_t, gt).item())


@pytest.mark.parametrize('case', ['binary', 'multi', 'five2two'])
def test_gradient_reaches_student_only(case):
    s, t, gt = logit_case(case)
    TeacherWeightedLikelihoodLoss(five2two=case == 'five2two')(s, t, gt).backward()
    assert_student_gradient_only(s, t, gt)


def test_bad_inputs_raise():
    s, t = cls_logits()
    with pytest.raises(ValueError):
        TeacherWeightedLikelihoodLoss(five2two=True)(s, t, cls_gt())  # teacher not 1 logit
