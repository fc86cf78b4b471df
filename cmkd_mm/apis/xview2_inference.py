"""xView2 inference: ensembles of localisation and damage models, flip TTA, submission PNGs.

:func:`predict_tiles` runs every model on the whole tiles of one split (no resizing):

* a localisation model (``EncoderDecoder``, one building logit) sees its data preprocessor's
  view of the pre image; its probability is the sigmoid of the logit;
* a damage model (``SiameseEncoderDecoder``, 5 logits) sees the pre and post images; its
  probabilities are the softmax of the 5 channels;
* with ``tta=True`` each model's probabilities are averaged over 4 flips
  (:func:`~cmkd_mm.evaluation.functional.xview2_postprocess.flip_tta_average`), then the models
  of each task are averaged with equal weights;
* without a localisation model the building probability is ``1 - p0`` of the damage ensemble;
* :func:`~cmkd_mm.evaluation.functional.xview2_postprocess.submission_maps` gives the two maps,
  written as ``<prefix>_localization_<id>_prediction.png`` and
  ``<prefix>_damage_<id>_prediction.png``.

When every tile of the split is labelled, the maps are scored against the raw targets of
``LoadXView2Masks`` (no dilation) with the challenge's rules, which is what
:func:`cmkd_mm.evaluation.xview2_score.score_folders` gives on the written files.

``tools/analysis_tools/xview2_predict.py`` is the command line.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from ..datasets.transforms import LoadModalities, LoadXView2Masks, PackMultiModalInputs
from ..datasets.xview2 import XView2Dataset
from ..evaluation.functional.xview2 import (SPLITS, accumulate, tile_counts,
                                            write_xview2_submission, xview2_scores)
from ..evaluation.functional.xview2_postprocess import (SUBMISSION_THRESHOLDS, ensemble_average,
                                                        flip_tta_average, submission_maps)
from ..utils.checkpoint import load_checkpoint_strict
from ..utils.config import load_config
from ..utils.deprecation import deprecated_alias

ModelSpec = Tuple[Union[str, Config], str]
TASK_VIEWS = dict(loc='pre', damage='damage')
XVIEW2_MODALITIES = dict(
    pre=dict(num_channels=3, bit_depth=8), post=dict(num_channels=3, bit_depth=8))


def build_model(config: Union[str, Config],
                checkpoint: Optional[str],
                device: str = 'cpu') -> torch.nn.Module:
    """The config's ``model`` with the checkpoint's weights, on ``device``, in eval mode.

    Args:
        config (str | Config): Model config (a file or a loaded config).
        checkpoint (str, optional): Checkpoint file (``state_dict`` inside, as mmengine saves),
            holding every weight of the model with its shape; None keeps the initial weights.
        device (str): Torch device. Defaults to ``'cpu'``.
    """
    from mmseg.registry import MODELS
    cfg = load_config(config) if isinstance(config, str) else config
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        which = config if isinstance(config, str) else (cfg.filename or 'the config')
        load_checkpoint_strict(model, checkpoint, target=f'the model of {which}')
    return model.to(device).eval()


def model_probs(model: torch.nn.Module, packed: dict, task: str, tta: bool = True) -> np.ndarray:
    """Probabilities of one model on one packed tile, at the tile's size.

    Args:
        model (nn.Module): An mmseg segmentor with a ``MultiModalDataPreprocessor``.
        packed (dict): ``PackMultiModalInputs`` output of one tile.
        task (str): ``'loc'`` (sigmoid of one logit) or ``'damage'`` (softmax of 5 logits).
        tta (bool): Average over the 4 flips. Defaults to True.

    Returns:
        np.ndarray: ``H x W`` (loc) or ``5 x H x W`` (damage) float32.
    """
    if task not in TASK_VIEWS:
        raise ValueError(f"task must be 'loc' or 'damage', got {task!r}")
    data = model.data_preprocessor(pseudo_collate([packed]), False)
    inputs, samples = data['inputs'], data['data_samples']
    if isinstance(inputs, dict):  # a preprocessor with several views: take the task's one
        if TASK_VIEWS[task] not in inputs:
            raise KeyError(f'{task} model: the data preprocessor gives views {sorted(inputs)}, '
                           f'none is {TASK_VIEWS[task]!r}')
        inputs = inputs[TASK_VIEWS[task]]
    metas = [s.metainfo for s in samples]

    def probs(x: torch.Tensor) -> torch.Tensor:
        logits = model.encode_decode(x, metas)
        return logits.sigmoid() if task == 'loc' else logits.softmax(dim=1)

    with torch.no_grad():
        out = flip_tta_average(probs, inputs) if tta else probs(inputs)
    height, width = samples[0].ori_shape[:2]
    out = out[0, :, :height, :width].float().cpu().numpy()  # drop the size-divisor padding
    channels = 1 if task == 'loc' else 5
    if out.shape[0] != channels:
        raise ValueError(f'{task} model: expected {channels} output channel(s), got '
                         f'{out.shape[0]}')
    return out[0] if task == 'loc' else out


def _tile_is_labelled(tile: dict) -> bool:
    return all(tile['label_paths'][p] is not None or tile['mask_paths'][p] is not None
               for p in ('pre', 'post'))


def predict_tiles(loc_models: Sequence[ModelSpec] = (),
                  damage_models: Sequence[ModelSpec] = (),
                  data_root: str = 'data/xview2',
                  split: str = 'test',
                  out_dir: str = 'work_dirs/xview2_submission',
                  tta: bool = True,
                  thresholds: Sequence[float] = SUBMISSION_THRESHOLDS,
                  dilate: int = 5,
                  original_precedence: Optional[bool] = None,
                  device: str = 'cpu',
                  prefix: Optional[str] = None,
                  expect_size: Optional[Tuple[int, int]] = None,
                  seed_precedence: Optional[bool] = None) -> Optional[Dict[str, float]]:
    """Predict every tile of ``<data_root>/<split>``, write the submission PNGs, score them.

    Args:
        loc_models (Sequence[tuple]): ``(config, checkpoint)`` of each localisation model;
            empty: the building probability is ``1 - p0`` of the damage ensemble.
        damage_models (Sequence[tuple]): ``(config, checkpoint)`` of each damage model (at
            least one).
        data_root (str): Folder holding the split folders.
        split (str): Split to predict (``train``, ``tier3``, ``hold`` or ``test``).
        out_dir (str): Folder of the submission PNGs.
        tta (bool): 4x flip test-time augmentation per model. Defaults to True.
        thresholds (Sequence[float]): See ``submission_maps``. Defaults to (0.38, 0.13, 0.14).
        dilate (int): See ``submission_maps``. Defaults to 5.
        original_precedence (bool, optional): See ``submission_maps``. Defaults to False.
        device (str): Torch device. Defaults to ``'cpu'``.
        prefix (str, optional): File-name prefix, ``'test'`` or ``'hold'``. Default: the split
            (required for ``train`` / ``tier3``).
        expect_size (tuple[int, int], optional): Required ``(h, w)`` of every image.
        seed_precedence (bool, optional): Deprecated name of ``original_precedence``.

    Returns:
        dict | None: When every tile is labelled, the xView2 metrics (``xview2_scores`` keys,
        the official ones first) and ``num_tiles``; otherwise None.
    """
    original_precedence = deprecated_alias('seed_precedence', 'original_precedence',
                                           seed_precedence, original_precedence, 'predict_tiles')
    if not damage_models:
        raise ValueError('predict_tiles needs at least one damage model')
    prefix = prefix if prefix is not None else split
    if prefix not in SPLITS:
        raise ValueError(f'the submission prefix must be one of {SPLITS}, got {prefix!r}; '
                         f'pass prefix= for the {split!r} split')
    models = dict(
        loc=[build_model(c, k, device) for c, k in loc_models],
        damage=[build_model(c, k, device) for c, k in damage_models])
    dataset = XView2Dataset(
        data_root=data_root, splits=(split, ), expect_size=expect_size, pipeline=[])
    tiles = [dataset.get_data_info(i) for i in range(len(dataset))]
    labelled = all(_tile_is_labelled(t) for t in tiles)
    load = LoadModalities(modalities=XVIEW2_MODALITIES, same_size=True)
    masks = LoadXView2Masks(expect_size=expect_size)
    pack = PackMultiModalInputs(packer=dict(type='mmseg.PackSegInputs'))

    counts: List[dict] = []
    for tile in tiles:
        results = load(tile)
        if labelled:
            results = masks(results)
            targets = results.pop('gt_loc_map'), results.pop('gt_dmg_map')
        packed = pack(results)
        probs = {
            task: [model_probs(m, packed, task, tta) for m in task_models]
            for task, task_models in models.items()
        }
        dmg_prob = ensemble_average(probs['damage'])
        loc_prob = ensemble_average(probs['loc']) if probs['loc'] else 1 - dmg_prob[0]
        loc, dmg = submission_maps(loc_prob, dmg_prob, thresholds, dilate, original_precedence)
        write_xview2_submission(out_dir, str(tile['tile_id']), loc, dmg, split=prefix)
        if labelled:
            counts.append(tile_counts(loc, dmg, *targets))
    if not labelled:
        return None
    scores = xview2_scores(accumulate(counts))
    scores['num_tiles'] = len(counts)
    return scores
