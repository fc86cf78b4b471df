"""MSE between the sorted values of embeddings (the NJUST-KMG code's ``swd_diff``)."""
import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import nn


@MODELS.register_module()
class SortedFeatureMSELoss(nn.Module):
    """MSE between the sorted values of each student and teacher embedding.

    ::

        loss = loss_weight * mean_{n, d} ( sort(preds_S[n])_d - sort(preds_T[n])_d )^2

    Sorting each vector's values makes this the squared 1-D Wasserstein-2 distance between the
    empirical distributions of the two vectors' entries (a "sliced Wasserstein" term along the
    identity projection), averaged over the batch; NJUST-KMG's ``swd_diff`` on the raw
    (not normalised) 512-d CLIP embeddings. Inputs with more than two dimensions are flattened
    to ``(B, -1)`` before sorting.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        teacher_detach (bool): Detach the teacher embeddings (see :class:`InfoNCELoss`).
            Defaults to True.
    """

    def __init__(self, loss_weight: float = 1.0, teacher_detach: bool = True) -> None:
        super().__init__()
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
        sorted_s = preds_S.flatten(1).sort(dim=-1).values
        sorted_t = preds_T.flatten(1).sort(dim=-1).values
        return self.loss_weight * F.mse_loss(sorted_s, sorted_t)
