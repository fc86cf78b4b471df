"""Multi-class (softmax) focal loss of the NJUST-KMG code (PBVS 2024 MAVOC).

A head loss: registered in mmpretrain's ``MODELS``, from which ``ClsHead`` builds its ``loss``.
"""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from torch import nn


@MODELS.register_module()
class SoftmaxFocalLoss(nn.Module):
    """Multi-class (softmax) focal loss.

    With ``p_t = softmax(x_n)[y_n]`` the probability of the true class::

        loss = loss_weight * mean_n ( -alpha[y_n] * (1 - p_t)^gamma * log p_t )

    (``alpha[y_n] = 1`` without ``alpha``). ``gamma = 0`` and no ``alpha`` is plain
    cross-entropy. NJUST-KMG (PBVS 2024) uses ``gamma=0.5``, no ``alpha``; note that their
    ``FocalLoss`` detaches ``p_t`` in the factor ``(1 - p_t)^gamma`` (same value, no gradient
    through the factor): ``detach_focal_weight=True`` reproduces that.

    mmpretrain's own ``FocalLoss`` is the sigmoid (one-vs-rest, multi-label) form, which gives
    other values for single-label classification; hence this class.

    Args:
        gamma (float): Focusing parameter. Defaults to 0.5.
        alpha (Sequence[float], optional): Weight of every class. Defaults to None.
        detach_focal_weight (bool): Treat ``(1 - p_t)^gamma`` as a constant in the backward pass,
            as the NJUST-KMG code does. Defaults to False (the usual focal loss).
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 gamma: float = 0.5,
                 alpha: Optional[Sequence[float]] = None,
                 detach_focal_weight: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.gamma = gamma
        self.alpha = None if alpha is None else list(alpha)
        self.detach_focal_weight = detach_focal_weight
        self.loss_weight = loss_weight

    def forward(self,
                cls_score: torch.Tensor,
                target: torch.Tensor,
                avg_factor: Optional[int] = None,
                **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): Logits ``(B, C)``.
            target (Tensor): Labels ``(B, )``. Soft targets (mmpretrain batch augmentations) are
                not supported.
            avg_factor (int, optional): Ignored; the loss is the mean over the batch.
        """
        if target.dim() != 1:
            raise ValueError('SoftmaxFocalLoss needs hard labels (B, ), got targets of shape '
                             f'{tuple(target.shape)} (batch augmentations give soft targets).')
        target = target.long()
        log_pt = F.log_softmax(cls_score, dim=1).gather(1, target[:, None]).squeeze(1)
        pt = log_pt.exp()
        if self.detach_focal_weight:
            pt = pt.detach()
        loss = -(1 - pt).pow(self.gamma) * log_pt
        if self.alpha is not None:
            loss = loss * cls_score.new_tensor(self.alpha)[target]
        return self.loss_weight * loss.mean()
