"""Dice + focal "combo" losses of the xView2 1st-place solution, as mmseg decode-head losses.

``ComboLoss`` is the localisation loss (one building logit per pixel); ``DamageComboLoss`` is
the damage loss (five logits per pixel: background and four damage levels). Both are used as
an mmseg ``loss_decode``: ``forward(seg_logits, seg_label, weight=None, ignore_index=255)``
with ``seg_logits`` ``(N, C, H, W)`` and ``seg_label`` ``(N, H, W)``; pixels whose label is
``ignore_index`` count in no term.
"""
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from mmseg.models.losses.dice_loss import dice_loss
from mmseg.registry import MODELS
from torch import Tensor, nn

from .utils import valid_mask

_TERMS = ('dice', 'focal', 'bce', 'jaccard')


@MODELS.register_module()
class ComboLoss(nn.Module):
    """Weighted sum of soft dice and focal loss (and optionally BCE / soft Jaccard) on logits.

    For logits ``x``, binary targets ``t`` and the valid (not ignored) pixels ``V`` of the
    batch, ``p = sigmoid(x / temperature)``::

        dice    = 1 - (2 * sum_V p*t + eps) / (sum_V p + sum_V t + eps)            (eps = 1e-6)
        p', t'  = clamp(p, eps, 1 - eps), clamp(t, eps, 1 - eps)
        pt      = (1 - t') * (1 - p') + t' * p'
        focal   = mean_V( -(1 - pt)^gamma * log(pt) )                              (gamma = 2)
        bce     = mean_V( BCE_with_logits(x / temperature, t) )
        jaccard = 1 - (sum_V p*t + eps) / (sum_V p + sum_V t - sum_V p*t + eps)
        loss    = loss_weight * sum_k weights[k] * term_k

    This is the 1st-place xView2 code's ``ComboLoss`` (``losses.py``, reused unchanged by the xView2
    KD code): the dice is a *batch* soft dice (all pixels of all images pooled; that ``ComboLoss``
    always builds its dice with ``per_image=False``), the focal loss is the mean over pixels with
    ``gamma=2``, no ``alpha`` and probabilities/targets clamped to ``[1e-6, 1 - 1e-6]``.
    ``per_image=True`` averages the dice of each image instead. Localisation:
    ``weights=dict(dice=1.0, focal=10.0)``; damage (each channel, see ``DamageComboLoss``):
    ``dict(dice=0.5, focal=2.0)``.

    Reuse of mmseg: the dice term *is* mmseg's ``dice_loss`` (``naive_dice=True``, ``eps=1e-6``)
    applied to the pooled pixels (per image with ``per_image``). mmseg's ``FocalLoss`` is not
    used: it carries an ``alpha`` factor (0.5 by default, i.e. half this value), does not clamp,
    and mishandles one-channel binary logits with a label map (on CPU it broadcasts ``(N, 1)``
    predictions against ``(N,)`` targets; on CUDA it takes the ``argmax`` of a one-channel target,
    which is always 0). With a same-shape float target and ``alpha=0.5`` its CPU function equals
    half of the focal term above away from the clamp (the tests check this).

    Ignored pixels: the 1st-place xView2 code has no ignore label in these terms; here they are left
    out of every sum and mean. The labels of the valid pixels must be 0 or 1 (raw xView2 masks store
    buildings as 255: map them to 1 in the pipeline, or they are ignored).

    The xView2 KD code's localisation KD passes probabilities ``sigmoid(out / 2)`` to this loss,
    which applies the sigmoid again. That is a bug; ``double_sigmoid=True`` reproduces it
    (``p = sigmoid(sigmoid(x / temperature))``, BCE on ``sigmoid(x / temperature)``), so
    ``ComboLoss(weights=dict(dice=3.0, focal=10.0), temperature=2.0, double_sigmoid=True)`` is
    that code's student term on the raw student logits.

    Args:
        weights (dict): ``term -> weight`` over ``'dice'``, ``'focal'``, ``'bce'``,
            ``'jaccard'``; zero-weight terms are skipped. Defaults to ``dict(dice=1.0,
            focal=10.0)``.
        per_image (bool): Dice/Jaccard per image, averaged, instead of over the batch.
        gamma (float): Focal exponent. Defaults to 2.0.
        eps (float): Smoothing of dice/Jaccard and clamp of the focal term. Defaults to 1e-6.
        temperature (float): The logits are divided by it first. Defaults to 1.0.
        double_sigmoid (bool): Apply the sigmoid twice (the xView2 KD code's bug).
            Defaults to False.
        loss_weight (float): Multiplies the sum. Defaults to 1.0.
        ignore_index (int | None): Label to ignore when the caller passes none. Defaults to 255.
        loss_name (str): Name of the loss item. Defaults to ``'loss_combo'``.
    """

    def __init__(self,
                 weights: Optional[Dict[str, float]] = None,
                 per_image: bool = False,
                 gamma: float = 2.0,
                 eps: float = 1e-6,
                 temperature: float = 1.0,
                 double_sigmoid: bool = False,
                 loss_weight: float = 1.0,
                 ignore_index: Optional[int] = 255,
                 loss_name: str = 'loss_combo') -> None:
        super().__init__()
        weights = dict(dice=1.0, focal=10.0) if weights is None else dict(weights)
        unknown = set(weights) - set(_TERMS)
        if unknown:
            raise ValueError(f'ComboLoss: unknown terms {sorted(unknown)}; known: {_TERMS}')
        if temperature <= 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        self.weights = weights
        self.per_image = per_image
        self.gamma = gamma
        self.eps = eps
        self.temperature = temperature
        self.double_sigmoid = double_sigmoid
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def terms(self, logits: Tensor, target: Tensor, valid: Tensor) -> Dict[str, Tensor]:
        """Unweighted terms of ``(N, M)`` logits, 0/1 targets and valid mask (bool)."""
        x = logits.float() / self.temperature
        if self.double_sigmoid:
            x = x.sigmoid()
        prob = x.sigmoid()
        target = target.float()
        validf = valid.float()
        out = {}
        rows = (lambda t: t) if self.per_image else (lambda t: t.reshape(1, -1))
        if self.weights.get('dice'):
            out['dice'] = dice_loss(
                rows(prob * validf),
                rows(target * validf),
                weight=None,
                eps=self.eps,
                reduction='mean',
                naive_dice=True,
                ignore_index=None)
        if self.weights.get('jaccard'):
            p, t = rows(prob * validf), rows(target * validf)
            inter = (p * t).sum(1)
            union = p.sum(1) + t.sum(1) - inter + self.eps
            out['jaccard'] = (1 - (inter + self.eps) / union).mean()
        if self.weights.get('focal'):
            if valid.any():
                p = prob[valid].clamp(self.eps, 1 - self.eps)
                t = target[valid].clamp(self.eps, 1 - self.eps)
                pt = (1 - t) * (1 - p) + t * p
                out['focal'] = (-(1 - pt).pow(self.gamma) * pt.log()).mean()
            else:
                out['focal'] = prob.sum() * 0
        if self.weights.get('bce'):
            if valid.any():
                out['bce'] = F.binary_cross_entropy_with_logits(x[valid], target[valid])
            else:
                out['bce'] = prob.sum() * 0
        return out

    def combine(self, logits: Tensor, target: Tensor, valid: Tensor) -> Tensor:
        """``sum_k weights[k] * term_k`` (without ``loss_weight``)."""
        terms = self.terms(logits, target, valid)
        return sum(self.weights[k] * v for k, v in terms.items())

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: Optional[int] = None,
                **kwargs) -> Tensor:
        """Loss of ``(N, 1, H, W)`` / ``(N, H, W)`` logits against a 0/1 label map.

        ``target`` is ``(N, H, W)`` or ``(N, 1, H, W)`` (integer labels, or float 0/1 maps).
        ``weight`` (mmseg's sampler weights) is not supported.
        """
        if weight is not None:
            raise NotImplementedError('ComboLoss does not support pixel weights (seg samplers)')
        if pred.dim() == 4:
            if pred.shape[1] != 1:
                raise ValueError(f'ComboLoss takes one logit channel, got {pred.shape[1]} '
                                 '(use DamageComboLoss for several)')
            pred = pred[:, 0]
        if target.dim() == 4:
            target = target[:, 0]
        if pred.shape != target.shape:
            raise ValueError(f'ComboLoss: logits {tuple(pred.shape)} and target '
                             f'{tuple(target.shape)} differ')
        ignore = self.ignore_index if ignore_index is None else ignore_index
        valid = valid_mask(target, ignore)
        n = pred.shape[0]
        target = torch.where(valid, target, torch.zeros_like(target))
        if not target.is_floating_point() and target.numel() and target.max() > 1:
            raise ValueError(f'ComboLoss: labels must be 0/1 (or {ignore} = ignored), got '
                             f'{int(target.max())}')
        loss = self.combine(pred.reshape(n, -1), target.reshape(n, -1), valid.reshape(n, -1))
        return self.loss_weight * loss


