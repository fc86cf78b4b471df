import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmrazor.registry import MODELS
from mmseg.registry import MODELS as MMSEG_MODELS
from mmseg.structures import SegDataSample

from cmkd_mm.models.losses import (BatchL2FeatureLoss, ReverseKLLoss, SoftBCELoss,
                                   TeacherWeightedLikelihoodLoss, channel_five2two)

EPS = 1e-9


def _np(x: torch.Tensor) -> np.ndarray:
    return x.detach().numpy().astype(np.float64)


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max())
    return e / e.sum()


def _bin_logits(seed=0, n=2):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, 4, 4, generator=g) * 2, torch.randn(n, 1, 4, 4, generator=g) * 2


def _bin_gt(n=2, ignore=True):
    g = torch.Generator().manual_seed(1)
    gt = torch.randint(0, 2, (n, 4, 4), generator=g)
    if ignore:
        gt[0, 0, :2] = 255
        gt[-1, 3, 3] = 255
    return gt


def _cls_logits(seed=0, n=2, c=5):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, 4, 4, generator=g), torch.randn(n, c, 4, 4, generator=g)


def _cls_gt(n=2, ignore=True):
    g = torch.Generator().manual_seed(2)
    gt = torch.randint(0, 5, (n, 4, 4), generator=g)
    if ignore:
        gt[0, 1, 1:3] = 255
        gt[-1, 0, 0] = 255
    return gt


def _pixels(gt, ignore=255):
    n, h, w = gt.shape
    return [(b, i, j) for b in range(n) for i in range(h) for j in range(w)
            if int(gt[b, i, j]) != ignore]


# ---------------------------------------------------------------- loop references
def _ref_soft_bce(s, gt, T=2.0):
    s = _np(s)
    vals = []
    for b, i, j in _pixels(gt):
        p, m = _sig(s[b, 0, i, j] / T), float(gt[b, i, j] > 0)
        vals.append(-math.log(EPS + p * m + (1 - p) * (1 - m)))
    return np.mean(vals)


def _ref_lwf_binary(s, t, gt, T=2.0, student_prob=None):
    s, t = _np(s), _np(t)
    vals = []
    for b, i, j in _pixels(gt):
        m = float(gt[b, i, j] > 0)
        p = student_prob(s[b, :, i, j]) if student_prob else _sig(s[b, 0, i, j] / T)
        q = _sig(t[b, 0, i, j] / T)
        vals.append(-(q * m + (1 - q) * (1 - m)) * math.log(EPS + p * m + (1 - p) * (1 - m)))
    return np.mean(vals)


def _ref_lwf_multi(s, t, gt, T=1.0):
    s, t = _np(s), _np(t)
    c = s.shape[1]
    total, pix = 0.0, _pixels(gt)
    for b, i, j in pix:
        y = int(gt[b, i, j])
        ps = _softmax(s[b, :, i, j] / T)
        pt = _softmax(t[b, :, i, j] / T)
        total += -pt[y] * math.log(ps[y])
    return total / (c * len(pix))


def _ref_rkl(ps_fn, pt_fn, s, t, gt=None, use_eps=True):
    s, t = _np(s), _np(t)
    n, _, h, w = s.shape
    pix = _pixels(gt) if gt is not None else [(b, i, j) for b in range(n) for i in range(h)
                                              for j in range(w)]
    total, k = 0.0, None
    for b, i, j in pix:
        ps, pt = ps_fn(s[b, :, i, j]), pt_fn(t[b, :, i, j])
        k = len(ps)
        e = EPS if use_eps else 0.0
        total += sum((math.log(e + ps[c]) - math.log(e + pt[c])) * ps[c] for c in range(k))
    return total / (k * len(pix))


def _two(v):
    p = _sig(v[0])
    return [1 - p, p]


def _merge(v, T=1.0):
    p = _softmax(v / T)
    return [p[0], p[1:].sum()]


# ---------------------------------------------------------------- tests
@pytest.mark.parametrize('cfg', [
    dict(type='TeacherWeightedLikelihoodLoss'),
    dict(type='BatchL2FeatureLoss', channels=2048),
    dict(type='ReverseKLLoss', five2two=True),
    dict(type='SoftBCELoss', temperature=2.0),
])
def test_build_from_registry(cfg):
    loss = MODELS.build(dict(cfg, _scope_='mmrazor', loss_weight=0.5))
    assert loss.loss_weight == 0.5
    if cfg['type'] == 'SoftBCELoss':
        seg_loss = MMSEG_MODELS.build(dict(cfg, _scope_='mmseg', loss_weight=0.5))
        assert isinstance(seg_loss, SoftBCELoss) and seg_loss.loss_name == 'loss_soft_bce'


