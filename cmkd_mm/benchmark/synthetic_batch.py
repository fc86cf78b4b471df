"""One training batch for a benchmark: random, shaped like the packed samples of any task, or
the first batch of a config's ``train_dataloader``."""
import copy
from typing import Dict, List, Optional

import torch
from mmengine.config import Config
from torch import nn

from ..utils.config import type_name

TASK_SCOPES = dict(mmdet='detection', mmseg='segmentation', mmpretrain='classification')


def config_task(cfg: Config) -> str:
    """``'detection'``, ``'segmentation'`` or ``'classification'`` from the default scope."""
    scope = cfg.get('default_scope', 'mmengine')
    if scope not in TASK_SCOPES:
        raise ValueError(f'default_scope {scope!r} is none of {sorted(TASK_SCOPES)}')
    return TASK_SCOPES[scope]


def modality_specs(cfg: Config, preprocessor: nn.Module) -> Dict[str, dict]:
    """``name -> dict(num_channels, bit_depth)`` for every modality the views use."""
    specs = {}
    pipeline = cfg.get('train_dataloader', {}).get('dataset', {}).get('pipeline', [])
    for transform in pipeline:
        if type_name(transform) == 'LoadModalities':
            for name, spec in transform['modalities'].items():
                spec = spec or {}
                channels = spec.get('num_channels') or len(spec.get(
                    'channels', [])) or (1 if spec.get('to_gray') else None)
                specs[name] = dict(num_channels=channels, bit_depth=spec.get('bit_depth', 8))
    needed = {m for mods in preprocessor.views.values() for m in mods}
    out = {}
    for name in sorted(needed):
        spec = dict(specs.get(name, {}))
        if not spec.get('num_channels'):
            spec['num_channels'] = getattr(preprocessor, f'{name}_mean').numel()
        spec.setdefault('bit_depth', 8)
        out[name] = spec
    return out


def fill_auto_stats(preprocessor: nn.Module, specs: Dict[str, dict]) -> List[str]:
    """Give ``'auto'`` modalities not measured yet mean 0 and std 1 per channel (timing and
    shapes do not depend on them); returns their names."""
    filled = []
    for name in getattr(preprocessor, 'auto_modalities', ()):
        if name in specs and getattr(preprocessor, f'{name}_mean').numel() == 0:
            channels = specs[name]['num_channels']
            preprocessor.set_stats(name, [0.] * channels, [1.] * channels)
            filled.append(name)
    return filled


def _num_classes(model_cfg: dict, task: str) -> int:
    if task == 'detection':
        head = model_cfg.get('roi_head', {}).get('bbox_head', {})
        return head.get('num_classes', 1) if isinstance(head, dict) else 1
    head = model_cfg.get('decode_head' if task == 'segmentation' else 'head', {})
    return int(head.get('num_classes', 2)) if isinstance(head, dict) else 2


def _sample(task: str, i: int, height: int, width: int, num_classes: int, num_boxes: int):
    meta = dict(
        sample_idx=i,
        img_path=f'synthetic_{i}.png',
        ori_shape=(height, width),
        img_shape=(height, width),
        pad_shape=(height, width),
        scale_factor=(1.0, 1.0),
        flip=False,
        flip_direction=None)
    if task == 'detection':
        from mmdet.structures import DetDataSample
        from mmdet.structures.bbox import HorizontalBoxes
        from mmengine.structures import InstanceData
        sample = DetDataSample(metainfo=dict(meta, img_id=i))
        wh = torch.rand(num_boxes, 2) * torch.tensor([width, height]) * 0.4 + 8
        xy = torch.rand(num_boxes, 2) * (torch.tensor([width, height]) - wh).clamp(min=1)
        sample.gt_instances = InstanceData(
            bboxes=HorizontalBoxes(torch.cat([xy, xy + wh], 1)),
            labels=torch.randint(0, num_classes, (num_boxes, )))
        sample.ignored_instances = InstanceData(
            bboxes=HorizontalBoxes(torch.zeros(0, 4)), labels=torch.zeros(0, dtype=torch.long))
        return sample
    if task == 'segmentation':
        from mmengine.structures import PixelData
        from mmseg.structures import SegDataSample
        sample = SegDataSample(metainfo=meta)
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, num_classes, (1, height, width), dtype=torch.long))
        # edge labels (GenerateEdgeLabels), read by heads with an edge branch (CEKD's CENet)
        sample.gt_edge_map = PixelData(
            data=torch.randint(0, 2, (1, height, width), dtype=torch.uint8))
        return sample
    from mmpretrain.structures import DataSample
    return DataSample(metainfo=meta).set_gt_label(int(torch.randint(0, num_classes, ())))


def synthetic_batch(cfg: Config,
                    preprocessor: nn.Module,
                    batch_size: int,
                    height: int,
                    width: int,
                    num_boxes: int = 3) -> dict:
    """A random batch shaped like ``PackMultiModalInputs`` output of the config's task.

    8-bit modalities get random ``uint8`` values, deeper ones random ``uint16`` values below
    ``2**bit_depth``; detection samples get ``num_boxes`` random boxes, segmentation samples a
    random label map and edge map, classification samples a random label.
    """
    task = config_task(cfg)
    model_cfg = cfg.model.get('architecture', cfg.model)
    num_classes = _num_classes(model_cfg, task)
    inputs = {}
    for name, spec in modality_specs(cfg, preprocessor).items():
        depth = spec['bit_depth']
        dtype = torch.uint8 if depth <= 8 else torch.uint16
        inputs[name] = [
            torch.randint(0, 2**depth, (spec['num_channels'], height, width),
                          dtype=torch.int32).to(dtype) for _ in range(batch_size)
        ]
    samples = [_sample(task, i, height, width, num_classes, num_boxes) for i in range(batch_size)]
    return dict(inputs=inputs, data_samples=samples)


def dataloader_batch(cfg: Config, batch_size: Optional[int], seed: int, index: int = 0) -> dict:
    """Batch ``index`` (the first by default) of the config's ``train_dataloader``, loaded in
    this process.

    Raises:
        ValueError: The dataloader has no batch ``index``.
    """
    from mmengine.runner import Runner
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.update(num_workers=0, persistent_workers=False)
    if batch_size:
        loader_cfg['batch_size'] = batch_size
    batches = iter(Runner.build_dataloader(loader_cfg, seed=seed))
    for i in range(index + 1):
        batch = next(batches, None)
        if batch is None:
            raise ValueError(f'the train_dataloader has {i} batch(es) of '
                             f'{loader_cfg.get("batch_size")}, batch {index} is needed: '
                             f'a smaller --batch-size or more samples')
    return batch
