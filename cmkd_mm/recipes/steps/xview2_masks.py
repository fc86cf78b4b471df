"""The xView2 preparation stage: the mask PNGs of the label JSONs under the data root.

Idempotent, so the runner runs it every time, before the training stages.
"""
import os.path as osp
from typing import Dict, Sequence, Union

from mmengine.logging import print_log

from ...datasets.converters import write_xview2_masks
from ..registry import RECIPE_STEPS
from .base import BaseStep


@RECIPE_STEPS.register_module()
class XView2Masks(BaseStep):
    """Write the xView2 masks (``<split>/masks/*.png``) of the splits under the data root
    (``tools/dataset_converters/xview2_masks.py``); splits without a folder are skipped.

    Masks already written with the same options from their label JSON as it is now are kept;
    the others (a label edited since, other options) are written again. The converter's stamp
    ``masks/.xview2_masks.json`` records the options and what each mask was made from, so
    running it every time costs a scan of the folders.

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
        written = {}
        for split in self.splits:
            if not osp.isdir(osp.join(ctx.data_root, split)):
                print_log(
                    f'{self.name}: no {split}/ under {ctx.data_root}, skipped', logger='current')
                continue
            counts = write_xview2_masks(
                ctx.data_root, [split],
                unclassified=self.unclassified,
                workers=self.workers,
                skip_existing=True)[split]
            print_log(
                f'{self.name}: {split}: {counts["pre"] + counts["post"]} masks written, '
                f'{counts["kept"]} kept, {counts["unlabeled"]} images without label',
                logger='current')
            written[split] = osp.join(ctx.data_root, split, 'masks')
        return dict(outputs=dict(masks=written), metrics={})
