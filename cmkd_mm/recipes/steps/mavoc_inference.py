"""``MAVOCInference``: NJUST-KMG's test-time pipeline as a recipe stage."""
import os.path as osp
from typing import Dict, Optional

from ...apis.mavoc_inference import mavoc_inference
from ..registry import RECIPE_STEPS
from .base import BaseStep


@RECIPE_STEPS.register_module()
class MAVOCInference(BaseStep):
    """TTA predictions, OOD score, cluster voting and ``results.csv`` of a MAVOC 2024 model.

    ``inputs`` must name ``config`` and ``checkpoint`` (e.g. ``'stage3.config'``,
    ``'stage3.best'``). The TTA copies are the config's ``tta_pipeline`` (``tta_model``
    averages them); ``postprocess`` holds the arguments of
    :func:`cmkd_mm.apis.mavoc_inference.mavoc_postprocess` (OOD score, clustering, its walking
    order and tie-break, vote threshold). With val data the same post-processing is scored on
    val (top-1, AUROC, PBVS total), which is what the results table shows.

    Outputs: ``results`` (the submission CSV) and ``summary`` (``inference.json``).

    Args:
        name (str): Stage name.
        inputs (dict): ``config`` and ``checkpoint`` references.
        tta (bool): Use the config's TTA. Defaults to True.
        postprocess (dict, optional): Post-processing arguments.
        cfg_options (dict, optional): Options of this stage.
    """
    OUTPUTS = ('results', 'summary')

    def __init__(self,
                 name: str,
                 inputs: Dict[str, str],
                 tta: bool = True,
                 postprocess: Optional[dict] = None,
                 cfg_options: Optional[dict] = None) -> None:
        super().__init__(name, inputs)
        missing = {'config', 'checkpoint'} - set(self.inputs)
        if missing:
            raise ValueError(f'MAVOCInference stage {name!r}: inputs must name {sorted(missing)}')
        self.tta = tta
        self.postprocess = dict(postprocess or {})
        self.cfg_options = dict(cfg_options or {})

    def run(self, ctx, work_dir: str) -> Dict:
        cfg = ctx.stage_config(
            ctx.resolve(self.inputs['config']), work_dir, self.cfg_options, self.name)
        summary = mavoc_inference(
            cfg,
            ctx.resolve(self.inputs['checkpoint']),
            work_dir,
            tta=self.tta,
            postprocess=self.postprocess)
        metrics = dict(val=summary['val']) if summary['val'] is not None else {}
        return dict(
            outputs=dict(results=summary['results'], summary=osp.join(work_dir, 'inference.json')),
            metrics=metrics)
