"""Helpers shared by several losses: ground-truth labels and student/teacher shape checks."""
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


def check_same_shape(preds_S: Tensor, preds_T: Tensor, what: str, channels: bool = True) -> None:
    """Raise a clear error when the student and teacher maps differ in shape.

    The losses do not resize one map to the other (as in the original code of each), so a
    mismatch is a model or config error.

    Args:
        preds_S (Tensor): Student map ``(N, C_S, ...)``.
        preds_T (Tensor): Teacher map ``(N, C_T, ...)``.
        what (str): Name of the loss, for the message.
        channels (bool): Compare the channels too. False compares only the batch and spatial
            sizes (dims 0 and 2 on), for losses whose student and teacher may differ in
            channels. Defaults to True.
    """
    if channels:
        same, part = preds_S.shape == preds_T.shape, 'the same shape'
    else:
        same = (preds_S.shape[0] == preds_T.shape[0] and preds_S.shape[2:] == preds_T.shape[2:])
        part = 'the same batch and spatial size'
    if not same:
        raise ValueError(f'{what}: student {tuple(preds_S.shape)} and teacher '
                         f'{tuple(preds_T.shape)} must have {part} (the loss does not resize '
                         'them; resize in the model if needed).')
