"""Distillation losses of the xView2 building-damage KD seed (localisation and damage students).

The seed trains a student UNet (narrower decoder, same encoder) against a frozen teacher with:

* ``SoftBCELoss`` (``loss_cls``): the likelihood of the ground truth under the student's
  softened probabilities;
* ``TeacherWeightedLikelihoodLoss`` (``--LWF``): the same log-likelihood, weighted by the
  teacher's probability of the ground-truth label;
* ``BatchL2FeatureLoss`` (``--LFL``): the L2 norm *over the batch axis* of the difference of
  the deepest encoder features (``layer4``, 2048 channels, stride 32), averaged;
* ``ReverseKLLoss`` (``--KL``): ``KL(student || teacher)`` per pixel, averaged.

The dual-teacher damage terms (``locLWF``, ``locKL``: a 5-class damage student against the
1-logit localisation teacher) use ``five2two=True``, which merges the student's softmax with
:func:`channel_five2two` into background vs. any building.

Shapes (a fix of the seed): the seed's localisation script takes ``out[:, 0]`` (``[B, H, W]``)
and multiplies it with the mask ``[B, 1, H, W]``, which broadcasts to ``[B, B, H, W]`` and pairs
every prediction with every image's mask (the damage script's ``locLWF`` does the same against
the 5-channel mask, which only runs because its batch is 5). Here every prediction is paired
with its own image's mask only, so the loss of a batch is the mean of the per-image losses
(for images with the same number of valid pixels).

Ground truth: ``gt`` is a label tensor ``(N, H, W)`` / ``(N, 1, H, W)`` or a list of mmseg
``SegDataSample`` (their ``gt_sem_seg.data`` are stacked). In a ``ConfigurableDistiller`` it
can come from the student recorder ``gt_samples=dict(type='MethodInputs',
source='mmseg.models.decode_heads.decode_head.BaseDecodeHead.loss_by_feat')`` with the mapping
``gt=dict(from_student=True, recorder='gt_samples', data_idx=1)``, as for
``PseudoLabelCELoss``. Pixels labelled ``ignore_index`` count in no sum and no mean. Binary
targets are ``m = (label > 0)``: building = 1 for a 0/1 localisation map, and "any damage
class" for a 0..4 damage map (used by ``five2two``). Logits smaller than the labels are resized
bilinearly to the label size first (as mmseg's decode heads do).

A localisation config could read::

    distill_losses=dict(
        loss_lwf=dict(type='TeacherWeightedLikelihoodLoss', temperature=2.0, loss_weight=1.0),
        loss_lfl=dict(type='BatchL2FeatureLoss', loss_weight=0.0),
        loss_kl=dict(type='ReverseKLLoss', loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_lwf=dict(preds_S=dict(from_student=True, recorder='logits'),
                      preds_T=dict(from_student=False, recorder='logits'),
                      gt=dict(from_student=True, recorder='gt_samples', data_idx=1)),
        loss_lfl=dict(s_feature=dict(from_student=True, recorder='feat'),
                      t_feature=dict(from_student=False, recorder='feat')),
        loss_kl=dict(preds_S=dict(from_student=True, recorder='logits'),
                     preds_T=dict(from_student=False, recorder='logits')))

with ``logits`` recording ``decode_head.conv_seg`` and ``feat`` recording ``backbone.layer4``.
For the siamese damage model the encoder runs once per view, so ``backbone.layer4`` has two
records: map ``record_idx=0`` to ``s_feature`` / ``t_feature`` and ``record_idx=1`` to
``s_feature_post`` / ``t_feature_post``.

All teacher inputs are detached, so no gradient reaches the teacher.
"""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from mmseg.registry import MODELS as MMSEG_MODELS
from torch import Tensor, nn

from .utils import gt_labels

GtType = Union[Tensor, Sequence]


