"""The Seeing Through Fog preparation stage: the labels under the data root to COCO json.

Idempotent, so the runner runs it every time, before the training stages.
"""
from typing import Dict, List

from ...datasets.converters import convert_stf_to_coco
from ..registry import RECIPE_STEPS
from .base import BaseStep


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
