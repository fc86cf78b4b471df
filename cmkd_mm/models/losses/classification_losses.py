"""Classification and feature losses of the MAVOC cross-modal KD systems.

NTIRE 2021 MAVOC KD (classification head and KD terms):

* ``inverse_frequency_weights``: the class weights ``w_c = (1/p_c) / sum_j (1/p_j)``;
* ``LabelMixCrossEntropyLoss`` (mmpretrain ``MODELS``, a head loss): class-weighted CE with the
  seed's label mixing on clean outputs;
* ``ClassWeightedKLDivergence`` (mmrazor ``MODELS``): the class-weighted, element-wise KL of the
  iterative KD (method 2). Method 1 needs no new class: mmrazor's
  ``KLDivergence(tau=2.0, reduction='mean', loss_weight=0.2)`` is the seed's
  ``nn.KLDivLoss()(log_softmax(s/T), softmax(t/T)) * T * T`` (mmrazor's default
  ``'batchmean'`` is ``C`` times larger, 10x for the 10 MAVOC classes).

NJUST-KMG, PBVS 2024 MAVOC (released code):

* ``SoftmaxFocalLoss`` (mmpretrain ``MODELS``, a head loss), ``gamma=0.5``;
* ``InfoNCELoss`` and ``SortedFeatureMSELoss`` (mmrazor ``MODELS``) between the EO and SAR
  embeddings.

Head losses are built by mmpretrain's ``ClsHead`` from mmpretrain's registry, distillation losses
by mmrazor's ``ConfigurableDistiller`` from mmrazor's registry, hence the two registries. A
``ConfigurableDistiller`` config for the PBVS 2024 feature terms could read::

    distill_losses=dict(
        loss_nce=dict(type='InfoNCELoss', tau=1.0, loss_weight=0.8),
        loss_sort=dict(type='SortedFeatureMSELoss', loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_nce=dict(preds_S=dict(from_student=True, recorder='feat'),
                      preds_T=dict(from_student=False, recorder='feat')),
        loss_sort=dict(preds_S=dict(from_student=True, recorder='feat'),
                       preds_T=dict(from_student=False, recorder='feat')))
"""
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from mmrazor.registry import MODELS as RAZOR_MODELS
from torch import nn