def channel_five2two(probs: Tensor) -> Tensor:
    """Merge class probabilities ``(N, C, ...)`` into ``(N, 2, ...)``: background vs. the rest.

    ``cat(x[:, :1], x[:, 1:].sum(1, keepdim=True), dim=1)``: channel 0 stays (background),
    channels ``1..C-1`` (the damage levels) are summed into "any building". Apply it to
    probabilities (e.g. a softmax), not to logits.
    """
    if probs.dim() < 2 or probs.shape[1] < 2:
        raise ValueError(f'channel_five2two needs (N, C>=2, ...), got {tuple(probs.shape)}')
    return torch.cat((probs[:, :1], probs[:, 1:].sum(dim=1, keepdim=True)), dim=1)


def _as_nchw(logits: Tensor, what: str) -> Tensor:
    """Accept ``(N, H, W)`` one-logit maps as ``(N, 1, H, W)``."""
    if logits.dim() == 3:
        logits = logits[:, None]
    if logits.dim() != 4:
        raise ValueError(f'{what}: expected (N, C, H, W) logits, got {tuple(logits.shape)}')
    return logits


def _resize_to(logits: Tensor, size: Sequence[int], align_corners: bool) -> Tensor:
    if tuple(logits.shape[2:]) == tuple(size):
        return logits
    return F.interpolate(logits, size=tuple(size), mode='bilinear', align_corners=align_corners)


def _labels(gt: GtType, logits: Tensor, ignore_index: Optional[int],
            align_corners: bool) -> Tuple[Tensor, Tensor, Tensor]:
    """``(logits resized to the labels, labels (N, H, W), valid mask (N, H, W) float)``."""
    labels = gt_labels(gt, logits.device)
    if labels.shape[0] != logits.shape[0]:
        raise ValueError(f'batch of logits ({logits.shape[0]}) and gt ({labels.shape[0]}) differ')
    logits = _resize_to(logits, labels.shape[1:], align_corners)
    if ignore_index is None:
        valid = torch.ones_like(labels, dtype=logits.dtype)
    else:
        valid = (labels != ignore_index).to(logits.dtype)
    return logits, labels, valid


def _binary_likelihood(prob: Tensor, target: Tensor) -> Tensor:
    """``p^y = p * m + (1 - p) * (1 - m)``: probability of the true binary label."""
    return prob * target + (1 - prob) * (1 - target)


def _one_hot(labels: Tensor, valid: Tensor, num_classes: int) -> Tensor:
    """One-hot ``(N, C, H, W)`` of the valid labels; ignored pixels are all zero."""
    keep = valid > 0
    if keep.any() and (labels[keep].min() < 0 or labels[keep].max() >= num_classes):
        raise ValueError(f'labels must lie in [0, {num_classes - 1}] or be ignored')
    safe = torch.where(keep, labels, torch.zeros_like(labels))
    onehot = F.one_hot(safe, num_classes).permute(0, 3, 1, 2).to(valid.dtype)
    return onehot * valid[:, None]


def _check_pair(preds_S: Tensor, preds_T: Tensor, what: str) -> None:
    if preds_S.shape[0] != preds_T.shape[0] or preds_S.shape[2:] != preds_T.shape[2:]:
        raise ValueError(f'{what}: student {tuple(preds_S.shape)} and teacher '
                         f'{tuple(preds_T.shape)} must have the same batch and spatial size')


def _mode(preds_S: Tensor, preds_T: Tensor, five2two: bool, what: str) -> str:
    """``'binary'`` (1 vs 1 logit), ``'multi'`` (C vs C) or ``'five2two'`` (C vs 1)."""
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