def test_channel_five2two_sums():
    probs = F.softmax(_cls_logits()[0], dim=1)
    out = channel_five2two(probs)
    assert out.shape == (2, 2, 4, 4)
    assert torch.allclose(out[:, 0], probs[:, 0])
    assert torch.allclose(out[:, 1], probs[:, 1] + probs[:, 2] + probs[:, 3] + probs[:, 4])
    assert torch.allclose(out.sum(1), torch.ones(2, 4, 4))
    with pytest.raises(ValueError):
        channel_five2two(probs[:, :1])


def test_soft_bce_binary_matches_loop():
    s, _ = _bin_logits()
    gt = _bin_gt()
    loss = SoftBCELoss(loss_weight=0.7)(s, gt)
    assert loss.item() == pytest.approx(0.7 * _ref_soft_bce(s, gt), rel=1e-5)
    # (N, H, W) logits, (N, 1, H, W) labels and data samples give the same value
    samples = [SegDataSample(gt_sem_seg=PixelData(data=g[None])) for g in gt]
    for pred, lab in [(s[:, 0], gt[:, None]), (s, samples)]:
        assert SoftBCELoss(loss_weight=0.7)(pred, lab).item() == pytest.approx(loss.item())
    # mmseg call style overrides the ignore label
    no_ignore = SoftBCELoss()(s, _bin_gt(ignore=False), weight=None, ignore_index=255)
    assert no_ignore.item() == pytest.approx(_ref_soft_bce(s, _bin_gt(ignore=False)), rel=1e-5)


def test_soft_bce_multiclass_matches_loop():
    s, _ = _cls_logits()
    gt = _cls_gt()
    s_np, pix = _np(s), _pixels(gt)
    ref = sum(-math.log(_softmax(s_np[b, :, i, j])[int(gt[b, i, j])]) for b, i, j in pix)
    ref /= 5 * len(pix)
    assert SoftBCELoss()(s, gt).item() == pytest.approx(ref, rel=1e-5)


def test_lwf_binary_matches_loop_and_temperature():
    s, t = _bin_logits()
    gt = _bin_gt()
    loss = TeacherWeightedLikelihoodLoss()(s, t, gt)  # T = 2 by default
    assert loss.item() == pytest.approx(_ref_lwf_binary(s, t, gt, T=2.0), rel=1e-5)
    loss3 = TeacherWeightedLikelihoodLoss(temperature=3.0, loss_weight=2.0)(s, t, gt)
    assert loss3.item() == pytest.approx(2.0 * _ref_lwf_binary(s, t, gt, T=3.0), rel=1e-5)


def test_lwf_multiclass_matches_loop_with_ignore():
    s, t = _cls_logits()
    gt = _cls_gt()
    loss = TeacherWeightedLikelihoodLoss()(s, t, gt)  # T = 1 by default
    assert loss.item() == pytest.approx(_ref_lwf_multi(s, t, gt), rel=1e-5)
    loss2 = TeacherWeightedLikelihoodLoss(temperature=2.0)(s, t, gt)
    assert loss2.item() == pytest.approx(_ref_lwf_multi(s, t, gt, T=2.0), rel=1e-5)
    # without ignore pixels it is the seed's plain .mean() over the one-hot product
    gt_full = _cls_gt(ignore=False)
    onehot = F.one_hot(gt_full, 5).permute(0, 3, 1, 2).float()
    seed = -(F.softmax(t, 1) * F.log_softmax(s, 1) * onehot).mean()
    assert TeacherWeightedLikelihoodLoss()(s, t, gt_full).item() == pytest.approx(seed.item())


