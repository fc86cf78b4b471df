"""The teachers of a distillation algorithm as they run: each on its view, only as deep as the
distiller's teacher recorders read.

One teacher is a group of one: ``teacher=``, ``teacher_view=`` and ``teacher_mode=`` of
``CrossModalDistill`` describe it; a ``TeacherGroup`` describes each of its teachers, whose view
and mode default to the algorithm's. Either way :class:`TeacherRunner` holds one
:class:`Teacher` per model, so that the algorithm runs, routes and caches them alike. Neither
class is an ``nn.Module``: the models stay where the config put them, and so do the state-dict
keys (``teacher.backbone...`` for one teacher, ``teacher.<name>.backbone...`` for a group).
"""
from typing import Dict, Iterator, List, Optional

import torch
from mmrazor.models.task_modules.recorder import ModuleInputsRecorder, ModuleOutputsRecorder
from mmrazor.models.utils import add_prefix
from torch import nn

from ..architectures.teacher_group import TeacherGroup

TEACHER_MODES = ('auto', 'extract_feat', 'tensor', 'loss')
#: The modes of a frozen teacher (``'loss'`` is for a trainable one).
FROZEN_MODES = ('auto', 'extract_feat', 'tensor')
#: Modules that ``extract_feat`` runs in mmdet detectors, mmseg segmentors and mmpretrain
#: classifiers.
FEATURE_MODULES = ('backbone', 'neck')


def teacher_depth(mode: str, model: nn.Module, recorders: Dict[str, object], prefix: str) -> str:
    """How deep a frozen teacher runs: ``mode``, or for ``'auto'``, ``'extract_feat'`` when
    every teacher recorder under ``prefix`` sits in the backbone or neck, else ``'tensor'``.

    Args:
        mode (str): ``'auto'``, ``'extract_feat'`` or ``'tensor'``.
        model (nn.Module): The teacher.
        recorders (dict): ``name -> recorder``, the distiller's teacher recorders.
        prefix (str): The teacher's name in its group and a dot; ``''`` for one teacher.
    """
    if mode not in FROZEN_MODES:
        raise ValueError(f'mode of a frozen teacher must be one of {FROZEN_MODES}, got {mode!r}')
    if mode != 'auto':
        return mode
    mine = [r for r in recorders.values() if getattr(r, 'source', '').startswith(prefix)]
    in_features = all(
        isinstance(r, (ModuleOutputsRecorder, ModuleInputsRecorder))
        and r.source[len(prefix):].split('.')[0] in FEATURE_MODULES for r in mine)
    if mine and in_features and hasattr(model, 'extract_feat'):
        return 'extract_feat'
    return 'tensor'


class Teacher:
    """One teacher as it runs.

    Args:
        name (str): Its name in a ``TeacherGroup``; ``''`` for the algorithm's one teacher.
        model (nn.Module): The teacher model.
        view (str): The view of the data preprocessor it reads.
        mode (str): ``'extract_feat'`` or ``'tensor'`` (frozen: runs under ``torch.no_grad``
            and returns no loss) or ``'loss'`` (trainable: returns its losses, prefixed
            ``teacher.``).
        ckpt (str, optional): The checkpoint it was loaded from, if any.
    """

    def __init__(self,
                 name: str,
                 model: nn.Module,
                 view: str,
                 mode: str,
                 ckpt: Optional[str] = None) -> None:
        self.name, self.model, self.view, self.mode, self.ckpt = name, model, view, mode, ckpt

    @property
    def view_option(self) -> str:
        """The config option that chose its view, for messages."""
        return f'teacher "{self.name}": view' if self.name else 'teacher_view'

    def __call__(self, inputs: torch.Tensor, data_samples: Optional[list] = None) -> dict:
        """Run on ``inputs`` (its view) into the recorders; its losses when trainable."""
        if self.mode == 'loss':
            return add_prefix(self.model(inputs, data_samples, mode='loss'), 'teacher')
        with torch.no_grad():
            if self.mode == 'extract_feat':
                self.model.extract_feat(inputs)
            else:
                self.model(inputs, data_samples, mode=self.mode)
        return {}


class TeacherRunner:
    """The algorithm's teacher, one model or a ``TeacherGroup``, as a list of :class:`Teacher`.

    Args:
        teacher (nn.Module): The algorithm's teacher.
        view (str): ``teacher_view``: the view of one teacher, the default of a group's.
        mode (str): ``teacher_mode``: the mode of one teacher, the default of a group's.
        recorders (dict): ``name -> recorder``, the distiller's teacher recorders.
        trainable (bool): ``teacher_trainable``: one teacher then runs with ``'loss'``.
        ckpt (str, optional): ``teacher_ckpt`` of one teacher (a group loads its own).
    """

    def __init__(self,
                 teacher: nn.Module,
                 view: str,
                 mode: str,
                 recorders: Dict[str, object],
                 trainable: bool = False,
                 ckpt: Optional[str] = None) -> None:
        if mode not in TEACHER_MODES:
            raise ValueError(f'teacher_mode must be one of {TEACHER_MODES}, got {mode!r}')
        if isinstance(teacher, TeacherGroup):
            if trainable:
                raise ValueError('a TeacherGroup is frozen: teacher_trainable must be False')
            members = [(name, model, teacher.views[name], teacher.modes[name], teacher.ckpts[name])
                       for name, model in teacher.members().items()]
            self.evaluated_name = teacher.eval_teacher
        else:
            if mode == 'loss' and not trainable:
                raise ValueError('teacher_mode="loss" computes teacher losses; it needs '
                                 'teacher_trainable=True')
            members = [('', teacher, None, 'loss' if trainable else mode, ckpt)]
            self.evaluated_name = ''
        self.teachers: List[Teacher] = []
        for name, model, own_view, own_mode, own_ckpt in members:
            if not trainable:
                own_mode = teacher_depth(own_mode or mode, model, recorders,
                                         name + '.' if name else '')
            self.teachers.append(Teacher(name, model, own_view or view, own_mode, own_ckpt))

    def __iter__(self) -> Iterator[Teacher]:
        return iter(self.teachers)

    def __len__(self) -> int:
        return len(self.teachers)

    @property
    def evaluated(self) -> Teacher:
        """The teacher that ``teacher_val_step`` evaluates (a group's ``eval_teacher``)."""
        return next(t for t in self.teachers if t.name == self.evaluated_name)

    @property
    def views(self) -> List[str]:
        """The views the teachers read, sorted."""
        return sorted({t.view for t in self.teachers})

    @property
    def mode(self) -> str:
        """How deep the teachers run: their mode when they share one, else ``'auto'`` (each as
        deep as its own recorders read)."""
        modes = {t.mode for t in self.teachers}
        return modes.pop() if len(modes) == 1 else 'auto'