@MODELS.register_module()
class DamageComboLoss(nn.Module):
    """Per-channel combo losses plus cross-entropy over the damage classes.

    For logits ``out`` ``(N, K, H, W)`` (K = 5: background, no, minor, major damage, destroyed)
    and labels ``y`` in ``0..K-1``::

        loss = loss_weight * ( sum_k channel_weights[k] * Combo(out[:, k], onehot(y)[:, k])
                               + ce_weight * CE(out, y) )

    with ``Combo`` the :class:`ComboLoss` of the ``combo`` weights (sigmoid of each channel on
    its own, batch dice, focal ``gamma=2``) and ``CE`` the softmax cross-entropy averaged over the
    valid pixels (the 1st-place xView2 code's ``nn.CrossEntropyLoss()``). Training:
    ``channel_weights=[1, 0.1, 0.5, 0.4, 0.2]``, ``combo=dict(dice=0.5, focal=2.0)``,
    ``ce_weight=5``; tuning: ``[0.1, 0.1, 0.3, 0.3, 0.2]`` and ``ce_weight=11``.

    Targets: the 1st-place xView2 code builds its five target channels from the masks with the
    damage channels dilated (5x5) and a priority order, then ``y = argmax``; here both come from the
    one label map (one-hot of ``y``), so any dilation belongs in the data pipeline. Pixels labelled
    ``ignore_index`` count in no term.

    Args:
        channel_weights (Sequence[float]): Weight of each channel's combo loss (length K).
        combo (dict): Term weights of the per-channel :class:`ComboLoss`.
        ce_weight (float): Weight of the cross-entropy. Defaults to 5.0.
        per_image (bool), gamma (float), eps (float): As in :class:`ComboLoss`.
        loss_weight (float): Multiplies the sum. Defaults to 1.0.
        ignore_index (int | None): Label to ignore when the caller passes none. Defaults to 255.
        loss_name (str): Name of the loss item. Defaults to ``'loss_damage'``.
    """

    def __init__(self,
                 channel_weights: Sequence[float] = (1.0, 0.1, 0.5, 0.4, 0.2),
                 combo: Optional[Dict[str, float]] = None,
                 ce_weight: float = 5.0,
                 per_image: bool = False,
                 gamma: float = 2.0,
                 eps: float = 1e-6,
                 loss_weight: float = 1.0,
                 ignore_index: Optional[int] = 255,
                 loss_name: str = 'loss_damage') -> None:
        super().__init__()
        self.channel_weights = [float(w) for w in channel_weights]
        self.combo = ComboLoss(
            weights=dict(dice=0.5, focal=2.0) if combo is None else combo,
            per_image=per_image,
            gamma=gamma,
            eps=eps)
        self.ce_weight = ce_weight
        self.loss_weight = loss_weight
        self.ignore_index = ignore_index
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: Optional[int] = None,
                **kwargs) -> Tensor:
        """Loss of ``(N, K, H, W)`` logits against an ``(N, H, W)`` label map."""
        if weight is not None:
            raise NotImplementedError('DamageComboLoss does not support pixel weights')
        num_classes = pred.shape[1]
        if num_classes != len(self.channel_weights):
            raise ValueError(f'DamageComboLoss: {num_classes} logit channels but '
                             f'{len(self.channel_weights)} channel_weights')
        if target.dim() == 4:
            target = target[:, 0]
        target = target.long()
        ignore = self.ignore_index if ignore_index is None else ignore_index
        valid = valid_mask(target, ignore)
        labels = torch.where(valid, target, torch.zeros_like(target))
        if labels.numel() and (labels.max() >= num_classes or labels.min() < 0):
            raise ValueError(f'DamageComboLoss: labels must be in 0..{num_classes - 1} (or '
                             f'{ignore} = ignored), got {int(labels.min())}..{int(labels.max())}')
        n = pred.shape[0]
        onehot = F.one_hot(labels, num_classes).permute(0, 3, 1, 2)
        flat_valid = valid.reshape(n, -1)
        loss = pred.new_zeros(())
        for k, w in enumerate(self.channel_weights):
            if w:
                loss = loss + w * self.combo.combine(pred[:, k].reshape(n, -1),
                                                     onehot[:, k].reshape(n, -1), flat_valid)
        if self.ce_weight:
            if valid.any():
                ce = F.cross_entropy(
                    pred.float(), target, ignore_index=-100 if ignore is None else ignore)
            else:
                ce = pred.sum() * 0
            loss = loss + self.ce_weight * ce
        return self.loss_weight * loss
