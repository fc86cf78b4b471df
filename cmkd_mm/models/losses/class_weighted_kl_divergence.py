"""Class-weighted, element-wise KL divergence of the NTIRE 2021 MAVOC iterative KD."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import nn

from .utils import as_class_weight, class_weight_tensor


@MODELS.register_module()
class ClassWeightedKLDivergence(nn.Module):
    """Class-weighted, element-wise KL divergence of the NTIRE 2021 iterative KD (method 2).

    ::

        kl[n, c] = p_T[n, c] * (log p_T[n, c] - log p_S[n, c])
        p_T = softmax(preds_T / T),  log p_S = log_softmax(preds_S / T)     (over the classes)
        loss = loss_weight * T^2 * mean_{n, c} ( w_c * kl[n, c] )

    i.e. the NTIRE 2021 code's ``(nn.KLDivLoss(reduction='none')(log p_S, p_T) * T * T *
    w).mean()``, a mean over all ``B * C`` elements. Without ``class_weight`` it equals mmrazor's
    ``KLDivergence(tau=T, reduction='mean')``. Inputs may also be ``(N, C, H, W)``; the weight
    then broadcasts over dim 1 and the mean is over all elements.

    Note:
        The NTIRE 2021 KD method 1 needs no class of its own: mmrazor's
        ``KLDivergence(tau=2.0, reduction='mean', loss_weight=0.2)`` is that code's
        ``nn.KLDivLoss()(log_softmax(s/T), softmax(t/T)) * T * T`` (mmrazor's default
        ``'batchmean'`` is ``C`` times larger, 10x for the 10 MAVOC classes).

    Args:
        tau (float): Temperature ``T``. Defaults to 1.0.
        class_weight (Sequence[float] | str, optional): ``w_c`` of every class; ``'auto'``:
            computed from the training set by ``ClassWeightsFromDataHook``. Defaults to None.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        teacher_detach (bool): Detach the teacher logits. Defaults to True.
    """

    def __init__(self,
                 tau: float = 1.0,
                 class_weight: Optional[Sequence[float]] = None,
                 loss_weight: float = 1.0,
                 teacher_detach: bool = True) -> None:
        super().__init__()
        self.tau = tau
        self.class_weight = as_class_weight(class_weight)
        self.loss_weight = loss_weight
        self.teacher_detach = teacher_detach

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student logits ``(N, C)`` or ``(N, C, H, W)``.
            preds_T (Tensor): Teacher logits of the same shape.
        """
        if self.teacher_detach:
            preds_T = preds_T.detach()
        kl = F.kl_div(
            F.log_softmax(preds_S / self.tau, dim=1),
            F.softmax(preds_T / self.tau, dim=1),
            reduction='none') * self.tau**2
        weight = class_weight_tensor(self.class_weight, kl, type(self).__name__)
        if weight is not None:
            kl = kl * weight.view([1, -1] + [1] * (kl.dim() - 2))
        return self.loss_weight * kl.mean()
