"""Pack named modalities next to the downstream data sample."""
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS
from mmengine.structures import PixelData


@TRANSFORMS.register_module()
class PackMultiModalInputs(BaseTransform):
    """Pack with the downstream packer, then replace ``inputs`` by a dict of modality tensors.

    The wrapped packer (``mmdet.PackDetInputs``, ``mmseg.PackSegInputs``,
    ``mmpretrain.PackInputs``) builds the data sample (ground truth and meta information) from the
    reference modality, so every downstream metric and visualiser works unchanged.
    ``inputs`` becomes ``{name: C x H x W tensor}`` in each modality's native dtype; the data
    preprocessor normalises them and builds the model views. The data samples also carry
    ``modality_shapes``, and ``modality_paths``, ``registration``, ``sample`` and ``subset``
    (e.g. ``'day'``/``'night'``, read by ``SegIoUMetric``), ``tile_id`` (xView2) and
    ``sample_idx`` (the dataset index, the teacher-output cache key) when present.

    Args:
        packer (dict): Config of the downstream pack transform.
        modalities (list[str], optional): Modalities to pack. Default: all loaded ones.
        extra_seg_fields (dict, optional): ``results key -> data sample field`` of further
            ``H x W`` maps to pack as ``PixelData`` (``1 x H x W``), e.g.
            ``dict(gt_loc_map='gt_loc', gt_dmg_map='gt_dmg')`` for xView2. A key missing from
            the results is skipped (e.g. unlabeled test tiles).
    """

    def __init__(self,
                 packer: dict,
                 modalities: Optional[Sequence[str]] = None,
                 extra_seg_fields: Optional[Dict[str, str]] = None) -> None:
        self.packer = TRANSFORMS.build(packer)
        self.modalities = list(modalities) if modalities is not None else None
        self.extra_seg_fields = dict(extra_seg_fields or {})

    def transform(self, results: dict) -> dict:
        names = self.modalities or list(results['modalities'])
        ref = results['ref_modality']
        results['img'] = results[ref]
        packed = self.packer(results)
        del results['img']
        inputs = {}
        for name in names:
            img = results[name]
            if img.ndim == 2:
                img = img[..., None]
            inputs[name] = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
        packed['inputs'] = inputs
        if 'data_samples' in packed:
            meta = dict(modality_shapes={n: tuple(results[n].shape[:2]) for n in names})
            # What a visualiser needs to redraw any modality in the label frame, and the subset
            # (e.g. day/night) a metric reports separately.
            for key in ('modality_paths', 'registration', 'sample', 'subset', 'tile_id',
                        'sample_idx'):
                if key in results:
                    meta[key] = results[key]
            packed['data_samples'].set_metainfo(meta)
            for key, field in self.extra_seg_fields.items():
                if key in results:
                    data = np.ascontiguousarray(results[key])
                    if data.ndim == 2:
                        data = data[None]
                    setattr(packed['data_samples'], field, PixelData(data=torch.from_numpy(data)))
        return packed

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(packer={self.packer}, modalities={self.modalities}, '
                f'extra_seg_fields={self.extra_seg_fields})')
