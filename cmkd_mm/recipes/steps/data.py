"""The demo data stage: a procedural dataset written in its real format, by name.

It writes under the recipe's data root (``--data-root``, else the recipe's ``data_root``) and is
idempotent, so the runner runs it every time, before the training stages.
"""
from typing import Dict

from ...demo.registry import DEMO_DATASETS
from ..registry import RECIPE_STEPS
from .base import BaseStep


@RECIPE_STEPS.register_module()
class DemoData(BaseStep):
    """Write a procedural demo dataset to the data root; a complete one is kept.

    ``kind`` names a generator of ``DEMO_DATASETS`` (``stf``, ``mfnet``, ``pst900``, ``llvip``,
    ``rgbd``, ``ships``, ``mavoc2021``, ``mavoc2024``, ``xview2``); ``stf`` also converts its
    splits to COCO json.

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
