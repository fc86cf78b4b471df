"""Several frozen teachers, each with its own view, checkpoint and depth, as one teacher."""
import copy
from typing import Dict, Optional, Union

from mmengine.model import BaseModel
from mmrazor.registry import MODELS
from torch import nn

from ...utils.checkpoint import load_checkpoint_strict
from ...utils.config import load_config
from ...utils.config_paths import resolve_config_path

#: A teacher's own data preprocessor is not used (the algorithm's normalises every view), so
#: its buffers in the checkpoint (measured statistics) may be missing, unexpected or sized
#: otherwise.
TEACHER_SKIPPED = ('data_preprocessor.', )


def load_teacher(model: nn.Module, ckpt: str, option: str) -> None:
    """Load a frozen teacher's checkpoint strictly (every weight, with its shape) and mark the
    teacher initialised, so that ``init_weights`` does not overwrite it.

    Args:
        model (nn.Module): The teacher.
        ckpt (str): Its checkpoint (a path, ``cmkd://<model name>`` or a URL).
        option (str): The config option that gave ``ckpt``, for messages
            (``'model.teacher_ckpt'``).
    """
    load_checkpoint_strict(
        model,
        ckpt,
        skip_mismatched=TEACHER_SKIPPED,
        target=f'the teacher ({option})',
        fix=(f'Point {option} at a checkpoint trained with the teacher\'s config (its model '
             'must be the teacher of this config, input channels and classes included); '
             'distillation from a partly random teacher is refused.'))
    model._is_init = True


@MODELS.register_module()
class TeacherGroup(BaseModel):
    """Teachers of one distillation run, each a sub-module under its own name.

    ``CrossModalDistill(teacher=dict(type='TeacherGroup', teachers=...))`` runs every teacher
    on its own input view; the distiller's teacher recorders name a teacher by its prefix, e.g.
    ``source='loc.backbone'`` records the ``backbone`` of the teacher named ``loc``. One frozen
    teacher is the common case and needs none of this (``teacher=``, ``teacher_ckpt=``,
    ``teacher_view=``, ``teacher_mode=`` as before; the algorithm runs it as a group of one,
    see ``TeacherRunner``)::

        teacher=dict(
            type='TeacherGroup',
            teachers=dict(
                damage=dict(model=DAMAGE_MODEL, ckpt='damage_teacher.pth', view='damage'),
                loc=dict(
                    config='configs/building_damage/loc-teacher_unet-seresnext50_pre_xview2.py',
                    ckpt='loc_teacher.pth',
                    view='pre')))

    Args:
        teachers (dict): ``name -> dict(model=..., ckpt=None, view=None, mode=None)``:
            the model config (or ``config=``: a config file whose ``model`` is the teacher,
            e.g. the one it was trained with, found by ``resolve_config_path``; its data
            preprocessor is not used, the algorithm's is), its checkpoint (loaded here with
            every weight of the teacher, else an error: :func:`load_teacher`; None keeps the
            initial weights), the view of the data preprocessor it reads (default:
            the algorithm's ``teacher_view``) and how deep it runs (``'auto'``,
            ``'extract_feat'`` or ``'tensor'``; default: the algorithm's ``teacher_mode``, see
            ``CrossModalDistill``).
        eval_teacher (str, optional): The teacher that ``teacher_val_step`` evaluates (the
            ``teacher/`` metrics of ``CrossModalDistillValLoop``). Default: the first.
    """

    def __init__(self, teachers: Dict[str, dict], eval_teacher: Optional[str] = None) -> None:
        super().__init__()
        if not teachers:
            raise ValueError('TeacherGroup needs at least one teacher')
        self.views, self.modes, self.ckpts = {}, {}, {}
        for name, spec in teachers.items():
            if name in ('data_preprocessor', ) or '.' in name:
                raise ValueError(f'"{name}" cannot name a teacher')
            model = self.model_config(name, spec)
            self.add_module(name, MODELS.build(model) if isinstance(model, dict) else model)
            self.views[name] = spec.get('view')
            self.modes[name] = spec.get('mode')
            self.ckpts[name] = spec.get('ckpt')
            if self.ckpts[name]:
                load_teacher(
                    getattr(self, name), self.ckpts[name], f'model.teacher.teachers.{name}.ckpt')
        self.names = list(teachers)
        self.eval_teacher = eval_teacher or self.names[0]
        if self.eval_teacher not in self.names:
            raise ValueError(f'eval_teacher "{self.eval_teacher}" is not a teacher '
                             f'({self.names})')

    @staticmethod
    def model_config(name: str, spec: dict) -> Union[dict, BaseModel]:
        """The model (config) of teacher ``name`` from its ``spec``."""
        unknown = set(spec) - {'model', 'config', 'ckpt', 'view', 'mode'}
        if unknown or ('model' in spec) == ('config' in spec):
            raise ValueError(f'teacher "{name}": give dict(model=... or config=..., ckpt=..., '
                             f'view=..., mode=...), got keys {sorted(spec)}')
        if 'model' in spec:
            return spec['model']
        try:
            path = resolve_config_path(spec['config'])
        except FileNotFoundError as err:
            raise FileNotFoundError(f'teacher "{name}": {err}') from None
        cfg = load_config(path)
        model = copy.deepcopy(cfg.model)
        model.pop('data_preprocessor', None)
        scope = cfg.get('default_scope')
        if scope and '_scope_' not in model:
            model['_scope_'] = scope
        return model

    def members(self) -> Dict[str, BaseModel]:
        """``name -> teacher`` in declaration order."""
        return {name: getattr(self, name) for name in self.names}

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        raise RuntimeError('a TeacherGroup is run teacher by teacher by CrossModalDistill, '
                           'each on its own view')
