import math

import pytest
import torch.nn.functional as F
from mmrazor.registry import MODELS

from cmkd_mm.models.losses import ReverseKLLoss
from .conftest import (EPS, assert_student_gradient_only, bin_gt, bin_logits, cls_gt, cls_logits,
                       logit_case, np64, pixels, sigmoid, softmax)


def _ref_rkl(ps_fn, pt_fn, s, t, gt=None, use_eps=True):
    s, t = np64(s), np64(t)
    n, _, h, w = s.shape
    pix = pixels(gt) if gt is not None else [(b, i, j) for b in range(n) for i in range(h)
                                             for j in range(w)]
    total, k = 0.0, None
    for b, i, j in pix:
        ps, pt = ps_fn(s[b, :, i, j]), pt_fn(t[b, :, i, j])
        k = len(ps)
        e = EPS if use_eps else 0.0
        total += sum((math.log(e + ps[c]) - math.log(e + pt[c])) * ps[c] for c in range(k))
    return total / (k * len(pix))


def _two(v):
    p = sigmoid(v[0])
    return [1 - p, p]


def _merge(v, T=1.0):
    p = softmax(v / T)
    return [p[0], p[1:].sum()]


def test_build_from_registry():
    loss = MODELS.build(
        dict(type='ReverseKLLoss', five2two=True, _scope_='mmrazor', loss_weight=0.5))
    assert loss.loss_weight == 0.5


def test_reverse_kl_binary_matches_loop():
    s, t = bin_logits()
    loss = ReverseKLLoss()(s, t)
    assert loss.item() == pytest.approx(_ref_rkl(_two, _two, s, t), rel=1e-5)
    gt = bin_gt()
    loss_gt = ReverseKLLoss(loss_weight=2.0)(s, t, gt)
    assert loss_gt.item() == pytest.approx(2.0 * _ref_rkl(_two, _two, s, t, gt), rel=1e-5)


def test_reverse_kl_multiclass_matches_loop():
    s, t = cls_logits()
    ref = _ref_rkl(softmax, softmax, s, t, use_eps=False)
    assert ReverseKLLoss()(s, t).item() == pytest.approx(ref, rel=1e-5)
    kd_code = ((F.log_softmax(s, 1) - F.log_softmax(t, 1)) * F.softmax(s, 1)).mean()
    assert ReverseKLLoss()(s, t).item() == pytest.approx(kd_code.item(), rel=1e-6)
    assert ReverseKLLoss()(s, t.clone()).item() >= 0  # KL >= 0
    assert ReverseKLLoss()(s, s.clone()).item() == pytest.approx(0.0, abs=1e-7)


def test_reverse_kl_five2two_matches_loop():
    s, _ = cls_logits()
    _, t = bin_logits(seed=4)
    loss = ReverseKLLoss(five2two=True)(s, t)
    assert loss.item() == pytest.approx(_ref_rkl(_merge, _two, s, t), rel=1e-5)
    gt = cls_gt()
    loss_gt = ReverseKLLoss(five2two=True)(s, t, gt)
    assert loss_gt.item() == pytest.approx(_ref_rkl(_merge, _two, s, t, gt), rel=1e-5)


@pytest.mark.parametrize('case', ['binary', 'multi', 'five2two'])
def test_gradient_reaches_student_only(case):
    s, t, gt = logit_case(case)
    ReverseKLLoss(five2two=case == 'five2two')(s, t, gt).backward()
    assert_student_gradient_only(s, t, gt)


def test_bad_inputs_raise():
    s, t = cls_logits()
    with pytest.raises(ValueError):
        ReverseKLLoss()(s, t[:, :, :2])
