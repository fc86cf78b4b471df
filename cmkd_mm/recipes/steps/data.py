"""Data preparation stages: demo data written in the real formats, STF labels to COCO json.

Both write under the recipe's data root (``--data-root``, else the recipe's ``data_root``) and
are idempotent, so the runner runs them every time, before the training stages.
"""
from typing import Dict, List

from ...datasets.converters import convert_stf_to_coco
from ...demo import (make_mavoc_demo, make_mfnet_demo, make_pst900_demo, make_xview2_demo,
                     prepare_stf_demo)
from ..registry import RECIPE_STEPS
from .base import BaseStep

DEMOS = dict(
    stf=prepare_stf_demo,  # with its COCO json
    mfnet=make_mfnet_demo,
    pst900=make_pst900_demo,
    mavoc2021=lambda root, **kw: make_mavoc_demo(root, layout='2021', **kw),
    mavoc2024=lambda root, **kw: make_mavoc_demo(root, layout='2024', **kw),
    xview2=make_xview2_demo)


@RECIPE_STEPS.register_module()
class DemoData(BaseStep):
    """Write a procedural demo dataset (``stf``, ``mfnet``, ``pst900``, ``mavoc2021``,
    ``mavoc2024``, ``xview2``) to the data root; a complete one is kept. ``stf`` also converts its splits
    to COCO json.

    Args:
        name (str): Stage name.
        kind (str): Which demo.
        options (dict, optional): Arguments of the generator (sizes, seed).
    """
    OUTPUTS = ('data_root', )
    always_run = True

    def __init__(self, name: str, kind: str, options: dict = None) -> None:
        super().__init__(name)
        if kind not in DEMOS:
            raise ValueError(f'DemoData kind must be one of {sorted(DEMOS)}, got {kind!r}')
        self.kind = kind
        self.options = dict(options or {})

    def run(self, ctx, work_dir: str) -> Dict:
        DEMOS[self.kind](ctx.data_root, **self.options)
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
