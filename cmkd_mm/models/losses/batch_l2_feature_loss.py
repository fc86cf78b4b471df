"""L2 norm over the batch axis of the feature difference (the xView2 KD code's ``--LFL``).

The xView2 KD code is the distillation study built on the 1st-place xView2 code (Bai et al.,
GeoInformatica 2022).
"""
from typing import Optional, Sequence, Union

import torch
from mmrazor.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class BatchL2FeatureLoss(nn.Module):
    """L2 norm over the batch axis of the feature difference, averaged (``--LFL``).

    ::

        f_S = cat(s_feature..., s_feature_post..., dim=1)[:, :channels]
        f_T = cat(t_feature..., t_feature_post..., dim=1)[:, :channels]
        loss = loss_weight * mean_{c,h,w} sqrt( sum_n (f_T[n,c,h,w] - f_S[n,c,h,w])^2 )

    This is ``torch.norm(f_T - f_S, p=2, dim=0).mean()``, as in the xView2 KD code: the norm runs
    over the *batch* (one value per channel and pixel), so the loss grows like ``sqrt(N)`` with
    the batch size; it is not a per-sample feature distance. The gradient is zero where the
    difference is zero (no NaN).

    Each side may be one tensor ``(N, C, H, W)`` or a list/tuple of them (concatenated on the
    channels); the damage model's feature is ``cat(f(pre), f(post))``, which can also be given
    as ``s_feature`` (pre) and ``s_feature_post`` (post), e.g. two records of one recorder: the
    siamese damage model runs its encoder once per view, so a ``backbone.layer4`` recorder has
    two records; map ``record_idx=0`` to ``s_feature`` / ``t_feature`` and ``record_idx=1`` to
    ``s_feature_post`` / ``t_feature_post``. ``channels`` keeps only the first channels of each
    side after concatenation: the xView2 KD code's dual-teacher terms compare ``f_S`` with
    ``f_Tcls[:, :2048]`` (localisation student, damage teacher's pre+post feature) and
    ``f_S[:, :2048]`` with ``f_Tloc`` (damage student, localisation teacher), both
    ``channels=2048``.

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
