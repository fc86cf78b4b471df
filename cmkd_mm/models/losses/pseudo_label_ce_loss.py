"""Cross-entropy against the teacher's argmax or the ground truth (CEKD's ``loss_seg``)."""
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import nn

from .utils import check_same_shape, gt_labels


@MODELS.register_module()
class PseudoLabelCELoss(nn.Module):
    """Cross-entropy of the student logits against hard labels, by default the teacher's argmax.

    ::

        y[n,h,w] = argmax_c logits_T[n,c,h,w]             (use_gt=False, CEKD's choice)
        y[n,h,w] = gt_sem_seg[n,h,w]                      (use_gt=True)
        loss = loss_weight * mean over pixels with y != ignore_index of
               -log_softmax(logits_S, dim=1)[n, y, h, w]

    In teacher mode this equals mmrazor's ``CrossEntropyLoss`` (``F.cross_entropy(preds_S,
    preds_T.argmax(1))``), which has no ground-truth mode and no ``ignore_index``.

    Ground-truth mode: ``forward`` takes ``gt``, either a label tensor ``(N, H, W)`` /
    ``(N, 1, H, W)`` or the list of ``SegDataSample`` (their ``gt_sem_seg.data`` are stacked).
    A ``ConfigurableDistiller`` can feed the data samples with the student recorder
    ``gt_samples=dict(type='MethodInputs',
    source='mmseg.models.decode_heads.decode_head.BaseDecodeHead.loss_by_feat')`` and the
    mapping ``gt=dict(from_student=True, recorder='gt_samples', data_idx=1)`` (the recorder
    patches that class method, so it works for mmseg heads that do not override
    ``loss_by_feat``). Simpler: leave the ground truth to the student's own decode-head loss
    and use this class in teacher mode only. In ground-truth mode logits
    smaller than the labels are resized bilinearly (``align_corners=False``) to the label size,
    as mmseg's decode heads do; in teacher mode the shapes must match (CEKD does not resize).

    Args:
        use_gt (bool): Use ``gt`` instead of the teacher's argmax. Defaults to False.
        ignore_index (int): Label ignored in the loss and the mean. Defaults to 255.
        align_corners (bool): ``align_corners`` of the resize in ground-truth mode.
            Defaults to False.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 use_gt: bool = False,
                 ignore_index: int = 255,
                 align_corners: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.use_gt = use_gt
        self.ignore_index = ignore_index
        self.align_corners = align_corners
        self.loss_weight = loss_weight

    def forward(self,
                preds_S: torch.Tensor,
                preds_T: Optional[torch.Tensor] = None,
                gt: Optional[Union[torch.Tensor, Sequence]] = None) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student logits ``(N, C, H, W)``.
            preds_T (Tensor, optional): Teacher logits of the same shape, needed when
                ``use_gt=False``; it gets no gradient.
            gt (Tensor | Sequence[SegDataSample], optional): Labels, needed when
                ``use_gt=True``.
        """
        if self.use_gt:
            assert gt is not None, 'PseudoLabelCELoss(use_gt=True) needs `gt`.'
            labels = gt_labels(gt, preds_S.device)
            if preds_S.shape[2:] != labels.shape[1:]:
                preds_S = F.interpolate(
                    preds_S,
                    size=labels.shape[1:],
                    mode='bilinear',
                    align_corners=self.align_corners)
        else:
            assert preds_T is not None, 'PseudoLabelCELoss(use_gt=False) needs `preds_T`.'
            check_same_shape(preds_S, preds_T, 'PseudoLabelCELoss')
            labels = preds_T.detach().argmax(dim=1)
        loss = F.cross_entropy(preds_S, labels, ignore_index=self.ignore_index)
        return self.loss_weight * loss
