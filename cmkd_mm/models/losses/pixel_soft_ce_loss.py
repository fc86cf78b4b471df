"""Per-pixel soft cross-entropy between teacher and student logits (CEKD's ``loss_kdce``)."""
import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import nn

from .utils import check_same_shape


@MODELS.register_module()
class PixelSoftCELoss(nn.Module):
    """Soft cross-entropy between teacher and student segmentation logits, per pixel.

    The softmax is taken over the class axis (dim 1 of ``(N, C, H, W)``) and the loss is the
    plain mean over all ``N * H * W`` pixels::

        p_T     = softmax(logits_T / T, dim=1)          (over the C classes of each pixel)
        log_p_S = log_softmax(logits_S / T, dim=1)
        loss = loss_weight * mean_{n,h,w} ( -sum_c p_T[n,c,h,w] * log_p_S[n,c,h,w] )

    There is no ``T^2`` factor and no teacher-entropy term (so this is not the KL divergence);
    CEKD uses ``T = 6``. Student and teacher logits must have the same shape (CEKD does not
    resize them).

    Note:
        mmrazor's ``KDSoftCELoss(tau, mult_tem_square=False)`` gives the same value only for
        ``(N, C)`` inputs: it softmaxes the last axis, so segmentation maps would need a permute
        and reshape first, and it depends on mmcls, which this project does not install.

    Args:
        tau (float): Temperature ``T``. Defaults to 6.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self, tau: float = 6.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.tau = tau
        self.loss_weight = loss_weight

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student logits ``(N, C, H, W)`` (or ``(N, C)``).
            preds_T (Tensor): Teacher logits of the same shape; it gets no gradient.
        """
        check_same_shape(preds_S, preds_T, 'PixelSoftCELoss')
        soft_T = F.softmax(preds_T.detach() / self.tau, dim=1)
        log_S = F.log_softmax(preds_S / self.tau, dim=1)
        loss = -(soft_T * log_S).sum(dim=1).mean()
        return self.loss_weight * loss
