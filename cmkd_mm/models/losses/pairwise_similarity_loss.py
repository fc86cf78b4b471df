"""Pair-wise (structured) similarity distillation of a feature map (CEKD's ``loss_sim``)."""
import torch
from mmrazor.registry import MODELS
from torch import nn

from .utils import check_same_shape


@MODELS.register_module()
class PairwiseSimilarityLoss(nn.Module):
    """Pair-wise (structured) similarity distillation of a feature map.

    Every pixel's feature vector is L2-normalised over the channels, and the cosine similarity
    of every pair of pixels is compared between student and teacher::

        f_hat[n, :, i] = f[n, :, i] / (||f[n, :, i]||_2 + eps)      i = pixel index, HW pixels
        A[n, i, j]     = sum_c f_hat[n, c, i] * f_hat[n, c, j]      (HW x HW matrix)
        loss = loss_weight * sum_{n,i,j} (A_T[n,i,j] - A_S[n,i,j])^2 / (HW)^2 / N

    i.e. the squared error summed over all pixel pairs, divided by ``(HW)^2`` and by the batch
    size (the mean over pairs and images).

    Gradient: the original CEKD code (after the structured-KD code it builds on) divides by the
    norm taken as a constant, ``f / (||f|| + eps).detach()``, so no gradient flows through the
    norm. That is the default here (``detach_norm=True``). With ``detach_norm=False`` the
    gradient also flows through the norm, which removes the radial part of each pixel's gradient
    (the loss value is the same; only the training signal differs). CEKD uses it on the last
    encoder feature (2048 ch, 15x20) with no pooling. Student and teacher may have different
    channel numbers but must have the same batch and spatial size (no interpolation, as in
    CEKD).

    Note:
        mmrazor's ``DistanceWiseRKD`` / ``AngleWiseRKD`` relate *samples* of a batch (distances
        and angles between embedding vectors, with a smooth-L1 loss), not pixels of one map,
        so they are not this loss.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        eps (float): Added to the L2 norm before dividing. Defaults to 1e-8.
        detach_norm (bool): Treat the per-pixel norm as a constant, as the original CEKD code
            does. False lets the gradient flow through the norm. Defaults to True.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 eps: float = 1e-8,
                 detach_norm: bool = True) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.eps = eps
        self.detach_norm = detach_norm

    def similarity(self, feat: torch.Tensor) -> torch.Tensor:
        """Pixel-to-pixel cosine similarity ``(N, HW, HW)`` of a ``(N, C, H, W)`` map."""
        feat = feat.flatten(2)
        norm = feat.norm(p=2, dim=1, keepdim=True) + self.eps
        feat = feat / (norm.detach() if self.detach_norm else norm)
        return torch.bmm(feat.transpose(1, 2), feat)

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student feature ``(N, C_S, H, W)``.
            preds_T (Tensor): Teacher feature ``(N, C_T, H, W)``; it gets no gradient.
        """
        # channels may differ; batch and spatial size may not
        check_same_shape(preds_S, preds_T, 'PairwiseSimilarityLoss', channels=False)
        num, _, height, width = preds_S.shape
        diff = self.similarity(preds_T.detach()) - self.similarity(preds_S)
        loss = diff.pow(2).sum() / (height * width)**2 / num
        return self.loss_weight * loss
