"""Reverse KL divergence per pixel, averaged (the xView2 KD code's ``--KL`` term).

The xView2 KD code is the distillation study built on the 1st-place xView2 code (Bai et al.,
GeoInformatica 2022).
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import Tensor, nn

from .utils import (GtType, as_nchw, channel_five2two, check_same_shape, logit_pairing,
                    prepare_labels, resize_to)


@MODELS.register_module()
class ReverseKLLoss(nn.Module):
    """Reverse KL divergence ``KL(student || teacher)`` per pixel, averaged (``--KL``).

    ``loss = loss_weight * mean( (log p_S - log p_T) * p_S )``, the mean running over the
    ``(N, K, H, W)`` probability tensor (``K`` classes, so ``1/K`` of the per-pixel KL):

    * binary (one logit each, localisation): ``p = sigmoid(logits / T)``, ``p_* = [1 - p, p]``
      (``K = 2``), ``log p`` taken as ``log(eps + p)``;
    * multi-class (``C`` each, damage): ``log p = log_softmax(logits / T)``,
      ``p_S = softmax(logits_S / T)`` (``K = C``);
    * ``five2two=True`` (the dual-teacher ``locKL``): ``p_S = channel_five2two(softmax(
      logits_S / T))``, ``p_T = [1 - sigmoid(logits_T / T), sigmoid(logits_T / T)]``, ``K = 2``,
      ``log(eps + p)``.

    The xView2 KD code uses ``T = 1``. With ``gt`` given, pixels labelled ``ignore_index`` are
    left out of the sum and the count; without it every pixel counts (as in the xView2 KD code).
    Student and teacher logits must have the same batch and spatial size; all teacher inputs are
    detached.

    Args:
        temperature (float): ``T``. Defaults to 1.0.
        five2two (bool): Compare a multi-class student with a 1-logit teacher.
            Defaults to False.
        eps (float): Added inside the logs of the two-class probabilities. Defaults to 1e-9.
        ignore_index (int, optional): Label left out when ``gt`` is given. Defaults to 255.
        align_corners (bool): Of the resize of logits to the label size. Defaults to False.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 temperature: float = 1.0,
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

    def _binary_probs(self, logits: Tensor) -> Tensor:
        prob = torch.sigmoid(logits[:, :1] / self.temperature)
        return torch.cat((1 - prob, prob), dim=1)

    def forward(self, preds_S: Tensor, preds_T: Tensor, gt: Optional[GtType] = None) -> Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student logits ``(N, C, H, W)`` (``(N, H, W)`` for one logit).
            preds_T (Tensor): Teacher logits, same batch and spatial size; no gradient.
            gt (Tensor | Sequence[SegDataSample], optional): Labels, only to drop ignored
                pixels.
        """
        preds_S = as_nchw(preds_S, 'ReverseKLLoss')
        preds_T = as_nchw(preds_T.detach(), 'ReverseKLLoss')
        check_same_shape(preds_S, preds_T, 'ReverseKLLoss', channels=False)
        mode = logit_pairing(preds_S, preds_T, self.five2two, 'ReverseKLLoss')
        if gt is not None:
            preds_S, labels, valid = prepare_labels(gt, preds_S, self.ignore_index,
                                                    self.align_corners)
            preds_T = resize_to(preds_T, labels.shape[1:], self.align_corners)
        else:
            valid = None
        temp = self.temperature
        if mode == 'multi':
            p_S = F.softmax(preds_S / temp, dim=1)
            term = (F.log_softmax(preds_S / temp, dim=1) -
                    F.log_softmax(preds_T / temp, dim=1)) * p_S
        else:
            if mode == 'five2two':
                p_S = channel_five2two(F.softmax(preds_S / temp, dim=1))
            else:
                p_S = self._binary_probs(preds_S)
            p_T = self._binary_probs(preds_T)
            term = (torch.log(self.eps + p_S) - torch.log(self.eps + p_T)) * p_S
        if valid is None:
            loss = term.mean()
        else:
            loss = (term * valid[:, None]).sum() / (valid.sum() * term.shape[1]).clamp(min=1)
        return self.loss_weight * loss