@MODELS.register_module()
class TeacherWeightedLikelihoodLoss(nn.Module):
    """Teacher-weighted log-likelihood of the ground truth (the seed's ``--LWF`` term).

    Binary (student and teacher one logit each, localisation), mask ``m``, valid pixels ``V``::

        s = sigmoid(logits_S / T),  t = sigmoid(logits_T / T)
        p^y = p * m + (1 - p) * (1 - m)
        loss = loss_weight * mean_V( -t^y * log(eps + s^y) )

    Multi-class (``C`` channels each, damage), one-hot ground truth ``Y``::

        loss = loss_weight * -sum_{V, c}( softmax(logits_T / T) * log_softmax(logits_S / T) * Y )
               / (C * |V|)

    i.e. the seed's ``.mean()`` over the ``(N, C, H, W)`` tensor (``1/C`` of the per-pixel
    teacher-weighted cross-entropy), with ignored pixels out of the sum and the count.

    ``five2two=True`` (the dual-teacher ``locLWF``: ``C``-class student, 1-logit localisation
    teacher): ``s = channel_five2two(softmax(logits_S / T))[:, 1]`` (probability of any
    building) and the binary formula above, with ``m = (label > 0)``. The seed also divides
    this term by 2: use ``loss_weight=0.5`` for that.

    Shapes: every prediction is paired with its own image's mask (the seed's ``[B, H, W]`` by
    ``[B, 1, H, W]`` product broadcasts to ``[B, B, H, W]``, pairing every prediction with every
    mask; that is not reproduced).

    Args:
        temperature (float, optional): ``T``. ``None`` gives the seed's values: 2.0 for the
            binary and ``five2two`` modes, 1.0 for the multi-class mode. Defaults to None.
        five2two (bool): Compare a multi-class student with a 1-logit teacher.
            Defaults to False.
        eps (float): Added inside the binary log. Defaults to 1e-9.
        ignore_index (int, optional): Label left out of the loss. Defaults to 255.
        align_corners (bool): Of the resize of logits to the label size. Defaults to False.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 temperature: Optional[float] = None,
                 five2two: bool = False,
                 eps: float = 1e-9,
                 ignore_index: Optional[int] = 255,
                 align_corners: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.temperature = temperature
        self.five2two = five2two
        self.eps = eps
        self.ignore_index = ignore_index
        self.align_corners = align_corners
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor, gt: GtType) -> Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student logits ``(N, C, H, W)`` (``(N, H, W)`` for one logit).
            preds_T (Tensor): Teacher logits, same batch and spatial size; no gradient.
            gt (Tensor | Sequence[SegDataSample]): Labels ``(N, H, W)`` / ``(N, 1, H, W)``.
        """
        preds_S = _as_nchw(preds_S, 'TeacherWeightedLikelihoodLoss')
        preds_T = _as_nchw(preds_T.detach(), 'TeacherWeightedLikelihoodLoss')
        _check_pair(preds_S, preds_T, 'TeacherWeightedLikelihoodLoss')
        mode = _mode(preds_S, preds_T, self.five2two, 'TeacherWeightedLikelihoodLoss')
        temp = self.temperature
        if temp is None:
            temp = 1.0 if mode == 'multi' else 2.0
        preds_S, labels, valid = _labels(gt, preds_S, self.ignore_index, self.align_corners)
        preds_T = _resize_to(preds_T, labels.shape[1:], self.align_corners)
        if mode == 'multi':
            onehot = _one_hot(labels, valid, preds_S.shape[1])
            term = (
                F.softmax(preds_T / temp, dim=1) * F.log_softmax(preds_S / temp, dim=1) * onehot)
            loss = -term.sum() / (valid.sum() * preds_S.shape[1]).clamp(min=1)
        else:
            if mode == 'five2two':
                soft_S = channel_five2two(F.softmax(preds_S / temp, dim=1))[:, 1]
            else:
                soft_S = torch.sigmoid(preds_S[:, 0] / temp)
            soft_T = torch.sigmoid(preds_T[:, 0] / temp)
            target = (labels > 0).to(soft_S.dtype) * valid
            term = _binary_likelihood(
                soft_T, target) * torch.log(self.eps + _binary_likelihood(soft_S, target))
            loss = -(term * valid).sum() / valid.sum().clamp(min=1)
        return self.loss_weight * loss


