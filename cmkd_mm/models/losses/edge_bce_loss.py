"""Class-balanced (auto-weighted) binary cross-entropy for edge maps (CEKD teacher)."""
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor, nn

from .utils import valid_mask


@MODELS.register_module()
class AutoWeightedEdgeBCELoss(nn.Module):
    """Binary cross-entropy whose positive/negative weights balance the edge pixels per image.

    With edge logits ``x``, labels ``y`` in {0, 1} and ``beta[n]`` the fraction of edge pixels
    of image ``n`` (over its valid pixels)::

        loss = loss_weight * mean over valid pixels of
               -(1 - beta) * y * log(sigmoid(x)) - beta * (1 - y) * log(sigmoid(-x))

    Pixels labelled ``ignore_index`` (padding) are left out of ``beta`` and of the mean.

    The original CEKD code's edge module ends with a sigmoid and its loss applies
    ``logsigmoid`` to that output again, so it trains ``sigmoid(sigmoid(x))``: the predicted
    probability can never go below 0.5. ``double_sigmoid=False`` (default) is the intended loss
    on the logits; ``double_sigmoid=True`` reproduces the original CEKD code exactly.

    Args:
        double_sigmoid (bool): Apply a sigmoid to ``x`` before the loss, as the original
            CEKD code does.
        ignore_index (int): Label of pixels to leave out. Defaults to 255.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss in the log (mmseg convention, must start with
            ``loss_``). Defaults to ``'loss_edge'``.
    """

    def __init__(self,
                 double_sigmoid: bool = False,
                 ignore_index: int = 255,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_edge') -> None:
        super().__init__()
        self.double_sigmoid = double_sigmoid
        self.ignore_index = ignore_index
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, edge_logits: Tensor, edge_label: Tensor, **kwargs) -> Tensor:
        """Compute the loss.

        Args:
            edge_logits (Tensor): ``(N, 1, H, W)`` or ``(N, H, W)`` edge logits.
            edge_label (Tensor): ``(N, H, W)`` (or ``(N, 1, H, W)``) labels 0, 1 or
                ``ignore_index``, the same size as the logits.
        """
        x = edge_logits.reshape(edge_logits.shape[0], -1).float()
        y = edge_label.reshape(edge_label.shape[0], -1)
        if x.shape != y.shape:
            raise ValueError(f'AutoWeightedEdgeBCELoss: logits {tuple(edge_logits.shape)} and '
                             f'labels {tuple(edge_label.shape)} differ in size')
        valid = valid_mask(y, self.ignore_index).float()
        y = (y == 1).float() * valid
        beta = y.sum(1, keepdim=True) / valid.sum(1, keepdim=True).clamp(min=1)
        if self.double_sigmoid:
            x = torch.sigmoid(x)
        loss = -(1 - beta) * y * F.logsigmoid(x) - beta * (1 - y) * F.logsigmoid(-x)
        loss = (loss * valid).sum() / valid.sum().clamp(min=1)
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        return self._loss_name
