"""The xView2 challenge score (localisation F1, damage F1, weighted score) as an mmseg metric."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmseg.registry import METRICS

from ..functional.arrays import to_numpy
from ..functional.xview2 import (IGNORE_INDEX, LOC_KEYS, SPLITS, accumulate, tile_counts,
                                 tile_id_from_path, write_xview2_submission, xview2_scores)

TASKS = ('damage', 'loc')


@METRICS.register_module()
class XView2Metric(BaseMetric):
    """xView2 localisation and damage F1s, summed over pixels of all tiles, and the score.

    The arithmetic is :mod:`cmkd_mm.evaluation.functional.xview2` (shared with
    ``tools/analysis_tools/xview2_score.py``); its docstring gives the reference scorer's rules.
    Values are fractions in ``[0, 1]``, as the reference scorer reports them.

    Each data sample (``SegDataSample.to_dict()``) gives:

    * ``pred_sem_seg.data`` (``1 x H x W``): for ``task='loc'`` 0/1 (1 = building); for
      ``task='damage'`` the damage model's class map 0-4 (0 = background), from which the
      localisation prediction is ``pred > 0`` and the damage prediction is ``pred``;
    * the targets ``gt_loc.data`` (``1 x H x W``, 0/1, from the pre-disaster label) and
      ``gt_dmg.data`` (``1 x H x W``, 0-4, 255 = ignore, from the post-disaster label). When
      absent, ``gt_sem_seg.data`` is used: for ``task='loc'`` as the localisation target
      (> 0 is a building), for ``task='damage'`` as the damage target, the localisation target
      then being its pixels 1-4 (255 stays ignored). Samples without any target (the test split)
      are only written to ``submission_dir``;
    * ``tile_id`` (metainfo) for the submission file names; without it the stem of ``img_path``
      with the xBD ``pre``/``post`` markers removed (:func:`tile_id_from_path`).

    Reported keys: for ``task='damage'`` the official keys ``score``, ``damage_f1``,
    ``localization_f1``, ``damage_f1_no_damage``, ``damage_f1_minor_damage``,
    ``damage_f1_major_damage``, ``damage_f1_destroyed``, then ``localization_iou``,
    ``localization_precision``, ``localization_recall``; for ``task='loc'`` the four
    ``localization_*`` keys. Without labelled samples: ``{}``.

    Args:
        task (str): ``'damage'`` or ``'loc'``. Defaults to ``'damage'``.
        submission_dir (str, optional): Write ``<split>_localization_<tile_id>_prediction.png``
            (0/1) and ``<split>_damage_<tile_id>_prediction.png`` (0-4) of every sample here,
            uint8 at the prediction's size. For ``task='loc'`` the damage file marks every
            predicted building as class 1 (no damage), so the folder is complete for the
            scorer. Defaults to None.
        split (str): File-name prefix of the submission, ``'test'`` or ``'hold'``.
            Defaults to ``'test'``.
        presence_rule (bool): Count a damage class only on tiles whose target contains it, as
            the reference scorer's withdrawn first release did; False (the current scorer)
            counts every class on every tile. Defaults to False.
        ignore_index (int): Target value of unscored pixels. Defaults to 255.
        collect_device (str): Device used to collect results across ranks, ``'cpu'`` or
            ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix added to the metric names. Defaults to None.
    """

    def __init__(self,
                 task: str = 'damage',
                 submission_dir: Optional[str] = None,
                 split: str = 'test',
                 presence_rule: bool = False,
                 ignore_index: int = IGNORE_INDEX,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if task not in TASKS:
            raise ValueError(f'XView2Metric: task must be one of {TASKS}, got {task!r}')
        if split not in SPLITS:
            raise ValueError(f'XView2Metric: split must be one of {SPLITS}, got {split!r}')
        self.task = task
        self.submission_dir = submission_dir
        self.split = split
        self.presence_rule = presence_rule
        self.ignore_index = ignore_index

    @staticmethod
    def _map(data_sample: dict, key: str) -> Optional[np.ndarray]:
        """``data_sample[key].data`` as an ``H x W`` numpy map, or None when absent."""
        field = data_sample.get(key)
        if field is None:
            return None
        data = field.get('data') if isinstance(field, dict) else getattr(field, 'data', None)
        if data is None:
            return None
        array = to_numpy(data)
        return array.reshape(array.shape[-2:]) if array.ndim > 2 else array

    def _targets(self, data_sample: dict):
        """(loc target, damage target or None), or None for a sample without labels."""
        gt_loc, gt_dmg = self._map(data_sample, 'gt_loc'), self._map(data_sample, 'gt_dmg')
        if gt_loc is None and gt_dmg is None:
            gt = self._map(data_sample, 'gt_sem_seg')
            if gt is None:
                return None
            if self.task == 'loc':
                gt_loc = gt
            else:
                gt_dmg = gt
        if gt_loc is None:  # buildings of the damage target; its ignored pixels stay ignored
            building = (gt_dmg > 0) & (gt_dmg <= 4)
            gt_loc = np.where(gt_dmg == self.ignore_index, self.ignore_index, building)
        return gt_loc, (gt_dmg if self.task == 'damage' else None)

    @staticmethod
    def _name(data_sample: dict) -> str:
        for key in ('img_path', 'tile_id'):
            if data_sample.get(key) is not None:
                return f'{key}={data_sample[key]!r}'
        return 'a data sample'

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Count TP/FP/FN of every labelled sample; write the submission files if asked.

        Args:
            data_batch (dict): A batch from the dataloader (unused).
            data_samples (Sequence[dict]): Model outputs, ``SegDataSample.to_dict()``.
        """
        for data_sample in data_samples:
            pred = self._map(data_sample, 'pred_sem_seg')
            if pred is None:
                raise ValueError(f'XView2Metric: {self._name(data_sample)} has no pred_sem_seg')
            loc_pred = pred > 0
            dmg_pred = pred if self.task == 'damage' else loc_pred.astype(np.uint8)
            if self.submission_dir is not None:
                tile_id = data_sample.get('tile_id')
                if tile_id is None:
                    img_path = data_sample.get('img_path')
                    if isinstance(img_path, (list, tuple)):
                        img_path = img_path[-1]
                    if img_path is None:
                        raise ValueError('XView2Metric: a data sample has neither tile_id nor '
                                         'img_path, so its submission files cannot be named')
                    tile_id = tile_id_from_path(img_path)
                write_xview2_submission(
                    self.submission_dir, str(tile_id), loc_pred, dmg_pred, split=self.split)
            targets = self._targets(data_sample)
            if targets is None:
                continue
            gt_loc, gt_dmg = targets
            shapes = [gt_loc.shape] + ([] if gt_dmg is None else [gt_dmg.shape])
            if any(shape != pred.shape for shape in shapes):
                raise ValueError(
                    f'XView2Metric: {self._name(data_sample)}: the prediction is '
                    f'{tuple(pred.shape)} (h, w), the label {tuple(shapes[0])}' +
                    ('' if gt_dmg is None else f' (damage label {tuple(gt_dmg.shape)})') +
                    '. Predictions come back at the original image size, so the test pipeline '
                    'must load the label at that size: load the labels after any Resize '
                    "(mmseg's order: load image, Resize, load annotations), or drop the Resize "
                    'from the test pipeline.')
            if self.task == 'damage':
                counts = tile_counts(loc_pred, pred, gt_loc, gt_dmg, ignore_index=self.ignore_index)
            else:
                counts = tile_counts(loc_pred, None, gt_loc, None, ignore_index=self.ignore_index)
            self.results.append(counts)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """The xView2 metrics of all labelled samples.

        Args:
            results (list[dict]): :func:`tile_counts` of every labelled sample.

        Returns:
            dict[str, float]: See the class docstring; ``{}`` without labelled samples.
        """
        if not results:
            where = (f'; submission files are in {self.submission_dir}'
                     if self.submission_dir is not None else '')
            print_log(
                f'XView2Metric: no labelled samples, nothing to score{where}', logger='current')
            return OrderedDict()
        scores = xview2_scores(accumulate(results, presence_rule=self.presence_rule))
        if self.task == 'loc':
            scores = {key: scores[key] for key in LOC_KEYS}
        lines = [f'xView2 ({len(results)} tiles):']
        lines += [f'  {key:<24} {value:.4f}' for key, value in scores.items()]
        print_log('\n'.join(lines), logger='current')
        return OrderedDict(scores)
