"""Symmetric (CLIP-style) InfoNCE between embeddings, as in the NJUST-KMG code."""
import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import nn


@MODELS.register_module()
class InfoNCELoss(nn.Module):
    """Symmetric (CLIP-style) InfoNCE between two batches of embeddings.

    Row ``i`` of the student batch and row ``i`` of the teacher batch form the positive pair; the
    other rows of the batch are the negatives::

        a = preds_S / ||preds_S||_2,   b = preds_T / ||preds_T||_2      (per row)
        loss = loss_weight * ( CE(a @ b.T / tau, arange(B)) + CE(b @ a.T / tau, arange(B)) ) / 2

    with ``CE`` the mean cross-entropy. NJUST-KMG's released code (EO and SAR CLIP encoders) uses
    no logit scale, i.e. ``tau = 1``. Inputs with more than two dimensions are flattened to
    ``(B, -1)``.

    Args:
        tau (float): Temperature dividing the cosine similarities. Defaults to 1.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        teacher_detach (bool): Detach the teacher embeddings. NJUST-KMG trains both encoders
            jointly (gradients reach both), which needs ``teacher_detach=False`` and a trainable
            teacher. Defaults to True.
    """

    def __init__(self,
                 tau: float = 1.0,
                 loss_weight: float = 1.0,
                 teacher_detach: bool = True) -> None:
        super().__init__()
        self.tau = tau
        self.loss_weight = loss_weight
        self.teacher_detach = teacher_detach

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student embeddings ``(B, D)``.
            preds_T (Tensor): Teacher embeddings ``(B, D)``.
        """
        if self.teacher_detach:
            preds_T = preds_T.detach()
        feat_s = F.normalize(preds_S.flatten(1), dim=1)
        feat_t = F.normalize(preds_T.flatten(1), dim=1)
        logits = feat_s @ feat_t.t() / self.tau
        labels = torch.arange(logits.size(0), device=logits.device)
        loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
        return self.loss_weight * loss
