import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS

from cmkd_mm.models.losses import InfoNCELoss
from .conftest import assert_gradient_reaches_student_only, log_softmax


def test_build_from_registry():
    loss = MODELS.build(dict(type='InfoNCELoss', tau=1.0, _scope_='mmrazor', loss_weight=0.5))
    assert loss.loss_weight == 0.5


def test_info_nce_matches_hand_formula():
    torch.manual_seed(11)
    a, b = torch.randn(5, 8), torch.randn(5, 8)
    an = a.double().numpy() / np.linalg.norm(a.double().numpy(), axis=1, keepdims=True)
    bn = b.double().numpy() / np.linalg.norm(b.double().numpy(), axis=1, keepdims=True)
    for tau in (1.0, 0.1):
        sim = an @ bn.T / tau
        ce_ab = np.mean([-log_softmax(sim[i])[i] for i in range(5)])
        ce_ba = np.mean([-log_softmax(sim.T[i])[i] for i in range(5)])
        got = InfoNCELoss(tau=tau, loss_weight=0.5)(a, b).item()
        assert got == pytest.approx(0.5 * (ce_ab + ce_ba) / 2, rel=1e-5)
    # symmetric, and the NJUST-KMG code's expression with tau = 1 (no logit scale)
    assert InfoNCELoss()(a, b).item() == pytest.approx(InfoNCELoss()(b, a).item(), rel=1e-6)
    fa, fb = a / a.norm(dim=1, keepdim=True), b / b.norm(dim=1, keepdim=True)
    labels = torch.arange(5)
    njust = (F.cross_entropy(fa @ fb.t(), labels) + F.cross_entropy(fb @ fa.t(), labels)) / 2
    assert InfoNCELoss()(a, b).item() == pytest.approx(njust.item(), rel=1e-6)


def test_gradient_reaches_student_only():
    assert_gradient_reaches_student_only(InfoNCELoss(), (4, 3), seed=12)


def test_info_nce_teacher_detach_false_trains_both_encoders():
    s = torch.randn(4, 3, requires_grad=True)
    t = torch.randn(4, 3, requires_grad=True)
    InfoNCELoss(teacher_detach=False)(s, t).backward()
    assert t.grad is not None and torch.count_nonzero(t.grad) > 0
