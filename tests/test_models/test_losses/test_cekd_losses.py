import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmrazor.registry import MODELS
from mmseg.structures import SegDataSample

from cmkd_mm.models.losses import PairwiseSimilarityLoss, PixelSoftCELoss, PseudoLabelCELoss


def _np(x: torch.Tensor) -> np.ndarray:
    return x.detach().numpy().astype(np.float64)


def _np_log_softmax(x: np.ndarray) -> np.ndarray:
    """log-softmax of a 1-D vector."""
    x = x - x.max()
    return x - np.log(np.exp(x).sum())


@pytest.mark.parametrize('cfg', [
    dict(type='PairwiseSimilarityLoss'),
    dict(type='PixelSoftCELoss', tau=6.0),
    dict(type='PseudoLabelCELoss', use_gt=True),
    dict(type='L2Loss', normalize=False, div_element=True),
])
def test_build_from_registry(cfg):
    loss = MODELS.build(dict(cfg, _scope_='mmrazor', loss_weight=0.5))
    assert loss.loss_weight == 0.5


def test_pairwise_similarity_matches_loop_over_pixel_pairs():
    torch.manual_seed(0)
    s, t = torch.randn(2, 4, 2, 3), torch.randn(2, 5, 2, 3)  # channels may differ
    s_np, t_np = _np(s), _np(t)
    n, h, w = 2, 2, 3
    pixels = [(i, j) for i in range(h) for j in range(w)]
    total = 0.
    for b in range(n):
        for (i1, j1) in pixels:
            for (i2, j2) in pixels:
                sims = []
                for f in (s_np, t_np):
                    a, c = f[b, :, i1, j1], f[b, :, i2, j2]
                    sims.append(np.dot(a, c) / (np.linalg.norm(a) * np.linalg.norm(c)))
                total += (sims[1] - sims[0])**2
    expected = total / (h * w)**2 / n
    loss = PairwiseSimilarityLoss(loss_weight=2.0)
    assert loss(s, t).item() == pytest.approx(2.0 * expected, rel=1e-5)
    assert loss(t[:, :4], t[:, :4]).item() == pytest.approx(0., abs=1e-10)


def _seed_rule_gradient(s: np.ndarray, t: np.ndarray, eps: float = 1e-8) -> np.ndarray:
    """d loss / d s by hand, with the per-pixel norm held constant (CEKD's ``L2(f).detach()``).

    With ``u = s / c`` (``c`` the constant norm of each pixel), ``A_S = u^T u`` and
    ``D = A_T - A_S``, ``loss = sum D^2 / (HW)^2 / N``, so
    ``d loss / d u = -2 (D + D^T) u / ((HW)^2 N)`` per image and ``d loss / d s = (d/du) / c``.
    """
    n, _, h, w = s.shape
    grad = np.zeros_like(s)
    for b in range(n):
        fs, ft = s[b].reshape(s.shape[1], -1), t[b].reshape(t.shape[1], -1)
        cs = np.sqrt((fs**2).sum(0, keepdims=True)) + eps
        ct = np.sqrt((ft**2).sum(0, keepdims=True)) + eps
        us, ut = fs / cs, ft / ct
        diff = ut.T @ ut - us.T @ us
        grad_u = -2 * us @ (diff + diff.T) / (h * w)**2 / n
        grad[b] = (grad_u / cs).reshape(s.shape[1:])
    return grad