def test_lwf_five2two_matches_loop():
    s, _ = _cls_logits()
    _, t = _bin_logits(seed=3)
    gt = _cls_gt()  # damage labels: building = label > 0
    loss = TeacherWeightedLikelihoodLoss(five2two=True, loss_weight=0.5)(s, t, gt)
    ref = _ref_lwf_binary(
        s, t, gt, T=2.0, student_prob=lambda v: np.exp(v[1:] / 2).sum() / np.exp(v / 2).sum())
    assert loss.item() == pytest.approx(0.5 * ref, rel=1e-5)
    with pytest.raises(ValueError):
        TeacherWeightedLikelihoodLoss()(s, t, gt)  # 5 vs 1 channels needs five2two


def test_each_prediction_paired_with_its_own_mask():
    """Batch of 2 with different masks = mean of the per-image losses (no [B,B,H,W])."""
    s, t = _bin_logits()
    gt = torch.zeros(2, 4, 4, dtype=torch.long)
    gt[0, :2] = 1
    gt[1, :, 3] = 1
    cases = [(SoftBCELoss(), lambda k: (s[k], gt[k])),
             (TeacherWeightedLikelihoodLoss(), lambda k: (s[k], t[k], gt[k]))]
    for loss_fn, args in cases:
        batch = loss_fn(*args(slice(None))).item()
        per_image = [loss_fn(*args(slice(k, k + 1))).item() for k in range(2)]
        assert per_image[0] != pytest.approx(per_image[1])
        assert batch == pytest.approx(np.mean(per_image), rel=1e-6)
    # the seed's broadcast ([B,H,W] * [B,1,H,W] -> [B,B,H,W]) gives another value
    soft_s, m = torch.sigmoid(s[:, 0] / 2), gt[:, None].float()
    seed = -torch.log(EPS + soft_s * m + (1 - soft_s) * (1 - m)).mean()
    assert not math.isclose(seed.item(), SoftBCELoss()(s, gt).item(), rel_tol=1e-3)


def test_all_ignored_gives_zero():
    s, t = _bin_logits()
    gt = torch.full((2, 4, 4), 255)
    assert SoftBCELoss()(s, gt).item() == 0.0
    assert TeacherWeightedLikelihoodLoss()(s, t, gt).item() == 0.0


def test_logits_resized_to_labels():
    s, t = _bin_logits()
    gt = torch.randint(0, 2, (2, 8, 8), generator=torch.Generator().manual_seed(5))
    big_s = F.interpolate(s, size=(8, 8), mode='bilinear', align_corners=False)
    big_t = F.interpolate(t, size=(8, 8), mode='bilinear', align_corners=False)
    assert SoftBCELoss()(s, gt).item() == pytest.approx(SoftBCELoss()(big_s, gt).item())
    lwf = TeacherWeightedLikelihoodLoss()
    assert lwf(s, t, gt).item() == pytest.approx(lwf(big_s, big_t, gt).item())


def test_batch_l2_feature_matches_loop():
    g = torch.Generator().manual_seed(0)
    fs, ft = torch.randn(3, 4, 2, 2, generator=g), torch.randn(3, 4, 2, 2, generator=g)
    a, b = _np(fs), _np(ft)
    ref = np.mean([
        math.sqrt(sum((b[n, c, i, j] - a[n, c, i, j])**2 for n in range(3))) for c in range(4)
        for i in range(2) for j in range(2)
    ])
    loss = BatchL2FeatureLoss(loss_weight=0.3)(fs, ft)
    assert loss.item() == pytest.approx(0.3 * ref, rel=1e-5)
    # pre/post given as lists, or as the *_post arguments, is the channel concatenation
    fs2, ft2 = torch.randn(3, 4, 2, 2, generator=g), torch.randn(3, 4, 2, 2, generator=g)
    full = BatchL2FeatureLoss()(torch.cat([fs, fs2], 1), torch.cat([ft, ft2], 1))
    assert BatchL2FeatureLoss()([fs, fs2], (ft, ft2)).item() == pytest.approx(full.item())
    assert BatchL2FeatureLoss()(fs, ft, fs2, ft2).item() == pytest.approx(full.item())
    # dual teacher: the first `channels` channels of the wider side
    assert BatchL2FeatureLoss(channels=4)(fs, [ft, ft2]).item() == pytest.approx(ref, rel=1e-5)
    assert BatchL2FeatureLoss(channels=4)([fs, fs2], ft).item() == pytest.approx(ref, rel=1e-5)
    with pytest.raises(ValueError):
        BatchL2FeatureLoss()(fs, [ft, ft2])
    # zero difference: zero loss and a zero (not NaN) gradient
    same = fs.clone().requires_grad_(True)
    zero = BatchL2FeatureLoss()(same, fs)
    zero.backward()
    assert zero.item() == 0.0 and torch.all(same.grad == 0)


