"""Helpers shared by several losses: labels, student/teacher shape checks and class weights."""
from typing import List, Optional, Sequence, Union

import numpy as np
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


AUTO = 'auto'


def inverse_frequency_weights(counts: Sequence[float]) -> List[float]:
    """Class weights proportional to the inverse class frequency, summing to 1.

    ::

        p_c = n_c / sum_j n_j
        w_c = (1 / p_c) / sum_j (1 / p_j)          (= (1 / n_c) / sum_j (1 / n_j))

    For the NTIRE 2021 SAR training counts ``[234135, 28030, 15234, 10587, 1668, 782, 768, 562,
    783, 573]`` this gives ``[0.0005, 0.0044, 0.0080, 0.0115, 0.0733, 0.1563, 0.1591, 0.2175,
    0.1561, 0.2133]`` (rounded), the vector the NTIRE 2021 code prints.

    Args:
        counts (Sequence[float]): Number of training samples of every class, all > 0.

    Returns:
        list[float]: The weight of every class.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or (counts <= 0).any():
        raise ValueError(f'counts must be a 1-D sequence of positive numbers, got {counts}')
    inverse = counts.sum() / counts
    return (inverse / inverse.sum()).tolist()


def as_class_weight(class_weight) -> Optional[Union[str, List[float]]]:
    """A loss's ``class_weight`` argument as None, ``'auto'`` or a list of floats.

    Args:
        class_weight (Sequence[float] | str, optional): The weight of every class, None, or
            ``'auto'`` (filled in from the training set by ``ClassWeightsFromDataHook``).
    """
    if class_weight is None or class_weight == AUTO:
        return class_weight
    if isinstance(class_weight, str):
        raise ValueError(f"class_weight must be a list of floats, None or 'auto', got "
                         f'{class_weight!r}')
    return list(class_weight)


def class_weight_tensor(class_weight, like: Tensor, owner: str) -> Optional[Tensor]:
    """``class_weight`` as a tensor on the device and dtype of ``like`` (None stays None).

    Args:
        class_weight (list[float] | str, optional): As returned by :func:`as_class_weight`;
            ``'auto'`` here means the weights were never filled in, which is an error.
        like (Tensor): Tensor whose device and dtype the weights take.
        owner (str): Name of the loss, for the message.
    """
    if class_weight == AUTO:
        raise RuntimeError(
            f"{owner}(class_weight='auto') has no weights yet: add "
            "dict(type='ClassWeightsFromDataHook') to custom_hooks, which computes them from the "
            'training set before training, or give the weights explicitly.')
    return None if class_weight is None else like.new_tensor(class_weight)