def test_pairwise_similarity_gradient_follows_the_seed_rule_by_default():
    torch.manual_seed(3)
    # non-negative features, as after the last encoder stage's ReLU (no all-zero pixel)
    s = torch.rand(2, 6, 3, 4, dtype=torch.float64).requires_grad_()
    t = torch.rand(2, 5, 3, 4, dtype=torch.float64)
    expected = _seed_rule_gradient(_np(s), _np(t))
    PairwiseSimilarityLoss()(s, t).backward()
    np.testing.assert_allclose(_np(s.grad), expected, rtol=1e-9, atol=1e-15)

    # detach_norm=False: same value, but the gradient loses its radial part per pixel
    s2 = s.detach().clone().requires_grad_()
    full = PairwiseSimilarityLoss(detach_norm=False)
    assert full(s2, t).item() == pytest.approx(PairwiseSimilarityLoss()(s, t).item(), rel=1e-6)
    full(s2, t).backward()
    feat = _np(s).reshape(2, 6, -1)
    radial_dir = feat / (np.linalg.norm(feat, axis=1, keepdims=True) + 1e-8)
    seed_grad = expected.reshape(2, 6, -1)
    projected = seed_grad - (seed_grad * radial_dir).sum(1, keepdims=True) * radial_dir
    np.testing.assert_allclose(_np(s2.grad).reshape(2, 6, -1), projected, rtol=1e-6, atol=1e-12)
    assert np.abs(projected - seed_grad).max() > 1e-3 * np.abs(seed_grad).max()


def test_pairwise_similarity_rejects_other_spatial_size():
    with pytest.raises(ValueError):
        PairwiseSimilarityLoss()(torch.randn(1, 4, 2, 3), torch.randn(1, 4, 4, 6))


def test_soft_ce_matches_hand_formula_without_t_square():
    torch.manual_seed(1)
    s, t = torch.randn(2, 3, 2, 2) * 5, torch.randn(2, 3, 2, 2) * 5
    s_np, t_np = _np(s), _np(t)
    tau = 6.0
    values = []
    for b in range(2):
        for i in range(2):
            for j in range(2):
                log_p_t = _np_log_softmax(t_np[b, :, i, j] / tau)
                log_p_s = _np_log_softmax(s_np[b, :, i, j] / tau)
                values.append(-(np.exp(log_p_t) * log_p_s).sum())
    expected = np.mean(values)  # mean over the 8 pixels
    got = PixelSoftCELoss(tau=tau)(s, t).item()
    assert got == pytest.approx(expected, rel=1e-5)
    assert abs(got - tau**2 * expected) > 1.0  # not the T^2-scaled version
    assert PixelSoftCELoss(
        tau=tau, loss_weight=0.5)(s, t).item() == pytest.approx(
            0.5 * expected, rel=1e-5)
    # the temperature is configurable
    assert PixelSoftCELoss(tau=1.0)(s, t).item() != pytest.approx(got, rel=1e-3)


def test_pseudo_label_ce_matches_cross_entropy_with_hand_argmax():
    torch.manual_seed(2)
    s, t = torch.randn(2, 4, 3, 2), torch.randn(2, 4, 3, 2)
    t_np = _np(t)
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
    s_np = _np(s)
    values = [
        -_np_log_softmax(s_np[b, :, i, j])[gt[b, i, j]] for b in range(2) for i in range(2)
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
        -_np_log_softmax(s_np[b, :, 0, 0])[gt[b, i, j]] for b in range(2) for i in range(2)
        for j in range(2) if gt[b, i, j] != 255
    ]
    assert up.item() == pytest.approx(np.mean(const), rel=1e-5)


def test_hint_mse_is_mmrazor_l2_loss():
    torch.manual_seed(4)
    s, t = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5)
    expected = ((_np(s) - _np(t))**2).sum() / s.numel()
    loss = MODELS.build(dict(type='L2Loss', normalize=False, div_element=True, _scope_='mmrazor'))
    assert loss(s, t).item() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize('loss,shape', [
    (PairwiseSimilarityLoss(), (2, 4, 2, 3)),
    (PixelSoftCELoss(), (2, 4, 2, 3)),
    (PseudoLabelCELoss(), (2, 4, 2, 3)),
])
def test_gradient_reaches_student_only(loss, shape):
    torch.manual_seed(5)
    s = torch.randn(*shape, requires_grad=True)
    t = torch.randn(*shape, requires_grad=True)
    loss(s, t).backward()
    assert s.grad is not None and torch.count_nonzero(s.grad) > 0
    assert t.grad is None