def test_reverse_kl_binary_matches_loop():
    s, t = _bin_logits()
    loss = ReverseKLLoss()(s, t)
    assert loss.item() == pytest.approx(_ref_rkl(_two, _two, s, t), rel=1e-5)
    gt = _bin_gt()
    loss_gt = ReverseKLLoss(loss_weight=2.0)(s, t, gt)
    assert loss_gt.item() == pytest.approx(2.0 * _ref_rkl(_two, _two, s, t, gt), rel=1e-5)


def test_reverse_kl_multiclass_matches_loop():
    s, t = _cls_logits()
    ref = _ref_rkl(_softmax, _softmax, s, t, use_eps=False)
    assert ReverseKLLoss()(s, t).item() == pytest.approx(ref, rel=1e-5)
    seed = ((F.log_softmax(s, 1) - F.log_softmax(t, 1)) * F.softmax(s, 1)).mean()
    assert ReverseKLLoss()(s, t).item() == pytest.approx(seed.item(), rel=1e-6)
    assert ReverseKLLoss()(s, t.clone()).item() >= 0  # KL >= 0
    assert ReverseKLLoss()(s, s.clone()).item() == pytest.approx(0.0, abs=1e-7)


def test_reverse_kl_five2two_matches_loop():
    s, _ = _cls_logits()
    _, t = _bin_logits(seed=4)
    loss = ReverseKLLoss(five2two=True)(s, t)
    assert loss.item() == pytest.approx(_ref_rkl(_merge, _two, s, t), rel=1e-5)
    gt = _cls_gt()
    loss_gt = ReverseKLLoss(five2two=True)(s, t, gt)
    assert loss_gt.item() == pytest.approx(_ref_rkl(_merge, _two, s, t, gt), rel=1e-5)


@pytest.mark.parametrize(
    'case', ['bce', 'lwf_bin', 'lwf_multi', 'lwf_52', 'l2', 'kl_bin', 'kl_multi', 'kl_52'])
def test_gradient_reaches_student_only(case):
    bs, bt = _bin_logits()
    cs, ct = _cls_logits()
    if case in ('lwf_bin', 'kl_bin', 'bce'):
        s, t, gt = bs, bt, _bin_gt()
    elif case in ('lwf_multi', 'kl_multi'):
        s, t, gt = cs, ct, _cls_gt()
    elif case in ('lwf_52', 'kl_52'):
        s, t, gt = cs, bt, _cls_gt()
    else:
        s, t, gt = cs, ct, None
    s = s.clone().requires_grad_(True)
    t = t.clone().requires_grad_(True)
    loss = {
        'bce': lambda: SoftBCELoss()(s, gt),
        'lwf_bin': lambda: TeacherWeightedLikelihoodLoss()(s, t, gt),
        'lwf_multi': lambda: TeacherWeightedLikelihoodLoss()(s, t, gt),
        'lwf_52': lambda: TeacherWeightedLikelihoodLoss(five2two=True)(s, t, gt),
        'l2': lambda: BatchL2FeatureLoss()(s, t),
        'kl_bin': lambda: ReverseKLLoss()(s, t, gt),
        'kl_multi': lambda: ReverseKLLoss()(s, t, gt),
        'kl_52': lambda: ReverseKLLoss(five2two=True)(s, t, gt),
    }[case]()
    loss.backward()
    assert s.grad is not None and torch.isfinite(s.grad).all() and s.grad.abs().sum() > 0
    assert t.grad is None
    if gt is not None and case != 'l2':
        ignored = (gt == 255)[:, None].expand_as(s)
        assert torch.all(s.grad[ignored] == 0)  # ignored pixels get no gradient


def test_bad_inputs_raise():
    s, t = _cls_logits()
    with pytest.raises(ValueError):
        TeacherWeightedLikelihoodLoss(five2two=True)(s, t, _cls_gt())  # teacher not 1 logit
    with pytest.raises(ValueError):
        ReverseKLLoss()(s, t[:, :, :2])
    bad = _cls_gt(ignore=False)
    bad[0, 0, 0] = 7
    with pytest.raises(ValueError):
        SoftBCELoss()(s, bad)
