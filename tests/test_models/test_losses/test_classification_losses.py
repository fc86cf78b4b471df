"""MAVOC classification and feature losses, checked against hand formulas written here."""
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS as RAZOR_MODELS
from torch import nn

from cmkd_mm.models.losses import (ClassWeightedKLDivergence, InfoNCELoss, LabelMixCrossEntropyLoss,
                                   SoftmaxFocalLoss, SortedFeatureMSELoss,
                                   inverse_frequency_weights)

SEED_COUNTS = [234135, 28030, 15234, 10587, 1668, 782, 768, 562, 783, 573]
SEED_WEIGHTS = [0.0005, 0.0044, 0.0080, 0.0115, 0.0733, 0.1563, 0.1591, 0.2175, 0.1561, 0.2133]


def _log_softmax(row) -> np.ndarray:
    row = np.asarray(row, dtype=np.float64)
    row = row - row.max()
    return row - math.log(np.exp(row).sum())


def _weighted_ce(logits: torch.Tensor, labels, weight) -> float:
    """sum_n w[y_n] * (-log p_n[y_n]) / sum_n w[y_n], by a loop."""
    num = den = 0.
    for row, y in zip(logits.double().numpy(), labels):
        num += weight[int(y)] * -_log_softmax(row)[int(y)]
        den += weight[int(y)]
    return num / den


def test_inverse_frequency_weights_reproduce_the_seed_print():
    weights = inverse_frequency_weights(SEED_COUNTS)
    assert [round(w, 4) for w in weights] == SEED_WEIGHTS
    assert sum(weights) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        inverse_frequency_weights([3, 0])


@pytest.mark.parametrize('registry,cfg', [
    (PRETRAIN_MODELS, dict(type='LabelMixCrossEntropyLoss', class_weight=[1., 2.])),
    (PRETRAIN_MODELS, dict(type='SoftmaxFocalLoss', gamma=0.5)),
    (RAZOR_MODELS, dict(type='ClassWeightedKLDivergence', tau=2.0, class_weight=[1., 2.])),
    (RAZOR_MODELS, dict(type='InfoNCELoss', tau=1.0)),
    (RAZOR_MODELS, dict(type='SortedFeatureMSELoss')),
])
def test_build_from_registry(registry, cfg):
    scope = 'mmpretrain' if registry is PRETRAIN_MODELS else 'mmrazor'
    loss = registry.build(dict(cfg, _scope_=scope, loss_weight=0.5))
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


def test_label_mixing_is_the_seeds_loss_on_clean_outputs():
    torch.manual_seed(1)
    logits, labels = torch.randn(8, 10), torch.randint(0, 10, (8, ))
    weight = inverse_frequency_weights(SEED_COUNTS)
    loss = LabelMixCrossEntropyLoss(class_weight=weight, alpha=1.0)
    np.random.seed(3)
    torch.manual_seed(3)
    got = loss(logits, labels).item()
    # the seed: mixup_data draws lam with np.random.beta, then torch.randperm
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
    log_p = np.stack([_log_softmax(r) for r in logits.numpy()])
    wy = soft.numpy() * np.array(weight)
    assert loss(logits, soft).item() == pytest.approx(-(wy * log_p).sum() / wy.sum(), rel=1e-6)


