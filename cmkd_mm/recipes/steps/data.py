"""Data preparation stages: demo data written in the real formats, STF labels to COCO json,
xView2 masks from the label JSONs.

They write under the recipe's data root (``--data-root``, else the recipe's ``data_root``) and
are idempotent, so the runner runs them every time, before the training stages.
"""
import json
import os.path as osp
from typing import Dict, List, Sequence, Union

from mmengine.logging import print_log

from ...datasets.converters import convert_stf_to_coco, write_xview2_masks
from ...demo.registry import DEMO_DATASETS
from ..registry import RECIPE_STEPS
from .base import BaseStep


@RECIPE_STEPS.register_module()
class DemoData(BaseStep):
    """Write a procedural demo dataset to the data root; a complete one is kept.

    ``kind`` names a generator of ``DEMO_DATASETS`` (``stf``, ``mfnet``, ``pst900``,
    ``mavoc2021``, ``mavoc2024``, ``xview2``); ``stf`` also converts its splits to COCO json.

    Args:
        name (str): Stage name.
        kind (str): Which demo.
        options (dict, optional): Arguments of the generator (sizes, seed).
    """
    OUTPUTS = ('data_root', )
    always_run = True

    def __init__(self, name: str, kind: str, options: dict = None) -> None:
        super().__init__(name)
        DEMO_DATASETS.import_from_location()
        if kind not in DEMO_DATASETS.module_dict:
            raise ValueError(
                f'DemoData kind must be one of {sorted(DEMO_DATASETS.module_dict)}, got {kind!r}')
        self.kind = kind
        self.generate = DEMO_DATASETS.module_dict[kind]
        self.options = dict(options or {})

    def run(self, ctx, work_dir: str) -> Dict:
        self.generate(ctx.data_root, **self.options)
        return dict(outputs=dict(data_root=ctx.data_root), metrics={})


@RECIPE_STEPS.register_module()
class STFToCOCO(BaseStep):
    """Convert Seeing Through Fog labels under the data root to COCO json (``annotations/``).

    Args:
        name (str): Stage name.
        splits (dict[str, list[str]]): Split name -> split files.
        options (dict, optional): ``stf_options`` arguments (layout, classes, ...).
    """
    OUTPUTS = ('annotations', )
    always_run = True

    def __init__(self, name: str, splits: Dict[str, List[str]], options: dict = None) -> None:
        super().__init__(name)
        self.splits = {k: list(v) for k, v in splits.items()}
        self.options = dict(options or {})

    def run(self, ctx, work_dir: str) -> Dict:
        files = convert_stf_to_coco(self.splits, data_root=ctx.data_root, **self.options)
        return dict(outputs=dict(annotations=files), metrics={})


@RECIPE_STEPS.register_module()
class XView2Masks(BaseStep):
    """Write the xView2 masks (``<split>/masks/*.png``) of the splits under the data root
    (``tools/dataset_converters/xview2_masks.py``); splits without a folder are skipped.

    Masks already written with the same options and not older than their label JSON are kept
    (a stamp ``masks/.xview2_masks.json`` records the options), so running it every time costs a
    scan of the folders.

    Args:
        name (str): Stage name.
        splits (Sequence[str]): Split folders. Defaults to all four.
        unclassified (int | str): Post value of ``un-classified`` buildings (1 or
            ``'ignore'``). Defaults to 1.
        workers (int): Worker processes. Defaults to 0.
    """
    OUTPUTS = ('masks', )
    always_run = True

    def __init__(self,
                 name: str,
                 splits: Sequence[str] = ('train', 'tier3', 'hold', 'test'),
                 unclassified: Union[int, str] = 1,
                 workers: int = 0) -> None:
        super().__init__(name)
        self.splits = list(splits)
        self.unclassified = unclassified
        self.workers = workers

    def run(self, ctx, work_dir: str) -> Dict:
        options = dict(unclassified=self.unclassified)
        written = {}
        for split in self.splits:
            if not osp.isdir(osp.join(ctx.data_root, split)):
                print_log(
                    f'{self.name}: no {split}/ under {ctx.data_root}, skipped', logger='current')
                continue
            stamp = osp.join(ctx.data_root, split, 'masks', '.xview2_masks.json')
            same = False
            if osp.isfile(stamp):
                with open(stamp) as f:
                    same = json.load(f) == options
            counts = write_xview2_masks(
                ctx.data_root, [split],
                unclassified=self.unclassified,
                workers=self.workers,
                skip_existing=same)[split]
            with open(stamp, 'w') as f:
                json.dump(options, f)
            print_log(
                f'{self.name}: {split}: {counts["pre"] + counts["post"]} masks written, '
                f'{counts["kept"]} kept, {counts["unlabeled"]} images without label',
                logger='current')
            written[split] = osp.join(ctx.data_root, split, 'masks')
        return dict(outputs=dict(masks=written), metrics={})
