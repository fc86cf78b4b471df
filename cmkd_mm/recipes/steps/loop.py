"""``Loop``: a body of stages run N times, carrying named models from one iteration to the next.

NTIRE 2021 KD method 2 alternates an EO step and a SAR step five times; each step learns from
the other modality's latest model and starts from its own::

    kd2=dict(
        type='Loop', iterations=5,
        carry=dict(eo='eo.best', sar='sar.best'),            # the models before iteration 0
        body=dict(
            eo_step=dict(type='Train', config=EO_STEP, extract_student=True,
                         inputs={'model.teacher_ckpt': 'kd2.sar',
                                 'model.architecture.init_cfg.checkpoint': 'kd2.eo'},
                         per_iteration={'optim_wrapper.optimizer.lr': [0.01, 0.005, ...]},
                         update=dict(eo='student')),         # kd2.eo is now this step's student
            sar_step=dict(...)))

Inside the body, ``<loop>.<var>`` is the carried value at that point; after the loop it is the
final one, so later stages refer to ``kd2.eo``. The loop expands into plain stages
``<loop>_iter<i>_<step>`` (each its own work dir, resumed and skipped like any stage), and the
expansion is static: every hand-over is checked before anything trains.
"""
import copy
from typing import Dict, List, Tuple

from ..registry import RECIPE_STEPS
from .base import BaseStep, split_reference


@RECIPE_STEPS.register_module()
class Loop(BaseStep):
    """Repeat ``body`` ``iterations`` times (see the module docstring).

    Args:
        name (str): Loop name; ``<name>.<var>`` refers to a carried value.
        iterations (int): Number of iterations.
        carry (dict): ``var -> '<stage>.<output>'``: the values before iteration 0.
        body (dict): ``step name -> step config`` (in order). A body step may add
            ``update=dict(var=output)`` (after it, ``var`` is its ``output``) and
            ``per_iteration={config key: [value of iteration 0, 1, ...]}``.
    """

    def __init__(self, name: str, iterations: int, carry: Dict[str, str], body: Dict[str, dict]):
        super().__init__(name, carry)
        if iterations < 1:
            raise ValueError(f'Loop {name!r}: iterations must be >= 1, got {iterations}')
        self.iterations = int(iterations)
        self.carry = dict(carry)
        self.body = {k: dict(v) for k, v in body.items()}

    @property
    def outputs(self) -> Tuple[str, ...]:
        return tuple(self.carry)

    def expand(self) -> Tuple[List[BaseStep], Dict[str, str]]:
        """The plain stages of every iteration, and the loop's outputs as references.

        Returns:
            tuple[list[BaseStep], dict[str, str]]: The stages in order, and ``var ->
            '<stage>.<output>'`` of the final carried values.
        """
        carry = dict(self.carry)
        steps = []
        for i in range(self.iterations):
            for step_name, spec in self.body.items():
                spec = copy.deepcopy(spec)
                update = spec.pop('update', {})
                per_iteration = spec.pop('per_iteration', {})
                name = f'{self.name}_iter{i}_{step_name}'
                inputs = {}
                for key, ref in (spec.pop('inputs', None) or {}).items():
                    stage, output = split_reference(ref)
                    if stage == self.name:
                        if output not in carry:
                            raise KeyError(f'Loop {self.name!r}, step {step_name!r}: {ref!r} '
                                           f'names no carried value (carry: {sorted(carry)})')
                        ref = carry[output]
                    inputs[key] = ref
                options = dict(spec.pop('cfg_options', None) or {})
                for key, values in per_iteration.items():
                    if len(values) < self.iterations:
                        raise ValueError(f'Loop {self.name!r}, step {step_name!r}: '
                                         f'per_iteration[{key!r}] has {len(values)} values for '
                                         f'{self.iterations} iterations')
                    options[key] = values[i]
                step = RECIPE_STEPS.build(dict(spec, name=name, inputs=inputs, cfg_options=options))
                steps.append(step)
                for var, output in update.items():
                    if var not in carry:
                        raise KeyError(f'Loop {self.name!r}, step {step_name!r}: update of '
                                       f'{var!r}, which is not carried')
                    carry[var] = f'{name}.{output}'
        return steps, carry

    def run(self, ctx, work_dir: str) -> Dict:
        raise RuntimeError('a Loop is expanded into its stages by the RecipeRunner')
