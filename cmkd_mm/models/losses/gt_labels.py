"""Ground-truth labels as distillation losses receive them from a ``MethodInputs`` recorder."""
from typing import Sequence, Union

import torch
from torch import Tensor


def gt_labels(gt: Union[Tensor, Sequence], device: torch.device) -> Tensor:
    """Long labels ``(N, H, W)`` on ``device``.

    Args:
        gt (Tensor | Sequence[SegDataSample]): Labels ``(N, H, W)`` / ``(N, 1, H, W)``, or the
            data samples of the batch (their ``gt_sem_seg``, e.g. recorded from the inputs of
            mmseg's ``BaseDecodeHead.loss_by_feat``).
        device (torch.device): Device of the returned labels.
    """
    if not isinstance(gt, Tensor):
        gt = torch.stack([sample.gt_sem_seg.data for sample in gt])
    if gt.dim() == 4:
        if gt.shape[1] != 1:
            raise ValueError(f'gt must be (N, H, W) or (N, 1, H, W), got {tuple(gt.shape)}')
        gt = gt[:, 0]
    if gt.dim() != 3:
        raise ValueError(f'gt must be (N, H, W) or (N, 1, H, W), got {tuple(gt.shape)}')
    return gt.to(device).long()
