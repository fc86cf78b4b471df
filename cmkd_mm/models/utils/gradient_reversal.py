"""Gradient reversal layer (Ganin & Lempitsky, 2015)."""
import torch
from mmrazor.registry import MODELS
from torch import nn


class _GradientReverse(torch.autograd.Function):

    @staticmethod
    def forward(ctx, x: torch.Tensor, lambd: float) -> torch.Tensor:
        ctx.lambd = lambd
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return grad.neg() * ctx.lambd, None


def gradient_reverse(x: torch.Tensor, lambd: float = 1.0) -> torch.Tensor:
    """Identity in the forward pass; multiplies the gradient by ``-lambd`` in the backward pass.

    Args:
        x (Tensor): Input.
        lambd (float): Scale of the reversed gradient.
    """
    return _GradientReverse.apply(x, lambd)


@MODELS.register_module()
class GradientReversalLayer(nn.Module):
    """Module form of :func:`gradient_reverse`.

    Args:
        lambd (float): Scale of the reversed gradient.
    """

    def __init__(self, lambd: float = 1.0) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return gradient_reverse(x, self.lambd)

    def extra_repr(self) -> str:
        return f'lambd={self.lambd}'
