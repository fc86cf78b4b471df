"""``CacheTeacher``: fill a teacher-output store before the stage that distils with it."""
import os.path as osp
from typing import Dict, Optional

from mmengine.logging import print_log

from ...engine.runner import cache_teacher
from ..registry import RECIPE_STEPS
from ..stage_config import set_handover
from .base import BaseStep


@RECIPE_STEPS.register_module()
class CacheTeacher(BaseStep):
    """Run the frozen teacher of a distillation config over its training set and store its
    outputs (:func:`~cmkd_mm.engine.runner.cache_teacher`), so that the first
    epoch of the stage that trains that config is replayed too.

    The store goes to ``<stage dir>/teacher_cache``, the output ``store``; hand it to the
    training stage as ``'model.teacher_cache.directory'`` (which turns the cache on there), with
    the same config, options and teacher hand-over (a store serves only the teacher, pipeline
    and recorders that filled it; the training log says how many samples it found)::

        cache=dict(type='CacheTeacher', config=KD,
                   inputs={'model.teacher_ckpt': 'teacher.best'}),
        student=dict(type='Train', config=KD,
                     inputs={'model.teacher_ckpt': 'teacher.best',
                             'model.teacher_cache.directory': 'cache.store'}),

    An interrupted stage resumes: stored samples are skipped.

    Args:
        name (str): Stage name.
        config (str): The distillation config.
        inputs (dict, optional): Config key -> ``'<stage>.<output>'``, as for ``Train``.
        cfg_options (dict, optional): Options of this stage.
    """
    OUTPUTS = ('store', )

    def __init__(self,
                 name: str,
                 config: str,
                 inputs: Optional[Dict[str, str]] = None,
                 cfg_options: Optional[dict] = None) -> None:
        super().__init__(name, inputs)
        self.config = config
        self.cfg_options = dict(cfg_options or {})

    def summary(self) -> str:
        return f'CacheTeacher {self.config}'

    def run(self, ctx, work_dir: str) -> Dict:
        cfg = ctx.stage_config(self.config, work_dir, self.cfg_options, self.name)
        for key, ref in self.inputs.items():
            set_handover(cfg, key, ctx.resolve(ref))
        store = osp.join(work_dir, 'teacher_cache')
        filled = cache_teacher(cfg, store)
        print_log(
            f'{self.name}: {filled["stored"]} samples stored in {filled["directory"]} '
            f'({filled["computed"]} computed now)',
            logger='current')
        return dict(outputs=dict(store=store), metrics={})
