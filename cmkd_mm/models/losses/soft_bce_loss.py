"""Likelihood of the ground truth under softened probabilities (the xView2 KD code's ``loss_cls``).

The xView2 KD code is the distillation study built on the 1st-place xView2 code (Bai et al.,
GeoInformatica 2022).
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from mmseg.registry import MODELS as MMSEG_MODELS
from torch import Tensor, nn

from .utils import GtType, as_nchw, binary_likelihood, prepare_labels, valid_one_hot


@MMSEG_MODELS.register_module()
@MODELS.register_module()
class SoftBCELoss(nn.Module):
    """Negative log-likelihood of the ground truth under softened probabilities (``loss_cls``).

    Binary (one logit, the localisation student), mask ``m = (label > 0)``, valid pixels ``V``
    (labels other than ``ignore_index``)::

        s = sigmoid(logits / T)
        loss = loss_weight * mean_V( -log(eps + s * m + (1 - s) * (1 - m)) )

    With ``T = 2`` this is the xView2 KD code's ``theta * loss_cls`` (``loss_weight`` =
    ``theta``); it is not ``BCE_with_logits(logits / T)`` near 0/1 only because of ``eps``.
    Multi-class logits (``C`` channels, the damage student) give that code's damage
    ``loss_cls``::

        loss = loss_weight * -sum_{V, c}( log_softmax(logits / T) * Y ) / (C * |V|)

    (``1/C`` of the pixel-mean cross-entropy, that code's ``.mean()`` over the one-hot tensor).
    Logits smaller than the labels are resized bilinearly to the label size first.

    Shapes: each prediction is paired with its own mask (the xView2 KD code's ``[B, H, W]`` by
    ``[B, 1, H, W]`` product pairs every prediction with every mask; not reproduced).

    Registered in mmrazor's ``MODELS`` (for ``ConfigurableDistiller``, ``forward(preds_S, gt)``)
    and in mmseg's ``MODELS`` (as a ``loss_decode``: ``forward(seg_logits, seg_label,
    weight=None, ignore_index=...)``, item ``loss_name``).

    Args:
        temperature (float, optional): ``T``. ``None`` gives 2.0 for one logit (the xView2 KD
            code) and 1.0 for several. Defaults to None.
        eps (float): Added inside the binary log. Defaults to 1e-9.
        ignore_index (int, optional): Label left out of the loss. Defaults to 255.
        align_corners (bool): Of the resize of logits to the label size. Defaults to False.
        loss_weight (float): Weight of the loss (the xView2 KD code's ``theta``).
            Defaults to 1.0.
        loss_name (str): Name of the loss item in mmseg. Defaults to ``'loss_soft_bce'``.
    """

    def __init__(self,
                 temperature: Optional[float] = None,
                 eps: float = 1e-9,
                 ignore_index: Optional[int] = 255,
                 align_corners: bool = False,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_soft_bce') -> None:
        super().__init__()
        self.temperature = temperature
        self.eps = eps
        self.ignore_index = ignore_index
        self.align_corners = align_corners
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        """Name of the loss item (mmseg)."""
        return self._loss_name

    def forward(self,
                preds_S: Tensor,
                gt: GtType,
                weight: Optional[Tensor] = None,
                ignore_index: Optional[int] = None,
                **kwargs) -> Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student logits ``(N, C, H, W)`` (``(N, H, W)`` for one logit).
            gt (Tensor | Sequence[SegDataSample]): Labels ``(N, H, W)`` / ``(N, 1, H, W)``.
            weight (Tensor, optional): mmseg sampler weights; not supported.
            ignore_index (int, optional): Overrides ``self.ignore_index`` when given.
        """
        if weight is not None:
            raise NotImplementedError('SoftBCELoss does not support pixel weights')
        ignore = self.ignore_index if ignore_index is None else ignore_index
        preds_S = as_nchw(preds_S, 'SoftBCELoss')
        preds_S, labels, valid = prepare_labels(gt, preds_S, ignore, self.align_corners)
        num_classes = preds_S.shape[1]
        temp = self.temperature
        if temp is None:
            temp = 2.0 if num_classes == 1 else 1.0
        if num_classes == 1:
            soft_S = torch.sigmoid(preds_S[:, 0] / temp)
            target = (labels > 0).to(soft_S.dtype) * valid
            nll = -torch.log(self.eps + binary_likelihood(soft_S, target))
            loss = (nll * valid).sum() / valid.sum().clamp(min=1)
        else:
            onehot = valid_one_hot(labels, valid, num_classes)
            loss = -(F.log_softmax(preds_S / temp, dim=1) * onehot).sum() / (
                valid.sum() * num_classes).clamp(min=1)
        return self.loss_weight * loss
