"""Helpers shared by several losses: labels, student/teacher shape checks and class weights."""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

#: Ground truth as the losses take it: labels or the batch's ``SegDataSample`` list.
GtType = Union[Tensor, Sequence]


def gt_labels(gt: GtType, device: torch.device) -> Tensor:
    """Long labels ``(N, H, W)`` on ``device``.

    In a ``ConfigurableDistiller`` the data samples can come from the student recorder
    ``gt_samples=dict(type='MethodInputs',
    source='mmseg.models.decode_heads.decode_head.BaseDecodeHead.loss_by_feat')`` with the
    mapping ``gt=dict(from_student=True, recorder='gt_samples', data_idx=1)``.

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


def valid_mask(target: Tensor, ignore_index: Optional[int]) -> Tensor:
    """Bool mask of the pixels whose label is not ``ignore_index`` (all of them for None).

    Args:
        target (Tensor): Labels of any shape.
        ignore_index (int, optional): Label of the pixels to leave out.
    """
    if ignore_index is None:
        return torch.ones_like(target, dtype=torch.bool)
    return target != ignore_index


def resize_to(logits: Tensor, size: Sequence[int], align_corners: bool) -> Tensor:
    """``(N, C, H, W)`` logits resized bilinearly to ``size`` (as they are if already that size).

    Args:
        logits (Tensor): Logits ``(N, C, H, W)``.
        size (Sequence[int]): Target ``(H', W')``.
        align_corners (bool): ``align_corners`` of the interpolation.
    """
    if tuple(logits.shape[2:]) == tuple(size):
        return logits
    return F.interpolate(logits, size=tuple(size), mode='bilinear', align_corners=align_corners)


def prepare_labels(gt: GtType, logits: Tensor, ignore_index: Optional[int],
                   align_corners: bool) -> Tuple[Tensor, Tensor, Tensor]:
    """The logits at the label size, the labels and the mask of the pixels that count.

    ``gt`` is read by :func:`gt_labels`; logits smaller than the labels are resized
    bilinearly to the label size (as mmseg's decode heads do). Pixels labelled
    ``ignore_index`` are 0 in the mask, so they count in no sum and no mean.

    Args:
        gt (Tensor | Sequence[SegDataSample]): Labels ``(N, H, W)`` / ``(N, 1, H, W)`` or the
            data samples of the batch.
        logits (Tensor): Logits ``(N, C, h, w)``.
        ignore_index (int, optional): Label of the pixels to leave out.
        align_corners (bool): ``align_corners`` of the resize.

    Returns:
        tuple[Tensor]: Logits ``(N, C, H, W)``, long labels ``(N, H, W)`` and the valid mask
        ``(N, H, W)`` in the dtype of the logits.
    """
    labels = gt_labels(gt, logits.device)
    if labels.shape[0] != logits.shape[0]:
        raise ValueError(f'batch of logits ({logits.shape[0]}) and gt ({labels.shape[0]}) differ')
    logits = resize_to(logits, labels.shape[1:], align_corners)
    valid = valid_mask(labels, ignore_index).to(logits.dtype)
    return logits, labels, valid


def valid_one_hot(labels: Tensor, valid: Tensor, num_classes: int) -> Tensor:
    """One-hot ``(N, C, H, W)`` of the valid labels; ignored pixels are all zero.

    Args:
        labels (Tensor): Long labels ``(N, H, W)``.
        valid (Tensor): Float mask ``(N, H, W)`` of the pixels that count.
        num_classes (int): ``C``; the valid labels must lie in ``[0, C - 1]``.
    """
    keep = valid > 0
    if keep.any() and (labels[keep].min() < 0 or labels[keep].max() >= num_classes):
        raise ValueError(f'labels must lie in [0, {num_classes - 1}] or be ignored')
    safe = torch.where(keep, labels, torch.zeros_like(labels))
    onehot = F.one_hot(safe, num_classes).permute(0, 3, 1, 2).to(valid.dtype)
    return onehot * valid[:, None]


def binary_likelihood(prob: Tensor, target: Tensor) -> Tensor:
    """``p^y = p * m + (1 - p) * (1 - m)``: the probability of the true binary label.

    Args:
        prob (Tensor): Probability ``p`` of the positive label.
        target (Tensor): Binary target ``m`` (0 or 1), the same shape.
    """
    return prob * target + (1 - prob) * (1 - target)


def as_nchw(logits: Tensor, what: str) -> Tensor:
    """Accept ``(N, H, W)`` one-logit maps as ``(N, 1, H, W)``.

    Args:
        logits (Tensor): Logits ``(N, C, H, W)`` or ``(N, H, W)``.
        what (str): Name of the loss, for the message.
    """
    if logits.dim() == 3:
        logits = logits[:, None]
    if logits.dim() != 4:
        raise ValueError(f'{what}: expected (N, C, H, W) logits, got {tuple(logits.shape)}')
    return logits


def channel_five2two(probs: Tensor) -> Tensor:
    """Merge class probabilities ``(N, C, ...)`` into ``(N, 2, ...)``: background vs. the rest.

    ``cat(x[:, :1], x[:, 1:].sum(1, keepdim=True), dim=1)``: channel 0 stays (background),
    channels ``1..C-1`` (the damage levels) are summed into "any building". Apply it to
    probabilities (e.g. a softmax), not to logits.

    Args:
        probs (Tensor): Class probabilities ``(N, C, ...)`` with ``C >= 2``.
    """
    if probs.dim() < 2 or probs.shape[1] < 2:
        raise ValueError(f'channel_five2two needs (N, C>=2, ...), got {tuple(probs.shape)}')
    return torch.cat((probs[:, :1], probs[:, 1:].sum(dim=1, keepdim=True)), dim=1)


def logit_pairing(preds_S: Tensor, preds_T: Tensor, five2two: bool, what: str) -> str:
    """How student and teacher logits pair up, from their channels.

    Args:
        preds_S (Tensor): Student logits ``(N, C_S, H, W)``.
        preds_T (Tensor): Teacher logits ``(N, C_T, H, W)``.
        five2two (bool): A ``C``-class student against a 1-logit teacher is intended.
        what (str): Name of the loss, for the message.

    Returns:
        str: ``'binary'`` (1 vs 1 logit), ``'multi'`` (C vs C) or ``'five2two'`` (C vs 1).
    """
    c_s, c_t = preds_S.shape[1], preds_T.shape[1]
    if five2two:
        if c_s < 2 or c_t != 1:
            raise ValueError(f'{what}(five2two=True) needs a student with C>=2 channels and a '
                             f'1-logit teacher, got {c_s} and {c_t}')
        return 'five2two'
    if c_s != c_t:
        raise ValueError(f'{what}: student has {c_s} channels and teacher {c_t}; use '
                         'five2two=True for a multi-class student and a 1-logit teacher')
    return 'binary' if c_s == 1 else 'multi'


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
