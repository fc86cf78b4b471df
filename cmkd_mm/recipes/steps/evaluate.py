"""``Evaluate``: val / test metrics of an earlier stage's checkpoint, with its own evaluators."""
import copy
import json
import os.path as osp
from typing import Dict, Optional, Sequence

from ..registry import RECIPE_STEPS
from .base import BaseStep
from .train import evaluate_checkpoint


def _fill(value, **names):
    """``'{stage_dir}/val'`` -> the path, through dicts and lists."""
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return type(value)({k: _fill(v, **names) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return type(value)(_fill(v, **names) for v in value)
    return value


@RECIPE_STEPS.register_module()
class Evaluate(BaseStep):
    """Evaluate a model of an earlier stage on val and / or test.

    ``inputs`` must name ``config`` and ``checkpoint``, e.g. ``dict(config='kd1.student_config',
    checkpoint='kd1.student')``. The evaluators replace the config's (``{stage_dir}`` in their
    strings becomes this stage's work dir), so a post-processing (confidence balancing), a
    confusion-matrix picture or a submission file is a declaration. ``metrics.json`` in the
    stage dir holds the metrics.

    Args:
        name (str): Stage name.
        inputs (dict): ``config`` and ``checkpoint`` references.
        val_evaluator (dict, optional): Replaces the config's val evaluator.
        test_evaluator (dict, optional): Replaces the config's test evaluator.
        splits (Sequence[str]): Splits evaluated. Defaults to ``('val', 'test')``.
        cfg_options (dict, optional): Options of this stage.
    """
    OUTPUTS = ('metrics', )

    def __init__(self,
                 name: str,
                 inputs: Dict[str, str],
                 val_evaluator: Optional[dict] = None,
                 test_evaluator: Optional[dict] = None,
                 splits: Sequence[str] = ('val', 'test'),
                 cfg_options: Optional[dict] = None) -> None:
        super().__init__(name, inputs)
        missing = {'config', 'checkpoint'} - set(self.inputs)
        if missing:
            raise ValueError(f'Evaluate stage {name!r}: inputs must name {sorted(missing)}')
        self.evaluators = dict(val=val_evaluator, test=test_evaluator)
        self.splits = tuple(splits)
        self.cfg_options = dict(cfg_options or {})

    def run(self, ctx, work_dir: str) -> Dict:
        cfg = ctx.stage_config(
            ctx.resolve(self.inputs['config']), osp.join(work_dir, 'eval'), self.cfg_options,
            self.name)
        for split, evaluator in self.evaluators.items():
            if evaluator is not None:
                cfg[f'{split}_evaluator'] = _fill(copy.deepcopy(evaluator), stage_dir=work_dir)
        metrics = evaluate_checkpoint(cfg, ctx.resolve(self.inputs['checkpoint']), self.splits)
        path = osp.join(work_dir, 'metrics.json')
        with open(path, 'w') as f:
            json.dump(metrics, f, indent=1)
        return dict(outputs=dict(metrics=path), metrics=metrics)
