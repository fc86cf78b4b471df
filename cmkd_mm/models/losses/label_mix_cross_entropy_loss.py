"""Class-weighted cross-entropy with the NTIRE 2021 MAVOC code's label mixing.

A head loss: registered in mmpretrain's ``MODELS``, from which ``ClsHead`` builds its ``loss``.
"""
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from torch import nn

from .utils import as_class_weight, class_weight_tensor


@MODELS.register_module()
class LabelMixCrossEntropyLoss(nn.Module):
    """Class-weighted cross-entropy with the NTIRE 2021 code's label mixing.

    With ``w`` the class weights and ``CE_w`` PyTorch's ``nn.CrossEntropyLoss(weight=w)`` (mean
    reduction, which divides by the summed weights of the targets, not by the batch size)::

        CE_w(x, y) = sum_n w[y_n] * (-log softmax(x_n)[y_n]) / sum_n w[y_n]
        lam  ~ Beta(alpha, alpha)       (lam = 1 if alpha <= 0)
        perm = randperm(B)
        loss = loss_weight * (lam * CE_w(x, y) + (1 - lam) * CE_w(x, y[perm]))

    ``mix_labels=False`` gives ``loss_weight * CE_w(x, y)``. ``lam`` is drawn with
    ``np.random.beta`` and ``perm`` with ``torch.randperm``, as the NTIRE 2021 code's
    ``mixup_data`` does, so mmengine's ``randomness`` seed covers both.

    Note:
        This is **not** mixup: the NTIRE 2021 code calls ``mixup_data`` after the forward pass
        and never forwards the mixed inputs, so only the targets are mixed, on the outputs of
        the clean images. Real mixup is mmpretrain's ``Mixup`` batch augmentation, set on the
        classifier (it mixes the images in the data preprocessor and turns the labels into mixed
        one-hot ``gt_score``; the data preprocessor needs ``num_classes``, and ``alpha`` must be
        a float)::

            model = dict(type='ImageClassifier', ...,
                         data_preprocessor=dict(num_classes=10),
                         train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)))

        This loss accepts such soft targets ``(B, C)``: it then uses
        ``sum_n sum_c w_c y_nc (-log p_nc) / sum_n sum_c w_c y_nc``, which is ``CE_w`` for
        one-hot rows (PyTorch's ``cross_entropy`` with probability targets divides by ``B``
        instead). Use ``mix_labels=False`` together with ``Mixup``.

    The call signature is the one mmpretrain's ``ClsHead._get_loss`` uses,
    ``loss(cls_score, target, avg_factor=B)``; ``avg_factor`` is ignored because ``CE_w``
    normalises by the target weights.

    Args:
        class_weight (Sequence[float] | str, optional): Weight of every class (e.g. from
            :func:`inverse_frequency_weights`); ``'auto'``: computed from the configured
            training set by ``ClassWeightsFromDataHook``. None weights all classes 1.
            Defaults to None.
        mix_labels (bool): Mix the targets as the NTIRE 2021 code does. Defaults to True.
        alpha (float): Parameter of the Beta distribution of ``lam``. Defaults to 1.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    #: The library loss a plain (inference) config of the model uses in its place.
    plain_counterpart = 'CrossEntropyLoss'

    def __init__(self,
                 class_weight: Optional[Sequence[float]] = None,
                 mix_labels: bool = True,
                 alpha: float = 1.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.class_weight = as_class_weight(class_weight)
        self.mix_labels = mix_labels
        self.alpha = alpha
        self.loss_weight = loss_weight

    def weighted_ce(self, cls_score: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """``CE_w`` of hard labels ``(B, )`` or soft targets ``(B, C)``, without mixing."""
        weight = class_weight_tensor(self.class_weight, cls_score, type(self).__name__)
        if target.dim() == 1:
            return F.cross_entropy(cls_score, target.long(), weight=weight)
        target = target.to(cls_score.dtype)
        if weight is not None:
            target = target * weight
        return -(target * F.log_softmax(cls_score, dim=1)).sum() / target.sum()

    def forward(self,
                cls_score: torch.Tensor,
                target: torch.Tensor,
                avg_factor: Optional[int] = None,
                **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): Logits ``(B, C)``.
            target (Tensor): Labels ``(B, )`` or soft targets ``(B, C)``.
            avg_factor (int, optional): Ignored (see the class note).
        """
        loss = self.weighted_ce(cls_score, target)
        if self.mix_labels:
            lam = float(np.random.beta(self.alpha, self.alpha)) if self.alpha > 0 else 1.0
            perm = torch.randperm(cls_score.size(0)).to(target.device)
            loss = lam * loss + (1 - lam) * self.weighted_ce(cls_score, target[perm])
        return self.loss_weight * loss
