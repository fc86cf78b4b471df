"""Normalise named modalities with their own statistics and build each model's input view."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor
from mmengine.model.utils import stack_batch
from mmengine.registry import MODELS

from ...utils.modality_pair import is_pair_reference, unresolved_pair_error
from .modality_failure import ModalityFailure

AUTO = 'auto'


@MODELS.register_module()
class MultiModalDataPreprocessor(BaseDataPreprocessor):
    """Data preprocessor for samples packed by ``PackMultiModalInputs``.

    1. Each modality is cast to float and normalised with its own ``mean``/``std`` (one value per
       channel, or one value for all channels; any channel count, nothing is dropped).
    2. Each *view* concatenates its modalities on the channel axis, e.g.
       ``views=dict(teacher=['rgb', 'gated'], student=['rgb'])``. Modalities of one view must have
       the same height and width; different views may differ (SAR 52 px vs EO 30 px).
    3. The *meta view* goes through the downstream preprocessor ``base`` (normalisation off), which
       pads, stacks and fills the data samples' meta information the way mmdet / mmseg /
       mmpretrain expect (``batch_input_shape``, ``pad_shape``, padded ``gt_sem_seg``...). Every
       other view is padded to the meta view's batch shape when its images have the same sizes,
       or to its own maximum size (rounded to the same ``pad_size_divisor``) otherwise.

    With one view the output ``inputs`` is that view's tensor, so a plain single model (a teacher
    trained alone, a baseline) can use this preprocessor; with several views it is a dict
    ``{view: tensor}`` that the distillation algorithm routes to teacher and student.

    Statistics measured on the training set: a modality given as ``'auto'`` instead of
    ``dict(mean, std)`` is normalised with the per-channel mean and std of the training images,
    which ``ModalityStatsFromDataHook`` measures before training. They are buffers of the model,
    so every checkpoint of that run carries them (``tools/test.py``, resume, a teacher or a
    student checkpoint handed on), and a run that never measured nor loaded them stops at the
    first batch saying so.

    Args:
        modalities (dict): ``name -> dict(mean=..., std=...)`` in the modality's native units
            (e.g. 0-1023 for 10-bit gated slices), or ``name -> 'auto'``.
        views (dict): ``view name -> modality name or list of names``.
        base (dict, optional): Downstream preprocessor for the meta view, without mean/std, e.g.
            ``dict(type='mmdet.DetDataPreprocessor', pad_size_divisor=32)``.
            Default: ``dict(type='mmengine.ImgDataPreprocessor')``.
        meta_view (str, optional): The view whose geometry the data samples describe.
            Default: the first view.
        non_blocking (bool): Copy to the device without blocking.
        batch_augments (dict, optional): Batch augmentations of the downstream preprocessor
            (mmpretrain's ``ImageClassifier`` passes its ``train_cfg`` here when it has
            ``augments``, e.g. Mixup). Put into ``base``; one view only.
        failure (dict, optional): Simulate a failed sensor, e.g. ``dict(modality='gated',
            mode='zero' | 'mean' | 'noise', level=1.0, seed=0)``: ``zero`` black frames (raw 0),
            ``mean`` the training mean (0 once normalised), ``noise`` additive Gaussian noise of
            ``level`` x the modality's std. Applied after normalisation, before the views are
            built (``ModalityFailure``). Default None: no failure.
    """

    def __init__(self,
                 modalities: Dict[str, dict],
                 views: Dict[str, Union[str, Sequence[str]]],
                 base: Optional[dict] = None,
                 meta_view: Optional[str] = None,
                 non_blocking: bool = False,
                 batch_augments: Optional[dict] = None,
                 failure: Optional[dict] = None) -> None:
        super().__init__(non_blocking=non_blocking)
        if not views:
            raise ValueError('MultiModalDataPreprocessor needs at least one view')
        named = dict(modalities=modalities, **{f'views.{k}': v for k, v in views.items()})
        for where, value in named.items():
            if is_pair_reference(value):
                raise unresolved_pair_error(f'MultiModalDataPreprocessor {where}', value)
        self.modality_names = list(modalities)
        self.auto_modalities = [n for n, cfg in modalities.items() if cfg == AUTO]
        for name in self.auto_modalities:  # measured later, saved in every checkpoint
            self.register_buffer(f'{name}_mean', torch.empty(0, 1, 1))
            self.register_buffer(f'{name}_std', torch.empty(0, 1, 1))
        for name, cfg in modalities.items():
            if cfg == AUTO:
                continue
            if not isinstance(cfg, dict):
                raise TypeError(f'modality "{name}": give dict(mean=..., std=...) or '
                                f"'{AUTO}', not {cfg!r}")
            unknown = set(cfg) - {'mean', 'std'}
            if unknown:
                raise ValueError(f'modality "{name}": unknown keys {sorted(unknown)}')
            mean = torch.tensor(cfg.get('mean', [0.]), dtype=torch.float32).view(-1, 1, 1)
            std = torch.tensor(
                cfg.get('std', [1.] * mean.numel()), dtype=torch.float32).view(-1, 1, 1)
            if mean.numel() != std.numel():
                raise ValueError(f'modality "{name}": mean has {mean.numel()} values, std '
                                 f'{std.numel()}')
            self.register_buffer(f'{name}_mean', mean, persistent=False)
            self.register_buffer(f'{name}_std', std, persistent=False)
        self.views = {
            v: [mods] if isinstance(mods, str) else list(mods)
            for v, mods in views.items()
        }
        for view, mods in self.views.items():
            missing = [m for m in mods if m not in modalities]
            if missing or not mods:
                raise ValueError(f'view "{view}" uses modalities {missing or mods} that have no '
                                 f'statistics in "modalities" ({self.modality_names})')
        self.meta_view = meta_view or next(iter(self.views))
        if self.meta_view not in self.views:
            raise ValueError(f'meta_view "{self.meta_view}" is not a view ({list(self.views)})')
        base = dict(base or dict(type='mmengine.ImgDataPreprocessor'))
        if batch_augments is not None:
            base['batch_augments'] = batch_augments
        if base.get('mean') is not None or base.get('std') is not None:
            raise ValueError('set mean/std per modality in "modalities", not in "base"')
        for key in ('bgr_to_rgb', 'rgb_to_bgr', 'to_rgb'):
            if base.get(key):
                raise ValueError(f'"{key}" in "base" would reorder/drop channels of a '
                                 f'multi-channel view; load colour modalities in the order the '
                                 f'model expects instead')
        if base.get('batch_augments') and len(self.views) > 1:
            raise ValueError('batch_augments would change the meta view only; with several '
                             'views apply augmentation in the pipeline')
        self.base = MODELS.build(base)
        used = [m for m in self.modality_names if any(m in mods for mods in self.views.values())]
        self.failure = None if failure is None else ModalityFailure(**failure, allowed=used)

    def set_stats(self, name: str, mean: Sequence[float], std: Sequence[float]) -> None:
        """Set the statistics of a modality (e.g. measured on the training set)."""
        if name not in self.modality_names:
            raise KeyError(f'"{name}" is not a modality of the preprocessor '
                           f'({self.modality_names})')
        old = getattr(self, f'{name}_mean')
        for key, values in (('mean', mean), ('std', std)):
            setattr(self, f'{name}_{key}',
                    torch.tensor(values, dtype=torch.float32, device=old.device).view(-1, 1, 1))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # measured statistics take the size of the checkpoint's (one value per channel)
        for name in self.auto_modalities:
            for key in ('mean', 'std'):
                value = state_dict.get(f'{prefix}{name}_{key}')
                if isinstance(value, torch.Tensor):
                    setattr(self, f'{name}_{key}', torch.empty_like(value))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    @property
    def pad_size_divisor(self) -> int:
        return getattr(self.base, 'pad_size_divisor', 1) or 1

    def normalize(self, name: str, img: torch.Tensor) -> torch.Tensor:
        """Normalise one ``C x H x W`` image of modality ``name``."""
        mean, std = getattr(self, f'{name}_mean'), getattr(self, f'{name}_std')
        if mean.numel() == 0:
            raise RuntimeError(
                f"modality \"{name}\" is normalised with statistics 'auto' but they were neither "
                'measured nor loaded: train with custom_hooks=[dict(type='
                "'ModalityStatsFromDataHook')], or load a checkpoint of such a run (its "
                'statistics are saved in it), or give dict(mean=..., std=...)')
        if mean.shape[0] not in (1, img.shape[0]):
            raise ValueError(f'modality "{name}" has {img.shape[0]} channel(s) but {mean.shape[0]}'
                             f' mean/std values; give one value per channel (or one for all)')
        return (img.float() - mean) / std

    def build_view(self, view: str, normed: Dict[str, List[torch.Tensor]]) -> List[torch.Tensor]:
        """Concatenate the modalities of ``view`` for every sample."""
        mods = self.views[view]
        out = []
        for i in range(len(normed[mods[0]])):
            parts = [normed[m][i] for m in mods]
            sizes = {m: tuple(p.shape[-2:]) for m, p in zip(mods, parts)}
            if len(set(sizes.values())) > 1:
                raise ValueError(f'view "{view}" concatenates modalities of different sizes '
                                 f'{sizes} (sample {i}); resize them to one size in the pipeline '
                                 f'(MultiModalResize modality_scales) or use separate views')
            out.append(torch.cat(parts, 0) if len(parts) > 1 else parts[0])
        return out

    def pad_like(self, images: List[torch.Tensor], meta_images: List[torch.Tensor],
                 meta_batch: torch.Tensor) -> torch.Tensor:
        """Pad a non-meta view: to the meta batch shape when sizes agree, else on its own."""
        if all(a.shape[-2:] == b.shape[-2:] for a, b in zip(images, meta_images)):
            h, w = meta_batch.shape[-2:]
            return torch.stack([F.pad(x, (0, w - x.shape[-1], 0, h - x.shape[-2])) for x in images])
        return stack_batch(images, self.pad_size_divisor, 0)

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs = data['inputs']
        if not isinstance(inputs, dict):
            raise TypeError('MultiModalDataPreprocessor expects inputs = {modality: tensors}; pack '
                            'samples with PackMultiModalInputs')
        needed = {m for mods in self.views.values() for m in mods}
        missing = needed - set(inputs)
        if missing:
            raise KeyError(f'modalities {sorted(missing)} are not in the batch (have '
                           f'{sorted(inputs)}); load and pack them in the pipeline')
        normed = {m: [self.normalize(m, x) for x in inputs[m]] for m in needed}
        if self.failure is not None:
            normed = self.failure.apply(
                normed, lambda m: (getattr(self, f'{m}_mean'), getattr(self, f'{m}_std')))
        views = {v: self.build_view(v, normed) for v in self.views}
        meta = self.base(
            dict(inputs=views[self.meta_view], data_samples=data.get('data_samples')), training)
        out = {self.meta_view: meta['inputs']}
        for view, images in views.items():
            if view != self.meta_view:
                out[view] = self.pad_like(images, views[self.meta_view], meta['inputs'])
        inputs = out if len(out) > 1 else out[self.meta_view]
        return dict(inputs=inputs, data_samples=meta.get('data_samples'))