@MODELS.register_module()
class BatchL2FeatureLoss(nn.Module):
    """L2 norm over the batch axis of the feature difference, averaged (the seed's ``--LFL``).

    ::

        f_S = cat(s_feature..., s_feature_post..., dim=1)[:, :channels]
        f_T = cat(t_feature..., t_feature_post..., dim=1)[:, :channels]
        loss = loss_weight * mean_{c,h,w} sqrt( sum_n (f_T[n,c,h,w] - f_S[n,c,h,w])^2 )

    This is ``torch.norm(f_T - f_S, p=2, dim=0).mean()``, as in the seed: the norm runs over the
    *batch* (one value per channel and pixel), so the loss grows like ``sqrt(N)`` with the batch
    size; it is not a per-sample feature distance. The gradient is zero where the difference is
    zero (no NaN).

    Each side may be one tensor ``(N, C, H, W)`` or a list/tuple of them (concatenated on the
    channels); the damage model's feature is ``cat(f(pre), f(post))``, which can also be given
    as ``s_feature`` (pre) and ``s_feature_post`` (post), e.g. two records of one recorder.
    ``channels`` keeps only the first channels of each side after concatenation: the seed's
    dual-teacher terms compare ``f_S`` with ``f_Tcls[:, :2048]`` (localisation student, damage
    teacher's pre+post feature) and ``f_S[:, :2048]`` with ``f_Tloc`` (damage student,
    localisation teacher), both ``channels=2048``.

    Args:
        channels (int, optional): Keep the first ``channels`` channels of both sides.
            Defaults to None (all).
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self, channels: Optional[int] = None, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.channels = channels
        self.loss_weight = loss_weight

    def _gather(self, *parts) -> Tensor:
        tensors = []
        for part in parts:
            if part is None:
                continue
            if isinstance(part, Tensor):
                tensors.append(part)
            else:
                tensors.extend(part)
        feat = tensors[0] if len(tensors) == 1 else torch.cat(tensors, dim=1)
        if self.channels is not None:
            if feat.shape[1] < self.channels:
                raise ValueError(f'BatchL2FeatureLoss(channels={self.channels}) got a feature '
                                 f'with {feat.shape[1]} channels')
            feat = feat[:, :self.channels]
        return feat

    def forward(self,
                s_feature: Union[Tensor, Sequence[Tensor]],
                t_feature: Union[Tensor, Sequence[Tensor]],
                s_feature_post: Optional[Union[Tensor, Sequence[Tensor]]] = None,
                t_feature_post: Optional[Union[Tensor, Sequence[Tensor]]] = None) -> Tensor:
        """Compute the loss.

        Args:
            s_feature (Tensor | Sequence[Tensor]): Student feature(s) ``(N, C, H, W)``.
            t_feature (Tensor | Sequence[Tensor]): Teacher feature(s); no gradient.
            s_feature_post (Tensor | Sequence[Tensor], optional): More student features,
                concatenated after ``s_feature`` (the post view).
            t_feature_post (Tensor | Sequence[Tensor], optional): Same for the teacher.
        """
        f_S = self._gather(s_feature, s_feature_post)
        f_T = self._gather(t_feature, t_feature_post).detach()
        if f_S.shape != f_T.shape:
            raise ValueError(f'BatchL2FeatureLoss: student {tuple(f_S.shape)} and teacher '
                             f'{tuple(f_T.shape)} features differ (set `channels` to slice)')
        loss = torch.norm(f_T - f_S, p=2, dim=0).mean()
        return self.loss_weight * loss


@MODELS.register_module()
class ReverseKLLoss(nn.Module):
    """Reverse KL divergence ``KL(student || teacher)`` per pixel, averaged (the seed's ``--KL``).

    ``loss = loss_weight * mean( (log p_S - log p_T) * p_S )``, the mean running over the
    ``(N, K, H, W)`` probability tensor (``K`` classes, so ``1/K`` of the per-pixel KL):

    * binary (one logit each, localisation): ``p = sigmoid(logits / T)``, ``p_* = [1 - p, p]``
      (``K = 2``), ``log p`` taken as ``log(eps + p)``;
    * multi-class (``C`` each, damage): ``log p = log_softmax(logits / T)``,
      ``p_S = softmax(logits_S / T)`` (``K = C``);
    * ``five2two=True`` (the dual-teacher ``locKL``): ``p_S = channel_five2two(softmax(
      logits_S / T))``, ``p_T = [1 - sigmoid(logits_T / T), sigmoid(logits_T / T)]``, ``K = 2``,
      ``log(eps + p)``.

    The seed uses ``T = 1``. With ``gt`` given, pixels labelled ``ignore_index`` are left out
    of the sum and the count; without it every pixel counts (as in the seed).

    Args:
        temperature (float): ``T``. Defaults to 1.0.
        five2two (bool): Compare a multi-class student with a 1-logit teacher.
            Defaults to False.
        eps (float): Added inside the logs of the two-class probabilities. Defaults to 1e-9.
        ignore_index (int, optional): Label left out when ``gt`` is given. Defaults to 255.
        align_corners (bool): Of the resize of logits to the label size. Defaults to False.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 temperature: float = 1.0,
                 five2two: bool = False,
                 eps: float = 1e-9,
                 ignore_index: Optional[int] = 255,
                 align_corners: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.temperature = temperature
        self.five2two = five2two
        self.eps = eps
        self.ignore_index = ignore_index
        self.align_corners = align_corners
        self.loss_weight = loss_weight

    def _binary_probs(self, logits: Tensor) -> Tensor:
        prob = torch.sigmoid(logits[:, :1] / self.temperature)
        return torch.cat((1 - prob, prob), dim=1)

    def forward(self, preds_S: Tensor, preds_T: Tensor, gt: Optional[GtType] = None) -> Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student logits ``(N, C, H, W)`` (``(N, H, W)`` for one logit).
            preds_T (Tensor): Teacher logits, same batch and spatial size; no gradient.
            gt (Tensor | Sequence[SegDataSample], optional): Labels, only to drop ignored
                pixels.
        """
        preds_S = _as_nchw(preds_S, 'ReverseKLLoss')
        preds_T = _as_nchw(preds_T.detach(), 'ReverseKLLoss')
        _check_pair(preds_S, preds_T, 'ReverseKLLoss')
        mode = _mode(preds_S, preds_T, self.five2two, 'ReverseKLLoss')
        if gt is not None:
            preds_S, labels, valid = _labels(gt, preds_S, self.ignore_index, self.align_corners)
            preds_T = _resize_to(preds_T, labels.shape[1:], self.align_corners)
        else:
            valid = None
        temp = self.temperature
        if mode == 'multi':
            p_S = F.softmax(preds_S / temp, dim=1)
            term = (F.log_softmax(preds_S / temp, dim=1) -
                    F.log_softmax(preds_T / temp, dim=1)) * p_S
        else:
            if mode == 'five2two':
                p_S = channel_five2two(F.softmax(preds_S / temp, dim=1))
            else:
                p_S = self._binary_probs(preds_S)
            p_T = self._binary_probs(preds_T)
            term = (torch.log(self.eps + p_S) - torch.log(self.eps + p_T)) * p_S
        if valid is None:
            loss = term.mean()
        else:
            loss = (term * valid[:, None]).sum() / (valid.sum() * term.shape[1]).clamp(min=1)
        return self.loss_weight * loss


@MMSEG_MODELS.register_module()
@MODELS.register_module()
class SoftBCELoss(nn.Module):
    """Negative log-likelihood of the ground truth under softened probabilities (``loss_cls``).

    Binary (one logit, the localisation student), mask ``m``, valid pixels ``V``::

        s = sigmoid(logits / T)
        loss = loss_weight * mean_V( -log(eps + s * m + (1 - s) * (1 - m)) )

    With ``T = 2`` this is the seed's ``theta * loss_cls`` (``loss_weight`` = ``theta``); it is
    not ``BCE_with_logits(logits / T)`` near 0/1 only because of ``eps``. Multi-class logits
    (``C`` channels, the damage student) give the seed's damage ``loss_cls``::

        loss = loss_weight * -sum_{V, c}( log_softmax(logits / T) * Y ) / (C * |V|)

    (``1/C`` of the pixel-mean cross-entropy, the seed's ``.mean()`` over the one-hot tensor).

    Shapes: each prediction is paired with its own mask (the seed's ``[B, H, W]`` by
    ``[B, 1, H, W]`` product pairs every prediction with every mask; not reproduced).

    Registered in mmrazor's ``MODELS`` (for ``ConfigurableDistiller``, ``forward(preds_S, gt)``)
    and in mmseg's ``MODELS`` (as a ``loss_decode``: ``forward(seg_logits, seg_label,
    weight=None, ignore_index=...)``, item ``loss_name``).

    Args:
        temperature (float, optional): ``T``. ``None`` gives 2.0 for one logit (the seed) and
            1.0 for several. Defaults to None.
        eps (float): Added inside the binary log. Defaults to 1e-9.
        ignore_index (int, optional): Label left out of the loss. Defaults to 255.
        align_corners (bool): Of the resize of logits to the label size. Defaults to False.
        loss_weight (float): Weight of the loss (the seed's ``theta``). Defaults to 1.0.
        loss_name (str): Name of the loss item in mmseg. Defaults to ``'loss_soft_bce'``.
    """

    def __init__(self,
                 temperature: Optional[float] = None,
                 eps: float = 1e-9,
                 ignore_index: Optional[int] = 255,
                 align_corners: bool = False,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_soft_bce') -> None:
        super().__init__()
        self.temperature = temperature
        self.eps = eps
        self.ignore_index = ignore_index
        self.align_corners = align_corners
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        """Name of the loss item (mmseg)."""
        return self._loss_name

    def forward(self,
                preds_S: Tensor,
                gt: GtType,
                weight: Optional[Tensor] = None,
                ignore_index: Optional[int] = None,
                **kwargs) -> Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student logits ``(N, C, H, W)`` (``(N, H, W)`` for one logit).
            gt (Tensor | Sequence[SegDataSample]): Labels ``(N, H, W)`` / ``(N, 1, H, W)``.
            weight (Tensor, optional): mmseg sampler weights; not supported.
            ignore_index (int, optional): Overrides ``self.ignore_index`` when given.
        """
        if weight is not None:
            raise NotImplementedError('SoftBCELoss does not support pixel weights')
        ignore = self.ignore_index if ignore_index is None else ignore_index
        preds_S = _as_nchw(preds_S, 'SoftBCELoss')
        preds_S, labels, valid = _labels(gt, preds_S, ignore, self.align_corners)
        num_classes = preds_S.shape[1]
        temp = self.temperature
        if temp is None:
            temp = 2.0 if num_classes == 1 else 1.0
        if num_classes == 1:
            soft_S = torch.sigmoid(preds_S[:, 0] / temp)
            target = (labels > 0).to(soft_S.dtype) * valid
            nll = -torch.log(self.eps + _binary_likelihood(soft_S, target))
            loss = (nll * valid).sum() / valid.sum().clamp(min=1)
        else:
            onehot = _one_hot(labels, valid, num_classes)
            loss = -(F.log_softmax(preds_S / temp, dim=1) * onehot).sum() / (
                valid.sum() * num_classes).clamp(min=1)
        return self.loss_weight * loss
