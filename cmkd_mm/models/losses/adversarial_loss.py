"""Adversarial feature distillation through a gradient-reversal layer."""
import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import nn

from ..utils import gradient_reverse


@MODELS.register_module()
class AdversarialFeatureLoss(nn.Module):
    """Discriminator loss whose reversed gradient pushes student features towards the teacher's.

    ``D`` classifies ``cat([GRL(f_S), f_T])`` with BCE (student label 0, teacher label 1). The
    discriminator lives inside the loss, so it is trained by the same backward pass: its own
    gradient minimises the BCE, while the gradient reaching the student is reversed and scaled by
    ``grl_lambda`` and so maximises it. Put one loss per feature level in the distiller; with
    ``loss_weight=1/L`` the levels are averaged.

    Args:
        discriminator (dict): Config of the discriminator (e.g. ``FeatureDiscriminator``).
        grl_lambda (float): Scale of the reversed gradient.
        loss_weight (float): Weight of the loss.
        student_label (float): Target of student features.
        teacher_label (float): Target of teacher features.
    """

    def __init__(self,
                 discriminator: dict,
                 grl_lambda: float = 1.0,
                 loss_weight: float = 1.0,
                 student_label: float = 0.,
                 teacher_label: float = 1.) -> None:
        super().__init__()
        self.discriminator = MODELS.build(dict(dict(_scope_='mmrazor'), **discriminator))
        self.grl_lambda = grl_lambda
        self.loss_weight = loss_weight
        self.student_label = student_label
        self.teacher_label = teacher_label

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student features ``(N, C, H, W)``.
            preds_T (Tensor): Teacher features of the same shape (no gradient flows to them).
        """
        feats = torch.cat([gradient_reverse(preds_S, self.grl_lambda), preds_T.detach()], 0)
        logits = self.discriminator(feats)
        target = torch.cat([
            logits.new_full((preds_S.shape[0], ), self.student_label),
            logits.new_full((preds_T.shape[0], ), self.teacher_label)
        ])
        return self.loss_weight * F.binary_cross_entropy_with_logits(logits, target)
