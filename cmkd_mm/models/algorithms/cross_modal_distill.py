"""Cross-modal distillation: teacher and student see different views of one batch."""
import logging
from contextlib import ExitStack
from typing import Callable, Dict, List, Optional, Union

import torch
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict
from mmrazor.models.algorithms import SingleTeacherDistill
from mmrazor.models.task_modules.recorder import ModuleInputsRecorder, ModuleOutputsRecorder
from mmrazor.models.utils import add_prefix
from mmrazor.registry import MODELS

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
    * ``train_step`` also accepts an ``OptimWrapperDict`` (e.g. ``architecture`` and ``distiller``
      keys from ``mmrazor.SeparateOptimWrapperConstructor``) so trainable distillation modules such
      as adversarial discriminators can have their own optimizer.

    Args:
        teacher_view (str): View name the teacher reads.
        student_view (str): View name the student reads.
        teacher_mode (str): ``'auto'`` (``extract_feat`` when every teacher recorder sits in the
            backbone or neck, else ``tensor``), ``'extract_feat'``, ``'tensor'`` or ``'loss'``
            (only with ``teacher_trainable=True``; the teacher's losses are then added with the
            ``teacher.`` prefix).
        **kwargs: ``SingleTeacherDistill`` arguments (``architecture``, ``teacher``,
            ``teacher_ckpt``, ``distiller``, ``teacher_trainable``, ``data_preprocessor``, ...).
    """

    def __init__(self,
                 teacher_view: str = 'teacher',
                 student_view: str = 'student',
                 teacher_mode: str = 'auto',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if kwargs.get('teacher_ckpt') is None and not self.teacher_trainable:
            print_log('CrossModalDistill: no teacher_ckpt given, the frozen teacher keeps its '
                      'initial weights (fine for smoke tests, not for distillation)',
                      logger='current', level=logging.WARNING)
        if teacher_mode not in TEACHER_MODES:
            raise ValueError(f'teacher_mode must be one of {TEACHER_MODES}, got {teacher_mode!r}')
        if self.teacher_trainable:
            teacher_mode = 'loss'
        elif teacher_mode == 'loss':
            raise ValueError('teacher_mode="loss" computes teacher losses; it needs '
                             'teacher_trainable=True')
        elif teacher_mode == 'auto':
            teacher_mode = self._auto_teacher_mode()
        self.teacher_mode = teacher_mode
        self.teacher_view = teacher_view
        self.student_view = student_view
        views = getattr(self.data_preprocessor, 'views', None)
        if views is not None and len(views) > 1:
            for role, view in (('teacher', teacher_view), ('student', student_view)):
                if view not in views:
                    raise ValueError(f'{role}_view "{view}" is not a view of the data '
                                     f'preprocessor ({list(views)})')
        if not self.teacher_trainable:
            self.teacher.eval()

    def _auto_teacher_mode(self) -> str:
        recorders = self.distiller.teacher_recorders.recorders.values()
        in_features = all(
            isinstance(r, (ModuleOutputsRecorder, ModuleInputsRecorder))
            and r.source.split('.')[0] in FEATURE_MODULES for r in recorders)
        if recorders and in_features and hasattr(self.teacher, 'extract_feat'):
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

    def run_teacher(self, inputs: torch.Tensor, data_samples: Optional[List] = None):
        """Run the teacher as deep as the distiller needs."""
        if self.teacher_mode == 'extract_feat':
            return self.teacher.extract_feat(inputs)
        return self.teacher(inputs, data_samples, mode=self.teacher_mode)

    def loss(self, batch_inputs, data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        """Teacher pass (recorded) on the teacher view, student pass on the student view."""
        losses = dict()
        teacher_inputs = self.select_view(batch_inputs, self.teacher_view)
        student_inputs = self.select_view(batch_inputs, self.student_view)

        self.distiller.set_deliveries_override(False)
        with self.distiller.teacher_recorders, self.distiller.deliveries:
            if self.teacher_trainable:
                losses.update(add_prefix(self.run_teacher(teacher_inputs, data_samples),
                                         'teacher'))
            else:
                with torch.no_grad():
                    self.run_teacher(teacher_inputs, data_samples)

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
        return self.student(self.select_view(inputs, self.student_view), data_samples,
                            mode='tensor')

    def _predict(self, inputs, data_samples: Optional[List] = None):
        return self.student(self.select_view(inputs, self.student_view), data_samples,
                            mode='predict')

    def teacher_val_step(self, data: Union[dict, tuple, list]) -> list:
        """Predict with the teacher on its own view (used by ``CrossModalDistillValLoop``)."""
        data = self.data_preprocessor(data, False)
        return self.teacher(self.select_view(data['inputs'], self.teacher_view),
                            data['data_samples'], mode='predict')

    def train(self, mode: bool = True) -> 'CrossModalDistill':
        super().train(mode)
        if not self.teacher_trainable:
            self.teacher.eval()
        return self

    # --- separate optimizers (OptimWrapperDict) ---------------------------------------------
    def separate_optim_context(self, optim_wrapper: OptimWrapperDict) -> ExitStack:
        """Enter every wrapper's ``optim_context`` (autocast, gradient accumulation)."""
        stack = ExitStack()
        for name, wrapper in optim_wrapper.items():
            if isinstance(wrapper, AmpOptimWrapper):
                raise NotImplementedError(
                    f'optim_wrapper["{name}"] is an AmpOptimWrapper: mixed precision with '
                    f'separate optimizers is not supported (each would scale the shared loss '
                    f'differently); train jointly with one optimizer to use --amp')
            stack.enter_context(wrapper.optim_context(getattr(self, name, self)))
        return stack

    @staticmethod
    def update_separate(loss: torch.Tensor, optim_wrapper: OptimWrapperDict) -> None:
        """One backward pass, then every optimizer steps on its own parameters.

        Gradient reversal already gives the student and the discriminators opposite directions,
        so a single backward pass serves both, as in the joint case.
        """
        loss.backward()
        for wrapper in optim_wrapper.values():
            wrapper.step()
            wrapper.zero_grad()

    def separate_train_step(self, data: Union[dict, tuple, list],
                            optim_wrapper: OptimWrapperDict,
                            run_forward: Callable) -> Dict[str, torch.Tensor]:
        """A training step with one optimizer per part (``OptimWrapperDict``).

        Args:
            data (dict | tuple | list): A batch from the dataloader.
            optim_wrapper (OptimWrapperDict): e.g. ``architecture`` and ``distiller``.
            run_forward (callable): ``run_forward(data, mode='loss')``; the algorithm's own
                ``_run_forward``, or a DDP wrapper's so that its gradients are reduced.
        """
        with self.separate_optim_context(optim_wrapper):
            data = self.data_preprocessor(data, True)
            losses = run_forward(data, mode='loss')
        parsed_loss, log_vars = self.parse_losses(losses)
        self.update_separate(parsed_loss, optim_wrapper)
        return log_vars

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]) -> Dict[str, torch.Tensor]:
        if not isinstance(optim_wrapper, OptimWrapperDict):
            return super().train_step(data, optim_wrapper)
        return self.separate_train_step(data, optim_wrapper, self._run_forward)
