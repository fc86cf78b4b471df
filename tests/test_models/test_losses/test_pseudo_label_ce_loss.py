import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmrazor.registry import MODELS
from mmseg.structures import SegDataSample

from cmkd_mm.models.losses import PseudoLabelCELoss
from .conftest import assert_gradient_reaches_student_only, log_softmax, np64


def test_build_from_registry():
    loss = MODELS.build(
        dict(type='PseudoLabelCELoss', use_gt=True, _scope_='mmrazor', loss_weight=0.5))
    assert loss.loss_weight == 0.5


def test_pseudo_label_ce_matches_cross_entropy_with_hand_argmax():
    torch.manual_seed(2)
    s, t = torch.randn(2, 4, 3, 2), torch.randn(2, 4, 3, 2)
    t_np = np64(t)
    labels = np.zeros((2, 3, 2), np.int64)
    for b in range(2):
        for i in range(3):
            for j in range(2):
                scores = list(t_np[b, :, i, j])
                labels[b, i, j] = scores.index(max(scores))
    expected = F.cross_entropy(s, torch.from_numpy(labels))
    assert PseudoLabelCELoss(loss_weight=3.0)(s, t).item() == pytest.approx(
        3.0 * expected.item(), rel=1e-6)
    # the same with mmrazor's CrossEntropyLoss (teacher mode only)
    razor = MODELS.build(dict(type='CrossEntropyLoss', _scope_='mmrazor'))
    assert PseudoLabelCELoss()(s, t).item() == pytest.approx(razor(s, t).item(), rel=1e-6)


def test_pseudo_label_ce_ground_truth_mode_ignores_255():
    torch.manual_seed(3)
    s = torch.randn(2, 3, 2, 2)
    gt = torch.tensor([[[0, 2], [255, 1]], [[1, 1], [255, 255]]])
    s_np = np64(s)
    values = [
        -log_softmax(s_np[b, :, i, j])[gt[b, i, j]] for b in range(2) for i in range(2)
        for j in range(2) if gt[b, i, j] != 255
    ]
    loss = PseudoLabelCELoss(use_gt=True)
    assert loss(s, gt=gt).item() == pytest.approx(np.mean(values), rel=1e-5)
    # a list of SegDataSample, as recorded from ``loss_by_feat``, gives the same value
    samples = []
    for b in range(2):
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=gt[b:b + 1])
        samples.append(sample)
    assert loss(s, gt=samples).item() == pytest.approx(np.mean(values), rel=1e-5)
    # smaller logits are resized to the label size: a 1x1 map becomes constant over 2x2
    up = loss(s[:, :, :1, :1], gt=gt)
    const = [
        -log_softmax(s_np[b, :, 0, 0])[gt[b, i, j]] for b in range(2) for i in range(2)
        for j in range(2) if gt[b, i, j] != 255
    ]
    assert up.item() == pytest.approx(np.mean(const), rel=1e-5)


def test_gradient_reaches_student_only():
    assert_gradient_reaches_student_only(PseudoLabelCELoss(), (2, 4, 2, 3), seed=5)
