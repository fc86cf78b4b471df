"""Distillation losses of CEKD (cross-modal edge-privileged KD) for semantic segmentation.

CEKD adds four terms, all with weight 1, to the thermal-only student:

* ``PairwiseSimilarityLoss`` on the last encoder feature (structured / pair-wise KD);
* ``PixelSoftCELoss``: soft cross-entropy between the logits, ``T = 6`` and no ``T^2`` factor;
* the hint MSE between the edge-privileged hint maps. This is mmrazor's own ``L2Loss`` with
  ``normalize=False, div_element=True`` (``sum((S - T)^2) / numel`` is ``F.mse_loss`` with
  ``reduction='mean'``), so no class is added for it here;
* ``PseudoLabelCELoss``: cross-entropy of the student logits against the teacher's argmax.

A ``ConfigurableDistiller`` config for the four terms could read::

    distill_losses=dict(
        loss_sim=dict(type='PairwiseSimilarityLoss', loss_weight=1.0),
        loss_kdce=dict(type='PixelSoftCELoss', tau=6.0, loss_weight=1.0),
        loss_edge=dict(type='L2Loss', normalize=False, div_element=True, loss_weight=1.0),
        loss_seg=dict(type='PseudoLabelCELoss', loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_sim=dict(preds_S=dict(from_student=True, recorder='feat'),
                      preds_T=dict(from_student=False, recorder='feat')),
        loss_kdce=dict(preds_S=dict(from_student=True, recorder='logits'),
                       preds_T=dict(from_student=False, recorder='logits')),
        loss_edge=dict(s_feature=dict(from_student=True, recorder='hint'),
                       t_feature=dict(from_student=False, recorder='hint')),
        loss_seg=dict(preds_S=dict(from_student=True, recorder='logits'),
                      preds_T=dict(from_student=False, recorder='logits')))

mmrazor's ``SingleTeacherDistill`` runs a frozen teacher under ``torch.no_grad()``; the classes
below also detach the teacher inputs themselves, so no gradient reaches the teacher.
"""
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import nn

from .gt_labels import gt_labels


def _check_same_shape(preds_S: torch.Tensor, preds_T: torch.Tensor, what: str) -> None:
    """Raise a clear error when the student and teacher maps differ in shape."""
    if preds_S.shape != preds_T.shape:
        raise ValueError(f'{what}: student {tuple(preds_S.shape)} and teacher '
                         f'{tuple(preds_T.shape)} must have the same shape (CEKD does not '
                         'resize them; resize in the model if needed).')


@MODELS.register_module()
class PairwiseSimilarityLoss(nn.Module):
    """Pair-wise (structured) similarity distillation of a feature map.

    Every pixel's feature vector is L2-normalised over the channels, and the cosine similarity
    of every pair of pixels is compared between student and teacher::

        f_hat[n, :, i] = f[n, :, i] / (||f[n, :, i]||_2 + eps)      i = pixel index, HW pixels
        A[n, i, j]     = sum_c f_hat[n, c, i] * f_hat[n, c, j]      (HW x HW matrix)
        loss = loss_weight * sum_{n,i,j} (A_T[n,i,j] - A_S[n,i,j])^2 / (HW)^2 / N

    i.e. the squared error summed over all pixel pairs, divided by ``(HW)^2`` and by the batch
    size (the mean over pairs and images).

    Gradient: CEKD (after the structured-KD code it builds on) divides by the norm taken as a
    constant, ``f / (||f|| + eps).detach()``, so no gradient flows through the norm. That is the
    default here (``detach_norm=True``). With ``detach_norm=False`` the gradient also flows
    through the norm, which removes the radial part of each pixel's gradient (the loss value is
    the same; only the training signal differs). CEKD uses it on the last encoder feature (2048 ch,
    15x20) with no pooling. Student and teacher may have different channel numbers but must
    have the same batch and spatial size (no interpolation, as in CEKD).

    Note:
        mmrazor's ``DistanceWiseRKD`` / ``AngleWiseRKD`` relate *samples* of a batch (distances
        and angles between embedding vectors, with a smooth-L1 loss), not pixels of one map,
        so they are not this loss.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        eps (float): Added to the L2 norm before dividing. Defaults to 1e-8.
        detach_norm (bool): Treat the per-pixel norm as a constant, as CEKD's code does.
            False lets the gradient flow through the norm. Defaults to True.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 eps: float = 1e-8,
                 detach_norm: bool = True) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.eps = eps
        self.detach_norm = detach_norm

    def similarity(self, feat: torch.Tensor) -> torch.Tensor:
        """Pixel-to-pixel cosine similarity ``(N, HW, HW)`` of a ``(N, C, H, W)`` map."""
        feat = feat.flatten(2)
        norm = feat.norm(p=2, dim=1, keepdim=True) + self.eps
        feat = feat / (norm.detach() if self.detach_norm else norm)
        return torch.bmm(feat.transpose(1, 2), feat)

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student feature ``(N, C_S, H, W)``.
            preds_T (Tensor): Teacher feature ``(N, C_T, H, W)``; it gets no gradient.
        """
        # channels may differ; batch and spatial size may not
        _check_same_shape(preds_S[:, :1], preds_T[:, :1], 'PairwiseSimilarityLoss')
        num, _, height, width = preds_S.shape
        diff = self.similarity(preds_T.detach()) - self.similarity(preds_S)
        loss = diff.pow(2).sum() / (height * width)**2 / num
        return self.loss_weight * loss


@MODELS.register_module()
class PixelSoftCELoss(nn.Module):
    """Soft cross-entropy between teacher and student segmentation logits, per pixel.

    The softmax is taken over the class axis (dim 1 of ``(N, C, H, W)``) and the loss is the
    plain mean over all ``N * H * W`` pixels::

        p_T     = softmax(logits_T / T, dim=1)          (over the C classes of each pixel)
        log_p_S = log_softmax(logits_S / T, dim=1)
        loss = loss_weight * mean_{n,h,w} ( -sum_c p_T[n,c,h,w] * log_p_S[n,c,h,w] )

    There is no ``T^2`` factor and no teacher-entropy term (so this is not the KL divergence);
    CEKD uses ``T = 6``. Student and teacher logits must have the same shape (CEKD does not
    resize them).

    Note:
        mmrazor's ``KDSoftCELoss(tau, mult_tem_square=False)`` gives the same value only for
        ``(N, C)`` inputs: it softmaxes the last axis, so segmentation maps would need a permute
        and reshape first, and it depends on mmcls, which this project does not install.

    Args:
        tau (float): Temperature ``T``. Defaults to 6.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self, tau: float = 6.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.tau = tau
        self.loss_weight = loss_weight

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S (Tensor): Student logits ``(N, C, H, W)`` (or ``(N, C)``).
            preds_T (Tensor): Teacher logits of the same shape; it gets no gradient.
        """
        _check_same_shape(preds_S, preds_T, 'PixelSoftCELoss')
        soft_T = F.softmax(preds_T.detach() / self.tau, dim=1)
        log_S = F.log_softmax(preds_S / self.tau, dim=1)
        loss = -(soft_T * log_S).sum(dim=1).mean()
        return self.loss_weight * loss


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
            _check_same_shape(preds_S, preds_T, 'PseudoLabelCELoss')
            labels = preds_T.detach().argmax(dim=1)
        loss = F.cross_entropy(preds_S, labels, ignore_index=self.ignore_index)
        return self.loss_weight * loss
