import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import nn

from cmkd_mm.models.losses import LabelMixCrossEntropyLoss, inverse_frequency_weights
from .conftest import NTIRE2021_SAR_COUNTS, log_softmax


def _weighted_ce(logits: torch.Tensor, labels, weight) -> float:
    """sum_n w[y_n] * (-log p_n[y_n]) / sum_n w[y_n], by a loop."""
    num = den = 0.
    for row, y in zip(logits.double().numpy(), labels):
        num += weight[int(y)] * -log_softmax(row)[int(y)]
        den += weight[int(y)]
    return num / den


def test_build_from_registry():
    loss = MODELS.build(
        dict(
            type='LabelMixCrossEntropyLoss',
            class_weight=[1., 2.],
            _scope_='mmpretrain',
            loss_weight=0.5))
    assert loss.loss_weight == 0.5


def test_weighted_ce_divides_by_the_target_weights():
    torch.manual_seed(0)
    logits, labels = torch.randn(6, 4), torch.tensor([0, 1, 1, 3, 2, 0])
    weight = [0.1, 0.2, 0.3, 0.4]
    loss = LabelMixCrossEntropyLoss(class_weight=weight, mix_labels=False, loss_weight=2.0)
    expected = _weighted_ce(logits, labels, weight)
    assert loss(logits, labels, avg_factor=6).item() == pytest.approx(2 * expected, rel=1e-6)
    torch_ce = F.cross_entropy(logits, labels, weight=torch.tensor(weight))
    assert loss(logits, labels).item() == pytest.approx(2 * torch_ce.item(), rel=1e-6)
    # not the plain mean over the batch
    per_sample = F.cross_entropy(logits, labels, weight=torch.tensor(weight), reduction='none')
    assert abs(per_sample.mean().item() - expected) > 1e-3


def test_label_mixing_is_the_ntire2021_loss_on_clean_outputs():
    torch.manual_seed(1)
    logits, labels = torch.randn(8, 10), torch.randint(0, 10, (8, ))
    weight = inverse_frequency_weights(NTIRE2021_SAR_COUNTS)
    loss = LabelMixCrossEntropyLoss(class_weight=weight, alpha=1.0)
    np.random.seed(3)
    torch.manual_seed(3)
    got = loss(logits, labels).item()
    # the NTIRE 2021 code: mixup_data draws lam with np.random.beta, then torch.randperm
    np.random.seed(3)
    torch.manual_seed(3)
    lam = np.random.beta(1.0, 1.0)
    perm = torch.randperm(8)
    criterion = nn.CrossEntropyLoss(weight=torch.tensor(weight))
    expected = lam * criterion(logits, labels) + (1 - lam) * criterion(logits, labels[perm])
    assert got == pytest.approx(expected.item(), rel=1e-6)
    assert got == pytest.approx(
        lam * _weighted_ce(logits, labels, weight) +
        (1 - lam) * _weighted_ce(logits, labels[perm], weight),
        rel=1e-6)
    # alpha <= 0 means lam = 1: plain weighted CE
    no_mix = LabelMixCrossEntropyLoss(class_weight=weight, alpha=0.)
    assert no_mix(logits, labels).item() == pytest.approx(criterion(logits, labels).item())


def test_soft_targets_reduce_to_hard_labels_when_one_hot():
    torch.manual_seed(2)
    logits, labels = torch.randn(5, 3), torch.tensor([0, 2, 1, 1, 0])
    weight = [0.5, 1.0, 2.0]
    loss = LabelMixCrossEntropyLoss(class_weight=weight, mix_labels=False)
    one_hot = F.one_hot(labels, 3).float()
    assert loss(logits, one_hot).item() == pytest.approx(loss(logits, labels).item(), rel=1e-6)
    # a mixed target row: sum_{n,c} w_c y_nc (-log p_nc) / sum_{n,c} w_c y_nc
    soft = 0.3 * one_hot + 0.7 * one_hot.flip(0)
    log_p = np.stack([log_softmax(r) for r in logits.numpy()])
    wy = soft.numpy() * np.array(weight)
    assert loss(logits, soft).item() == pytest.approx(-(wy * log_p).sum() / wy.sum(), rel=1e-6)


def test_label_mix_loss_as_the_loss_of_an_mmpretrain_head():
    torch.manual_seed(4)
    weight = [0.2, 0.3, 0.5]
    head = MODELS.build(
        dict(
            type='LinearClsHead',
            num_classes=3,
            in_channels=4,
            _scope_='mmpretrain',
            loss=dict(
                type='LabelMixCrossEntropyLoss',
                class_weight=weight,
                mix_labels=False,
                loss_weight=0.8)))
    feats = (torch.randn(4, 4), )
    labels = [0, 2, 2, 1]
    samples = [DataSample().set_gt_label(y) for y in labels]
    losses = head.loss(feats, samples)
    expected = 0.8 * _weighted_ce(head(feats).detach(), labels, weight)
    assert losses['loss'].item() == pytest.approx(expected, rel=1e-6)
