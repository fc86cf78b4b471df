"""Cross-modal distillation: teacher and student see different views of one batch."""
import logging
from functools import partial
from typing import Dict, List, Optional, Union

import torch
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmrazor.models.algorithms import SingleTeacherDistill
from mmrazor.models.task_modules.recorder import ModuleInputsRecorder, ModuleOutputsRecorder
from mmrazor.models.utils import add_prefix
from mmrazor.registry import MODELS

from ..architectures.teacher_group import TeacherGroup
from .separate_optim_step import separate_train_step
from .teacher_cache import TeacherOutputCache

TEACHER_MODES = ('auto', 'extract_feat', 'tensor', 'loss')
# Modules that ``extract_feat`` runs in mmdet detectors, mmseg segmentors and mmpretrain
# classifiers.
FEATURE_MODULES = ('backbone', 'neck')


@MODELS.register_module()
class CrossModalDistill(SingleTeacherDistill):
    """Single-teacher distillation where teacher and student take different input views.

    Built on mmrazor's ``SingleTeacherDistill``: the distiller (recorders, connectors, losses,
    deliveries) and ``teacher_ckpt`` loading are mmrazor's. What changes:

    * ``inputs`` from ``MultiModalDataPreprocessor`` is a dict of views; the teacher gets
      ``inputs[teacher_view]`` and the student ``inputs[student_view]`` (a plain tensor is given
      to both, which is ordinary same-modality distillation).
    * A frozen teacher is kept in eval mode as a whole (dropout included, not only BN), runs under
      ``torch.no_grad`` and only as deep as the teacher recorders read: ``extract_feat`` (backbone +
      neck) or ``tensor`` mode (raw head outputs). It never computes a loss that would be dropped.
    * ``predict``/``tensor`` modes use the student view only, so test tools and inference treat
      the algorithm as the student. ``teacher_val_step`` evaluates the teacher on its own view.
    * Several frozen teachers: ``teacher=dict(type='TeacherGroup', teachers=dict(name=dict(
      model=..., ckpt=..., view=...), ...))``; each teacher runs on its own view and as deep as
      the recorders under its name (``source='name.backbone'``) read.
    * ``teacher_cache=dict(memory_bytes=..., dtype='float32')`` (off by default) stores what the
      teacher recorders captured per sample and replays it when the same samples come again,
      skipping the teacher (``TeacherOutputCache``; ``custom_hooks=[dict(type=
      'TeacherCacheHook')]`` checks the pipeline, places the store and keeps it across resume).
    * ``train_step`` also accepts an ``OptimWrapperDict`` (``separate_train_step``) so that
      trainable distillation modules such as adversarial discriminators can have their own
      optimizer.

    Args:
        teacher_view (str): View name the teacher reads.
        student_view (str): View name the student reads.
        teacher_mode (str): ``'auto'`` (``extract_feat`` when every teacher recorder sits in the
            backbone or neck, else ``tensor``), ``'extract_feat'``, ``'tensor'`` or ``'loss'``
            (only with ``teacher_trainable=True``; the teacher's losses are then added with the
            ``teacher.`` prefix).
        teacher_cache (dict, optional): ``TeacherOutputCache`` arguments; None (default) runs the
            teacher at every step.
        **kwargs: ``SingleTeacherDistill`` arguments (``architecture``, ``teacher``,
            ``teacher_ckpt``, ``distiller``, ``teacher_trainable``, ``data_preprocessor``, ...).
    """

    def __init__(self,
                 teacher_view: str = 'teacher',
                 student_view: str = 'student',
                 teacher_mode: str = 'auto',
                 teacher_cache: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(self.teacher, TeacherGroup):
            untrained = [n for n, ckpt in self.teacher.ckpts.items() if not ckpt]
        else:
            untrained = [] if kwargs.get('teacher_ckpt') or self.teacher_trainable else ['']
        if untrained:
            which = f' of teacher(s) {untrained}' if untrained != [''] else ''
            print_log(
                f'CrossModalDistill: no checkpoint{which} given, the frozen teacher keeps '
                'its initial weights (fine for smoke tests, not for distillation)',
                logger='current',
                level=logging.WARNING)
        if teacher_mode not in TEACHER_MODES:
            raise ValueError(f'teacher_mode must be one of {TEACHER_MODES}, got {teacher_mode!r}')
        self.teacher_view = teacher_view
        self.student_view = student_view
        if isinstance(self.teacher, TeacherGroup):
            if self.teacher_trainable:
                raise ValueError('a TeacherGroup is frozen: teacher_trainable must be False')
            self.teacher_views = {n: v or teacher_view for n, v in self.teacher.views.items()}
            self.teacher_modes = {
                n: self._resolve_mode(m, getattr(self.teacher, n), n + '.')
                for n, m in self.teacher.modes.items()
            }
            teacher_mode = 'group'
        elif self.teacher_trainable:
            teacher_mode = 'loss'
        elif teacher_mode == 'loss':
            raise ValueError('teacher_mode="loss" computes teacher losses; it needs '
                             'teacher_trainable=True')
        else:
            teacher_mode = self._resolve_mode(teacher_mode, self.teacher)
        self.teacher_mode = teacher_mode
        views = getattr(self.data_preprocessor, 'views', None)
        if views is not None and len(views) > 1:
            roles = [('teacher_view', teacher_view)] if teacher_mode != 'group' else [
                (f'teacher "{n}": view', v) for n, v in self.teacher_views.items()
            ]
            for role, view in roles + [('student_view', student_view)]:
                if view not in views:
                    raise ValueError(f'{role} "{view}" is not a view of the data '
                                     f'preprocessor ({list(views)})')
        if not self.teacher_trainable:
            self.teacher.eval()
        self.teacher_cache = None
        if teacher_cache is not None:
            if self.teacher_trainable:
                raise ValueError('teacher_cache replays a frozen teacher; it cannot be used with '
                                 'teacher_trainable=True')
            if self.distiller.deliveries.deliveries:
                raise ValueError('teacher_cache replays the teacher recorders only; this '
                                 'distiller also has deliveries (connectors of teacher and '
                                 'student runs): turn one of them off')
            self.teacher_cache = TeacherOutputCache(**teacher_cache)

    def _resolve_mode(self, mode: str, teacher, prefix: str = '') -> str:
        """``mode``, or for ``'auto'``: ``extract_feat`` when every teacher recorder under
        ``prefix`` sits in the backbone or neck, else ``tensor``."""
        if mode not in TEACHER_MODES[:3]:
            raise ValueError(f'mode of a frozen teacher must be one of {TEACHER_MODES[:3]}, '
                             f'got {mode!r}')
        if mode != 'auto':
            return mode
        recorders = [
            r for r in self.distiller.teacher_recorders.recorders.values()
            if getattr(r, 'source', '').startswith(prefix)
        ]
        in_features = all(
            isinstance(r, (ModuleOutputsRecorder, ModuleInputsRecorder))
            and r.source[len(prefix):].split('.')[0] in FEATURE_MODULES for r in recorders)
        if recorders and in_features and hasattr(teacher, 'extract_feat'):
            return 'extract_feat'
        return 'tensor'

    def select_view(self, inputs: Union[torch.Tensor, Dict[str, torch.Tensor]],
                    view: str) -> torch.Tensor:
        """Pick ``view`` out of the preprocessed inputs."""
        if not isinstance(inputs, dict):
            return inputs
        if view not in inputs:
            raise KeyError(f'view "{view}" is not in the batch (views: {list(inputs)})')
        return inputs[view]

    def run_teacher(self,
                    inputs: torch.Tensor,
                    data_samples: Optional[List] = None,
                    teacher=None,
                    mode: Optional[str] = None):
        """Run the teacher (or one teacher of a group) as deep as the distiller needs."""
        teacher = self.teacher if teacher is None else teacher
        mode = mode or self.teacher_mode
        if mode == 'extract_feat':
            return teacher.extract_feat(inputs)
        return teacher(inputs, data_samples, mode=mode)

    def run_teachers(self, batch_inputs, data_samples: Optional[List] = None) -> dict:
        """Every teacher on its own view; the teacher's losses when it is trainable."""
        if self.teacher_mode == 'group':
            with torch.no_grad():
                for name, teacher in self.teacher.members().items():
                    self.run_teacher(
                        self.select_view(batch_inputs, self.teacher_views[name]), data_samples,
                        teacher, self.teacher_modes[name])
            return {}
        teacher_inputs = self.select_view(batch_inputs, self.teacher_view)
        if self.teacher_trainable:
            return add_prefix(self.run_teacher(teacher_inputs, data_samples), 'teacher')
        with torch.no_grad():
            self.run_teacher(teacher_inputs, data_samples)
        return {}

    def teacher_input_views(self) -> List[str]:
        """The views the teacher(s) read."""
        if self.teacher_mode == 'group':
            return sorted(set(self.teacher_views.values()))
        return [self.teacher_view]

    def record_teachers(self, batch_inputs, data_samples: Optional[List] = None) -> dict:
        """Fill the teacher recorders: replayed from ``teacher_cache`` when every sample of the
        batch is stored, else by running the teacher(s) (and storing what they recorded)."""
        run = partial(self.run_teachers, batch_inputs, data_samples)
        if self.teacher_cache is None:
            return run()
        views = [self.select_view(batch_inputs, v) for v in self.teacher_input_views()]
        return self.teacher_cache.record(self.distiller.teacher_recorders.recorders, data_samples,
                                         views, run)

    def loss(self, batch_inputs, data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        """Teacher pass (recorded) on the teacher view, student pass on the student view."""
        losses = dict()
        student_inputs = self.select_view(batch_inputs, self.student_view)

        self.distiller.set_deliveries_override(False)
        with self.distiller.teacher_recorders, self.distiller.deliveries:
            losses.update(self.record_teachers(batch_inputs, data_samples))

        self.distiller.set_deliveries_override(True)
        with self.distiller.student_recorders, self.distiller.deliveries:
            if self.calculate_student_loss:
                student_losses = self.student(student_inputs, data_samples, mode='loss')
                losses.update(add_prefix(student_losses, 'student'))
            elif self.student_trainable:
                self.student(student_inputs, data_samples, mode='tensor')
            else:
                with torch.no_grad():
                    self.student(student_inputs, data_samples, mode='tensor')

        if not self.distillation_stopped:
            losses.update(add_prefix(self.distiller.compute_distill_losses(), 'distill'))
        return losses

    def _forward(self, inputs, data_samples: Optional[List] = None):
        return self.student(
            self.select_view(inputs, self.student_view), data_samples, mode='tensor')

    def _predict(self, inputs, data_samples: Optional[List] = None):
        return self.student(
            self.select_view(inputs, self.student_view), data_samples, mode='predict')

    def teacher_val_step(self, data: Union[dict, tuple, list]) -> list:
        """Predict with the teacher on its own view (used by ``CrossModalDistillValLoop``)."""
        data = self.data_preprocessor(data, False)
        teacher, view = self.teacher, self.teacher_view
        if self.teacher_mode == 'group':
            name = self.teacher.eval_teacher
            teacher, view = getattr(self.teacher, name), self.teacher_views[name]
        return teacher(self.select_view(data['inputs'], view), data['data_samples'], mode='predict')

    def train(self, mode: bool = True) -> 'CrossModalDistill':
        super().train(mode)
        if not self.teacher_trainable:
            self.teacher.eval()
        return self

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]) -> Dict[str, torch.Tensor]:
        """``BaseModel.train_step``, or with an ``OptimWrapperDict`` one optimizer per part
        stepping after a single backward pass (``separate_train_step``)."""
        if isinstance(optim_wrapper, OptimWrapperDict):
            return separate_train_step(self, data, optim_wrapper, self._run_forward)
        return super().train_step(data, optim_wrapper)
