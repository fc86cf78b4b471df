"""Teacher-weighted log-likelihood of the ground truth (the xView2 KD code's ``--LWF`` term).

The xView2 KD code is the distillation study built on the 1st-place xView2 code (Bai et al.,
GeoInformatica 2022).
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

from .utils import (GtType, as_nchw, binary_likelihood, channel_five2two, check_same_shape,
                    logit_pairing, prepare_labels, resize_to, valid_one_hot)


@MODELS.register_module()
class TeacherWeightedLikelihoodLoss(nn.Module):
    """Teacher-weighted log-likelihood of the ground truth (the ``--LWF`` term).

    Binary (student and teacher one logit each, localisation), mask ``m = (label > 0)``, valid
    pixels ``V`` (labels other than ``ignore_index``)::

        s = sigmoid(logits_S / T),  t = sigmoid(logits_T / T)
        p^y = p * m + (1 - p) * (1 - m)
        loss = loss_weight * mean_V( -t^y * log(eps + s^y) )

    Multi-class (``C`` channels each, damage), one-hot ground truth ``Y``::

        loss = loss_weight * -sum_{V, c}( softmax(logits_T / T) * log_softmax(logits_S / T) * Y )
               / (C * |V|)

    i.e. the xView2 KD code's ``.mean()`` over the ``(N, C, H, W)`` tensor (``1/C`` of the
    per-pixel teacher-weighted cross-entropy), with ignored pixels out of the sum and the count.
    Logits smaller than the labels are resized bilinearly to the label size first.

    ``five2two=True`` (the dual-teacher ``locLWF``: ``C``-class student, 1-logit localisation
    teacher): ``s = channel_five2two(softmax(logits_S / T))[:, 1]`` (probability of any
    building) and the binary formula above, with ``m = (label > 0)`` (any damage class). The
    xView2 KD code also divides this term by 2: use ``loss_weight=0.5`` for that.

    Shapes: every prediction is paired with its own image's mask (the xView2 KD code's
    ``[B, H, W]`` by ``[B, 1, H, W]`` product broadcasts to ``[B, B, H, W]``, pairing every
    prediction with every mask; that is not reproduced). All teacher inputs are detached.

    Example (localisation, with ``logits`` recording ``decode_head.conv_seg``)::

        distill_losses=dict(
            loss_lwf=dict(type='TeacherWeightedLikelihoodLoss', temperature=2.0)),
        loss_forward_mappings=dict(
            loss_lwf=dict(preds_S=dict(from_student=True, recorder='logits'),
                          preds_T=dict(from_student=False, recorder='logits'),
                          gt=dict(from_student=True, recorder='gt_samples', data_idx=1)))

    Args:
        temperature (float, optional): ``T``. ``None`` gives the xView2 KD code's values: 2.0
            for the binary and ``five2two`` modes, 1.0 for the multi-class mode.
            Defaults to None.
        five2two (bool): Compare a multi-class student with a 1-logit teacher.
            Defaults to False.
        eps (float): Added inside the binary log. Defaults to 1e-9.
        ignore_index (int, optional): Label left out of the loss. Defaults to 255.
        align_corners (bool): Of the resize of logits to the label size. Defaults to False.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 temperature: Optional[float] = None,
                 five2two: bool = False,
                 eps: float = 1e-9,
                 ignore_index: Optional[int] = 255,
                 align_corners: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.temperature = temperature
        self.five2two = five2two
        self.eps = eps
        self.ignore_index = ignore_index
        self.align_corners = align_corners
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor, gt: GtType) -> Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student logits ``(N, C, H, W)`` (``(N, H, W)`` for one logit).
            preds_T (Tensor): Teacher logits, same batch and spatial size; no gradient.
            gt (Tensor | Sequence[SegDataSample]): Labels ``(N, H, W)`` / ``(N, 1, H, W)``.
        """
        preds_S = as_nchw(preds_S, 'TeacherWeightedLikelihoodLoss')
        preds_T = as_nchw(preds_T.detach(), 'TeacherWeightedLikelihoodLoss')
        check_same_shape(preds_S, preds_T, 'TeacherWeightedLikelihoodLoss', channels=False)
        mode = logit_pairing(preds_S, preds_T, self.five2two, 'TeacherWeightedLikelihoodLoss')
        temp = self.temperature
        if temp is None:
            temp = 1.0 if mode == 'multi' else 2.0
        preds_S, labels, valid = prepare_labels(gt, preds_S, self.ignore_index, self.align_corners)
        preds_T = resize_to(preds_T, labels.shape[1:], self.align_corners)
        if mode == 'multi':
            onehot = valid_one_hot(labels, valid, preds_S.shape[1])
            term = (
                F.softmax(preds_T / temp, dim=1) * F.log_softmax(preds_S / temp, dim=1) * onehot)
            loss = -term.sum() / (valid.sum() * preds_S.shape[1]).clamp(min=1)
        else:
            if mode == 'five2two':
                soft_S = channel_five2two(F.softmax(preds_S / temp, dim=1))[:, 1]
            else:
                soft_S = torch.sigmoid(preds_S[:, 0] / temp)
            soft_T = torch.sigmoid(preds_T[:, 0] / temp)
            target = (labels > 0).to(soft_S.dtype) * valid
            term = binary_likelihood(
                soft_T, target) * torch.log(self.eps + binary_likelihood(soft_S, target))
            loss = -(term * valid).sum() / valid.sum().clamp(min=1)
        return self.loss_weight * loss
