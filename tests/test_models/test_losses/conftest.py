"""Inputs and numpy references shared by the loss tests."""
import math

import numpy as np
import torch


def np64(x: torch.Tensor) -> np.ndarray:
    """A tensor as a float64 numpy array (detached)."""
    return x.detach().numpy().astype(np.float64)


def log_softmax(row) -> np.ndarray:
    """log-softmax of a 1-D vector, in float64."""
    row = np.asarray(row, dtype=np.float64)
    row = row - row.max()
    return row - np.log(np.exp(row).sum())


# training samples per class of the NTIRE 2021 MAVOC SAR set, as the NTIRE 2021 code counts them
NTIRE2021_SAR_COUNTS = [234135, 28030, 15234, 10587, 1668, 782, 768, 562, 783, 573]


def kl_elementwise(s: torch.Tensor, t: torch.Tensor, tau: float) -> np.ndarray:
    """KLDivLoss(reduction='none')(log_softmax(s/T), softmax(t/T)), by hand, (N, C)."""
    out = []
    for rs, rt in zip(s.double().numpy(), t.double().numpy()):
        log_ps, log_pt = log_softmax(rs / tau), log_softmax(rt / tau)
        out.append(np.exp(log_pt) * (log_pt - log_ps))
    return np.array(out)


def assert_gradient_reaches_student_only(loss, shape, seed: int) -> None:
    """On random student and teacher inputs of ``shape``, the gradient reaches the student only.

    Args:
        loss (nn.Module): Called as ``loss(student, teacher)``.
        shape (tuple[int]): Shape of both inputs.
        seed (int): Random seed of the inputs.
    """
    torch.manual_seed(seed)
    s = torch.randn(*shape, requires_grad=True)
    t = torch.randn(*shape, requires_grad=True)
    loss(s, t).backward()
    assert s.grad is not None and torch.count_nonzero(s.grad) > 0
    assert t.grad is None


# ------------------------------------------------ building-damage (xView2) logits and labels
EPS = 1e-9


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max())
    return e / e.sum()


def bin_logits(seed=0, n=2):
    """Student and teacher one-logit maps ``(n, 1, 4, 4)`` (localisation)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, 4, 4, generator=g) * 2, torch.randn(n, 1, 4, 4, generator=g) * 2


def bin_gt(n=2, ignore=True):
    """0/1 labels ``(n, 4, 4)``, with a few 255 (ignored) pixels unless ``ignore=False``."""
    g = torch.Generator().manual_seed(1)
    gt = torch.randint(0, 2, (n, 4, 4), generator=g)
    if ignore:
        gt[0, 0, :2] = 255
        gt[-1, 3, 3] = 255
    return gt


def cls_logits(seed=0, n=2, c=5):
    """Student and teacher ``c``-class logits ``(n, c, 4, 4)`` (damage)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, 4, 4, generator=g), torch.randn(n, c, 4, 4, generator=g)


def cls_gt(n=2, ignore=True):
    """0..4 labels ``(n, 4, 4)``, with a few 255 (ignored) pixels unless ``ignore=False``."""
    g = torch.Generator().manual_seed(2)
    gt = torch.randint(0, 5, (n, 4, 4), generator=g)
    if ignore:
        gt[0, 1, 1:3] = 255
        gt[-1, 0, 0] = 255
    return gt


def pixels(gt, ignore=255):
    """``(b, i, j)`` of every pixel not labelled ``ignore``."""
    n, h, w = gt.shape
    return [(b, i, j) for b in range(n) for i in range(h) for j in range(w)
            if int(gt[b, i, j]) != ignore]


def logit_case(case: str):
    """``(student, teacher, gt)``, the teacher a copy with a gradient of its own.

    ``case``: ``'binary'`` (1 vs 1 logit), ``'multi'`` (5 vs 5), ``'five2two'`` (5 vs 1) or
    ``'features'`` (5 vs 5 channels, no labels).
    """
    bs, bt = bin_logits()
    cs, ct = cls_logits()
    s, t, gt = dict(
        binary=(bs, bt, bin_gt()),
        multi=(cs, ct, cls_gt()),
        five2two=(cs, bt, cls_gt()),
        features=(cs, ct, None))[case]
    return s.clone().requires_grad_(True), t.clone().requires_grad_(True), gt


def assert_student_gradient_only(s: torch.Tensor, t: torch.Tensor, gt=None) -> None:
    """After ``backward``: a finite, nonzero gradient reaches the student only, and none of it
    reaches the pixels labelled 255."""
    assert s.grad is not None and torch.isfinite(s.grad).all() and s.grad.abs().sum() > 0
    assert t.grad is None
    if gt is not None:
        ignored = (gt == 255)[:, None].expand_as(s)
        assert torch.all(s.grad[ignored] == 0)  # ignored pixels get no gradient
