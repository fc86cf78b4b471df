"""Inputs and numpy references shared by the loss tests."""
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
