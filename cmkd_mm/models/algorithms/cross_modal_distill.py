"""Cross-modal distillation: teacher and student see different views of one batch."""
import logging
from functools import partial
from typing import Dict, List, Optional, Union

import torch
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmrazor.models.algorithms import SingleTeacherDistill
from mmrazor.models.utils import add_prefix
from mmrazor.registry import MODELS

from ..architectures.teacher_group import load_teacher
from .separate_optim_step import separate_train_step
from .teacher_cache import TeacherOutputCache
from .teacher_runner import TeacherRunner

#: What the teacher-output cache cannot replay, and why.
CACHE_CONFLICTS = {
    'teacher_trainable=True':
    'teacher_cache replays a frozen teacher; it cannot be used with '
    'teacher_trainable=True',
    'distill_deliveries':
    'teacher_cache replays the teacher recorders only; this distiller '
    'also has deliveries (connectors of teacher and student runs): turn one of them off',
}


def teacher_cache_conflicts(teacher_trainable: bool, deliveries: bool) -> List[str]:
    """The settings of a distillation that the teacher-output cache cannot replay (keys of
    :data:`CACHE_CONFLICTS`; empty when there is none).

    Args:
        teacher_trainable (bool): The teacher is trained too.
        deliveries (bool): The distiller has deliveries.
    """
    return [
        name for name, on in (('teacher_trainable=True', teacher_trainable), ('distill_deliveries',
                                                                              deliveries)) if on
    ]


@MODELS.register_module()
class CrossModalDistill(SingleTeacherDistill):
    """Distillation where teacher and student take different input views.

    Built on mmrazor's ``SingleTeacherDistill``: the distiller (recorders, connectors, losses,
    deliveries) is mmrazor's. What changes:

    * ``teacher_ckpt`` is loaded strictly (``load_teacher``): every weight of the teacher with
      its shape, or an error naming the checkpoint, what does not fit and the config it seems
      to belong to. mmrazor loads what fits and warns, so a checkpoint of another architecture
      left a partly (or wholly) random teacher.
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
      the recorders under its name (``source='name.backbone'``) read. One teacher is run as a
      group of one (``TeacherRunner``, in ``self.teachers``).
    * ``teacher_cache=dict(memory_bytes=..., dtype='float32')`` (off by default) stores what the
      teacher recorders captured per sample and replays it when the same samples come again,
      skipping the teacher (``TeacherOutputCache``; ``custom_hooks=[dict(type=
      'TeacherCacheHook')]`` checks the pipeline, places the store and keeps it across resume).
    * ``train_step`` also accepts an ``OptimWrapperDict`` (``separate_train_step``) so that
      trainable distillation modules such as adversarial discriminators can have their own
      optimizer.

    Args:
        teacher_view (str): View name the teacher reads (the default of a group's teachers).
        student_view (str): View name the student reads.
        teacher_mode (str): How deep the teacher runs (the default of a group's teachers):
            ``'auto'`` (``extract_feat`` when every recorder of the teacher sits in the backbone
            or neck, else ``tensor``), ``'extract_feat'``, ``'tensor'`` or ``'loss'`` (only with
            ``teacher_trainable=True``, which implies it; the teacher's losses are then added
            with the ``teacher.`` prefix).
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
        teacher_ckpt = kwargs.pop('teacher_ckpt', None)
        super().__init__(**kwargs)  # without teacher_ckpt: mmrazor would load what fits only
        if teacher_ckpt:
            load_teacher(self.teacher, teacher_ckpt, 'model.teacher_ckpt')
        self.teacher_view = teacher_view
        self.student_view = student_view
        self.teachers = TeacherRunner(self.teacher, teacher_view, teacher_mode,
                                      self.distiller.teacher_recorders.recorders,
                                      self.teacher_trainable, teacher_ckpt)
        untrained = [t.name for t in self.teachers if not t.ckpt and t.mode != 'loss']
        if untrained:
            which = f' of teacher(s) {untrained}' if untrained != [''] else ''
            print_log(
                f'CrossModalDistill: no checkpoint{which} given, the frozen teacher keeps '
                'its initial weights (fine for smoke tests, not for distillation)',
                logger='current',
                level=logging.WARNING)
        views = getattr(self.data_preprocessor, 'views', None)
        if views is not None and len(views) > 1:
            roles = [(t.view_option, t.view) for t in self.teachers]
            for role, view in roles + [('student_view', student_view)]:
                if view not in views:
                    raise ValueError(f'{role} "{view}" is not a view of the data '
                                     f'preprocessor ({list(views)})')
        if not self.teacher_trainable:
            self.teacher.eval()
        self.teacher_cache = None
        if teacher_cache is not None:
            conflicts = teacher_cache_conflicts(self.teacher_trainable,
                                                bool(self.distiller.deliveries.deliveries))
            if conflicts:
                raise ValueError(CACHE_CONFLICTS[conflicts[0]])
            self.teacher_cache = TeacherOutputCache(**teacher_cache)

    @property
    def teacher_mode(self) -> str:
        """How deep the teacher pass runs: ``'extract_feat'``, ``'tensor'`` or ``'loss'``
        (``'auto'`` resolved; ``'auto'`` when the teachers of a group run at different
        depths, each as deep as its own recorders read)."""
        return self.teachers.mode

    def select_view(self, inputs: Union[torch.Tensor, Dict[str, torch.Tensor]],
                    view: str) -> torch.Tensor:
        """Pick ``view`` out of the preprocessed inputs."""
        if not isinstance(inputs, dict):
            return inputs
        if view not in inputs:
            raise KeyError(f'view "{view}" is not in the batch (views: {list(inputs)})')
        return inputs[view]

    def run_teachers(self, batch_inputs, data_samples: Optional[List] = None) -> dict:
        """Every teacher on its own view; the teacher's losses when it is trainable."""
        losses = dict()
        for teacher in self.teachers:
            losses.update(teacher(self.select_view(batch_inputs, teacher.view), data_samples))
        return losses

    def record_teachers(self, batch_inputs, data_samples: Optional[List] = None) -> dict:
        """Fill the teacher recorders: without ``teacher_cache`` by running the teacher(s); with
        it, replayed for the samples stored and run (then stored) for the others."""
        if self.teacher_cache is None:
            return self.run_teachers(batch_inputs, data_samples)
        views = {v: self.select_view(batch_inputs, v) for v in self.teachers.views}
        return self.teacher_cache.record(self.distiller.teacher_recorders.recorders, data_samples,
                                         list(views.values()),
                                         partial(self.run_teachers_on, views, data_samples))

    def run_teachers_on(self,
                        views: Dict[str, torch.Tensor],
                        data_samples: Optional[List],
                        indices: Optional[List[int]] = None) -> dict:
        """:meth:`run_teachers` on the samples at ``indices`` of the batch (all for None).

        Args:
            views (dict): ``view name -> batch`` of every view the teachers read.
            data_samples (list, optional): The batch's data samples.
            indices (list[int], optional): Positions in the batch.
        """
        if indices is not None:
            views = {v: x[indices] for v, x in views.items()}
            data_samples = [data_samples[i] for i in indices] if data_samples else data_samples
        return self.run_teachers(views, data_samples)

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
        teacher = self.teachers.evaluated
        return teacher.model(
            self.select_view(data['inputs'], teacher.view), data['data_samples'], mode='predict')

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