def inverse_frequency_weights(counts: Sequence[float]) -> List[float]:
    """Class weights proportional to the inverse class frequency, summing to 1.

    ::

        p_c = n_c / sum_j n_j
        w_c = (1 / p_c) / sum_j (1 / p_j)          (= (1 / n_c) / sum_j (1 / n_j))

    For the NTIRE 2021 SAR training counts ``[234135, 28030, 15234, 10587, 1668, 782, 768, 562,
    783, 573]`` this gives ``[0.0005, 0.0044, 0.0080, 0.0115, 0.0733, 0.1563, 0.1591, 0.2175,
    0.1561, 0.2133]`` (rounded), the vector the seed prints.

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


AUTO = 'auto'


def _as_class_weight(class_weight) -> Optional[Union[str, List[float]]]:
    """None, ``'auto'`` or a list of floats."""
    if class_weight is None or class_weight == AUTO:
        return class_weight
    if isinstance(class_weight, str):
        raise ValueError(f"class_weight must be a list of floats, None or 'auto', got "
                         f'{class_weight!r}')
    return list(class_weight)


def _class_weight_tensor(class_weight, like: torch.Tensor, owner: str) -> Optional[torch.Tensor]:
    """``class_weight`` as a tensor on the device and dtype of ``like`` (None stays None)."""
    if class_weight == AUTO:
        raise RuntimeError(
            f"{owner}(class_weight='auto') has no weights yet: add "
            "dict(type='ClassWeightsFromDataHook') to custom_hooks, which computes them from the "
            'training set before training, or give the weights explicitly.')
    return None if class_weight is None else like.new_tensor(class_weight)


@PRETRAIN_MODELS.register_module()
class LabelMixCrossEntropyLoss(nn.Module):
    """Class-weighted cross-entropy with the NTIRE 2021 seed's label mixing.

    With ``w`` the class weights and ``CE_w`` PyTorch's ``nn.CrossEntropyLoss(weight=w)`` (mean
    reduction, which divides by the summed weights of the targets, not by the batch size)::

        CE_w(x, y) = sum_n w[y_n] * (-log softmax(x_n)[y_n]) / sum_n w[y_n]
        lam  ~ Beta(alpha, alpha)       (lam = 1 if alpha <= 0)
        perm = randperm(B)
        loss = loss_weight * (lam * CE_w(x, y) + (1 - lam) * CE_w(x, y[perm]))

    ``mix_labels=False`` gives ``loss_weight * CE_w(x, y)``. ``lam`` is drawn with
    ``np.random.beta`` and ``perm`` with ``torch.randperm``, as the seed's ``mixup_data`` does, so
    mmengine's ``randomness`` seed covers both.

    Note:
        This is **not** mixup: the seed calls ``mixup_data`` after the forward pass and never
        forwards the mixed inputs, so only the targets are mixed, on the outputs of the clean
        images. Real mixup is mmpretrain's ``Mixup`` batch augmentation, set on the classifier
        (it mixes the images in the data preprocessor and turns the labels into mixed one-hot
        ``gt_score``; the data preprocessor needs ``num_classes``, and ``alpha`` must be a
        float)::

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
        mix_labels (bool): Mix the targets as the seed does. Defaults to True.
        alpha (float): Parameter of the Beta distribution of ``lam``. Defaults to 1.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 class_weight: Optional[Sequence[float]] = None,
                 mix_labels: bool = True,
                 alpha: float = 1.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.class_weight = _as_class_weight(class_weight)
        self.mix_labels = mix_labels
        self.alpha = alpha
        self.loss_weight = loss_weight

    def weighted_ce(self, cls_score: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """``CE_w`` of hard labels ``(B, )`` or soft targets ``(B, C)``, without mixing."""
        weight = _class_weight_tensor(self.class_weight, cls_score, type(self).__name__)
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


@PRETRAIN_MODELS.register_module()
class SoftmaxFocalLoss(nn.Module):
    """Multi-class (softmax) focal loss.

    With ``p_t = softmax(x_n)[y_n]`` the probability of the true class::

        loss = loss_weight * mean_n ( -alpha[y_n] * (1 - p_t)^gamma * log p_t )

    (``alpha[y_n] = 1`` without ``alpha``). ``gamma = 0`` and no ``alpha`` is plain
    cross-entropy. NJUST-KMG (PBVS 2024) uses ``gamma=0.5``, no ``alpha``; note that their
    ``FocalLoss`` detaches ``p_t`` in the factor ``(1 - p_t)^gamma`` (same value, no gradient
    through the factor): ``detach_focal_weight=True`` reproduces that.

    mmpretrain's own ``FocalLoss`` is the sigmoid (one-vs-rest, multi-label) form, which gives
    other values for single-label classification; hence this class.

    Args:
        gamma (float): Focusing parameter. Defaults to 0.5.
        alpha (Sequence[float], optional): Weight of every class. Defaults to None.
        detach_focal_weight (bool): Treat ``(1 - p_t)^gamma`` as a constant in the backward pass,
            as the NJUST-KMG code does. Defaults to False (the usual focal loss).
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 gamma: float = 0.5,
                 alpha: Optional[Sequence[float]] = None,
                 detach_focal_weight: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.gamma = gamma
        self.alpha = None if alpha is None else list(alpha)
        self.detach_focal_weight = detach_focal_weight
        self.loss_weight = loss_weight

    def forward(self,
                cls_score: torch.Tensor,
                target: torch.Tensor,
                avg_factor: Optional[int] = None,
                **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): Logits ``(B, C)``.
            target (Tensor): Labels ``(B, )``. Soft targets (mmpretrain batch augmentations) are
                not supported.
            avg_factor (int, optional): Ignored; the loss is the mean over the batch.
        """
        if target.dim() != 1:
            raise ValueError('SoftmaxFocalLoss needs hard labels (B, ), got targets of shape '
                             f'{tuple(target.shape)} (batch augmentations give soft targets).')
        target = target.long()
        log_pt = F.log_softmax(cls_score, dim=1).gather(1, target[:, None]).squeeze(1)
        pt = log_pt.exp()
        if self.detach_focal_weight:
            pt = pt.detach()
        loss = -(1 - pt).pow(self.gamma) * log_pt
        if self.alpha is not None:
            loss = loss * cls_score.new_tensor(self.alpha)[target]
        return self.loss_weight * loss.mean()


@RAZOR_MODELS.register_module()
class ClassWeightedKLDivergence(nn.Module):
    """Class-weighted, element-wise KL divergence of the NTIRE 2021 iterative KD (method 2).

    ::

        kl[n, c] = p_T[n, c] * (log p_T[n, c] - log p_S[n, c])
        p_T = softmax(preds_T / T),  log p_S = log_softmax(preds_S / T)     (over the classes)
        loss = loss_weight * T^2 * mean_{n, c} ( w_c * kl[n, c] )

    i.e. the seed's ``(nn.KLDivLoss(reduction='none')(log p_S, p_T) * T * T * w).mean()``, a mean
    over all ``B * C`` elements. Without ``class_weight`` it equals mmrazor's
    ``KLDivergence(tau=T, reduction='mean')``. Inputs may also be ``(N, C, H, W)``; the weight
    then broadcasts over dim 1 and the mean is over all elements.

    Args:
        tau (float): Temperature ``T``. Defaults to 1.0.
        class_weight (Sequence[float] | str, optional): ``w_c`` of every class; ``'auto'``:
            computed from the training set by ``ClassWeightsFromDataHook``. Defaults to None.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        teacher_detach (bool): Detach the teacher logits. Defaults to True.
    """

    def __init__(self,
                 tau: float = 1.0,
                 class_weight: Optional[Sequence[float]] = None,
                 loss_weight: float = 1.0,
                 teacher_detach: bool = True) -> None:
        super().__init__()
        self.tau = tau
        self.class_weight = _as_class_weight(class_weight)
        self.loss_weight = loss_weight
        self.teacher_detach = teacher_detach

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student logits ``(N, C)`` or ``(N, C, H, W)``.
            preds_T (Tensor): Teacher logits of the same shape.
        """
        if self.teacher_detach:
            preds_T = preds_T.detach()
        kl = F.kl_div(
            F.log_softmax(preds_S / self.tau, dim=1),
            F.softmax(preds_T / self.tau, dim=1),
            reduction='none') * self.tau**2
        weight = _class_weight_tensor(self.class_weight, kl, type(self).__name__)
        if weight is not None:
            kl = kl * weight.view([1, -1] + [1] * (kl.dim() - 2))
        return self.loss_weight * kl.mean()


@RAZOR_MODELS.register_module()
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


@RAZOR_MODELS.register_module()
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
