import numpy as np
import pytest
import torch
from mmrazor.registry import MODELS

from cmkd_mm.models.losses import PairwiseSimilarityLoss
from .conftest import assert_gradient_reaches_student_only, np64


def test_build_from_registry():
    loss = MODELS.build(dict(type='PairwiseSimilarityLoss', _scope_='mmrazor', loss_weight=0.5))
    assert loss.loss_weight == 0.5


def test_pairwise_similarity_matches_loop_over_pixel_pairs():
    torch.manual_seed(0)
    s, t = torch.randn(2, 4, 2, 3), torch.randn(2, 5, 2, 3)  # channels may differ
    s_np, t_np = np64(s), np64(t)
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


def _cekd_rule_gradient(s: np.ndarray, t: np.ndarray, eps: float = 1e-8) -> np.ndarray:
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


def test_pairwise_similarity_gradient_follows_the_original_cekd_rule_by_default():
    torch.manual_seed(3)
    # non-negative features, as after the last encoder stage's ReLU (no all-zero pixel)
    s = torch.rand(2, 6, 3, 4, dtype=torch.float64).requires_grad_()
    t = torch.rand(2, 5, 3, 4, dtype=torch.float64)
    expected = _cekd_rule_gradient(np64(s), np64(t))
    PairwiseSimilarityLoss()(s, t).backward()
    np.testing.assert_allclose(np64(s.grad), expected, rtol=1e-9, atol=1e-15)

    # detach_norm=False: same value, but the gradient loses its radial part per pixel
    s2 = s.detach().clone().requires_grad_()
    full = PairwiseSimilarityLoss(detach_norm=False)
    assert full(s2, t).item() == pytest.approx(PairwiseSimilarityLoss()(s, t).item(), rel=1e-6)
    full(s2, t).backward()
    feat = np64(s).reshape(2, 6, -1)
    radial_dir = feat / (np.linalg.norm(feat, axis=1, keepdims=True) + 1e-8)
    cekd_grad = expected.reshape(2, 6, -1)
    projected = cekd_grad - (cekd_grad * radial_dir).sum(1, keepdims=True) * radial_dir
    np.testing.assert_allclose(np64(s2.grad).reshape(2, 6, -1), projected, rtol=1e-6, atol=1e-12)
    assert np.abs(projected - cekd_grad).max() > 1e-3 * np.abs(cekd_grad).max()


def test_pairwise_similarity_rejects_other_spatial_size():
    with pytest.raises(ValueError):
        PairwiseSimilarityLoss()(torch.randn(1, 4, 2, 3), torch.randn(1, 4, 4, 6))


def test_gradient_reaches_student_only():
    assert_gradient_reaches_student_only(PairwiseSimilarityLoss(), (2, 4, 2, 3), seed=5)