def test_label_mix_loss_as_the_loss_of_an_mmpretrain_head():
    torch.manual_seed(4)
    weight = [0.2, 0.3, 0.5]
    head = PRETRAIN_MODELS.build(
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


def _focal_by_loop(logits, labels, gamma, alpha=None) -> float:
    values = []
    for row, y in zip(logits.double().numpy(), labels.tolist()):
        log_pt = _log_softmax(row)[y]
        a = 1.0 if alpha is None else alpha[y]
        values.append(-a * (1 - math.exp(log_pt))**gamma * log_pt)
    return float(np.mean(values))


@pytest.mark.parametrize('gamma,alpha', [(0.5, None), (2.0, None), (0.5, [0.1, 0.2, 0.3, 0.4])])
def test_softmax_focal_matches_loop(gamma, alpha):
    torch.manual_seed(5)
    logits, labels = torch.randn(7, 4) * 2, torch.tensor([0, 1, 2, 3, 3, 1, 0])
    loss = SoftmaxFocalLoss(gamma=gamma, alpha=alpha, loss_weight=1.5)
    expected = _focal_by_loop(logits, labels, gamma, alpha)
    assert loss(logits, labels, avg_factor=7).item() == pytest.approx(1.5 * expected, rel=1e-6)


def test_softmax_focal_gamma_zero_is_cross_entropy_and_differs_from_sigmoid_focal():
    torch.manual_seed(6)
    logits, labels = torch.randn(6, 5), torch.randint(0, 5, (6, ))
    assert SoftmaxFocalLoss(gamma=0.)(logits, labels).item() == pytest.approx(
        F.cross_entropy(logits, labels).item(), rel=1e-6)
    sigmoid_focal = PRETRAIN_MODELS.build(dict(type='FocalLoss', gamma=0.5, _scope_='mmpretrain'))
    assert abs(
        sigmoid_focal(logits, labels).item() -
        SoftmaxFocalLoss(gamma=0.5)(logits, labels).item()) > 1e-3


def test_softmax_focal_detached_weight_same_value_other_gradient():
    torch.manual_seed(7)
    labels = torch.tensor([0, 1, 2])
    grads, values = [], []
    for detach in (False, True):
        logits = (torch.randn(3, 3, generator=torch.Generator().manual_seed(0)) *
                  2).requires_grad_()
        loss = SoftmaxFocalLoss(gamma=2.0, detach_focal_weight=detach)(logits, labels)
        loss.backward()
        values.append(loss.item())
        grads.append(logits.grad.clone())
    assert values[0] == pytest.approx(values[1])
    assert not torch.allclose(grads[0], grads[1])


def _kl_elementwise(s, t, tau) -> np.ndarray:
    """KLDivLoss(reduction='none')(log_softmax(s/T), softmax(t/T)), by hand, (N, C)."""
    out = []
    for rs, rt in zip(s.double().numpy(), t.double().numpy()):
        log_ps, log_pt = _log_softmax(rs / tau), _log_softmax(rt / tau)
        out.append(np.exp(log_pt) * (log_pt - log_ps))
    return np.array(out)


def test_class_weighted_kl_matches_hand_formula():
    torch.manual_seed(8)
    s, t = torch.randn(4, 10) * 3, torch.randn(4, 10) * 3
    weight = inverse_frequency_weights(SEED_COUNTS)
    expected = (_kl_elementwise(s, t, 2.0) * 4.0 * np.array(weight)).mean()
    loss = ClassWeightedKLDivergence(tau=2.0, class_weight=weight, loss_weight=0.2)
    assert loss(s, t).item() == pytest.approx(0.2 * expected, rel=1e-5)
    # the seed's expression
    seed = (nn.KLDivLoss(reduction='none')(F.log_softmax(s / 2, 1), F.softmax(t / 2, 1)) * 4 *
            torch.tensor(weight)).mean()
    assert loss(s, t).item() == pytest.approx(0.2 * seed.item(), rel=1e-5)


def test_class_weighted_kl_without_weights_is_mmrazor_kl_mean():
    torch.manual_seed(9)
    s, t = torch.randn(3, 10), torch.randn(3, 10)
    razor = RAZOR_MODELS.build(
        dict(type='KLDivergence', tau=2.0, reduction='mean', _scope_='mmrazor'))
    assert ClassWeightedKLDivergence(tau=2.0)(s, t).item() == pytest.approx(
        razor(s, t).item(), rel=1e-6)


def test_mmrazor_kl_divergence_reductions_against_the_seed_kd1_term():
    """KD method 1: nn.KLDivLoss() (element-wise mean) * T * T with T = 2."""
    torch.manual_seed(10)
    s, t = torch.randn(6, 10) * 2, torch.randn(6, 10) * 2
    with warnings.catch_warnings():  # torch warns that 'mean' is not the true KL mean
        warnings.simplefilter('ignore')
        seed = nn.KLDivLoss()(F.log_softmax(s / 2, 1), F.softmax(t / 2, 1)) * 2 * 2
    hand = _kl_elementwise(s, t, 2.0).mean() * 4
    assert seed.item() == pytest.approx(hand, rel=1e-5)
    mean = RAZOR_MODELS.build(
        dict(type='KLDivergence', tau=2.0, reduction='mean', loss_weight=0.2, _scope_='mmrazor'))
    batchmean = RAZOR_MODELS.build(
        dict(type='KLDivergence', tau=2.0, loss_weight=0.2, _scope_='mmrazor'))  # default
    assert batchmean.reduction == 'batchmean'
    assert mean(s, t).item() == pytest.approx(0.2 * seed.item(), rel=1e-5)
    assert batchmean(s, t).item() == pytest.approx(10 * 0.2 * seed.item(), rel=1e-5)


def test_info_nce_matches_hand_formula():
    torch.manual_seed(11)
    a, b = torch.randn(5, 8), torch.randn(5, 8)
    an = a.double().numpy() / np.linalg.norm(a.double().numpy(), axis=1, keepdims=True)
    bn = b.double().numpy() / np.linalg.norm(b.double().numpy(), axis=1, keepdims=True)
    for tau in (1.0, 0.1):
        sim = an @ bn.T / tau
        ce_ab = np.mean([-_log_softmax(sim[i])[i] for i in range(5)])
        ce_ba = np.mean([-_log_softmax(sim.T[i])[i] for i in range(5)])
        got = InfoNCELoss(tau=tau, loss_weight=0.5)(a, b).item()
        assert got == pytest.approx(0.5 * (ce_ab + ce_ba) / 2, rel=1e-5)
    # symmetric, and the seed's expression with tau = 1 (no logit scale)
    assert InfoNCELoss()(a, b).item() == pytest.approx(InfoNCELoss()(b, a).item(), rel=1e-6)
    fa, fb = a / a.norm(dim=1, keepdim=True), b / b.norm(dim=1, keepdim=True)
    labels = torch.arange(5)
    seed = (F.cross_entropy(fa @ fb.t(), labels) + F.cross_entropy(fb @ fa.t(), labels)) / 2
    assert InfoNCELoss()(a, b).item() == pytest.approx(seed.item(), rel=1e-6)


def test_sorted_feature_mse_matches_hand_formula():
    s = torch.tensor([[3., -1., 2.], [0., 5., 1.]])
    t = torch.tensor([[1., 1., 0.], [4., -2., 2.]])
    expected = np.mean([(x - y)**2 for rs, rt in zip(s.tolist(), t.tolist())
                        for x, y in zip(sorted(rs), sorted(rt))])
    assert SortedFeatureMSELoss(loss_weight=2.0)(s, t).item() == pytest.approx(2 * expected)
    # a permutation of the entries of a vector costs nothing
    assert SortedFeatureMSELoss()(s, s[:, [2, 0, 1]]).item() == 0.


@pytest.mark.parametrize('loss', [
    ClassWeightedKLDivergence(tau=2.0, class_weight=[1., 2., 3.]),
    InfoNCELoss(),
    SortedFeatureMSELoss(),
])
def test_gradient_reaches_student_only(loss):
    torch.manual_seed(12)
    s = torch.randn(4, 3, requires_grad=True)
    t = torch.randn(4, 3, requires_grad=True)
    loss(s, t).backward()
    assert s.grad is not None and torch.count_nonzero(s.grad) > 0
    assert t.grad is None


def test_info_nce_teacher_detach_false_trains_both_encoders():
    s = torch.randn(4, 3, requires_grad=True)
    t = torch.randn(4, 3, requires_grad=True)
    InfoNCELoss(teacher_detach=False)(s, t).backward()
    assert t.grad is not None and torch.count_nonzero(t.grad) > 0
