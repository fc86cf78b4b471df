"""Config helpers every tool and API uses: load with ``--cfg-options``, tell a distillation
config from a plain one, and derive the plain model configs of its student and teachers."""
import copy
import os.path as osp
from typing import Dict, Optional, Union

from mmengine.config import Config

from .cfg_options import check_options
from .modality_pair import resolve_pair

ConfigLike = Union[str, Config]

DISTILL_LOOPS = ('CrossModalDistillValLoop', 'SingleTeacherDistillValLoop')
PREPROCESSOR = 'MultiModalDataPreprocessor'


def load_config(config: ConfigLike, cfg_options: Optional[dict] = None) -> Config:
    """A config (a file, or a copy of a loaded ``Config``) with ``cfg_options`` merged, as
    mmdet's tools do with ``--cfg-options``, and its sensor pair resolved
    (:func:`~cmkd_mm.utils.modality_pair.resolve_pair`: every ``'pair:<name>'`` reference
    replaced by its value, after the options, so that ``--cfg-options student_modalities=...``
    changes every field derived from it). An option that nothing would read (a typo in a key)
    is refused (:func:`~cmkd_mm.utils.cfg_options.check_options`).

    Args:
        config (str | Config): A config file or a loaded config (copied, never changed).
        cfg_options (dict, optional): ``key -> value`` merged with ``merge_from_dict``.

    Raises:
        KeyError: An option names a key nothing reads, naming it and the closest key.
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else copy.deepcopy(config)
    if cfg_options:
        check_options(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    return resolve_pair(cfg)


def config_name(config: ConfigLike) -> str:
    """The config file's name without folder and suffix (``'model'`` for an unnamed config)."""
    path = config if isinstance(config, str) else (config.filename or 'model')
    return osp.splitext(osp.basename(path))[0]


def set_work_dir(cfg: Config, config: str, work_dir: Optional[str] = None) -> Config:
    """Set ``cfg.work_dir`` as mmdet's tools do, in place: ``work_dir`` (``--work-dir``), else
    the config's own, else ``./work_dirs/<config name>``. ``tools/train.py``, ``tools/test.py``
    and ``cache_teacher.py`` share it, so a pre-pass fills the store training opens.

    Args:
        cfg (Config): The loaded config.
        config (str): Its file.
        work_dir (str, optional): The work dir given on the command line.
    """
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', config_name(config))
    return cfg


def type_name(module_cfg: Optional[dict]) -> str:
    """A module config's registered type without its scope (``'mmrazor.X'`` -> ``'X'``)."""
    return str((module_cfg or {}).get('type', '')).split('.')[-1]


def is_distillation(cfg: Config) -> bool:
    """Whether ``cfg.model`` is a distillation algorithm: an mmrazor algorithm around a student
    (``architecture``), such as ``CrossModalDistill`` or mmrazor's ``SingleTeacherDistill``."""
    return 'architecture' in cfg.model


def is_multimodal_preprocessor(preprocessor: Optional[dict]) -> bool:
    """Whether a data preprocessor config is cmkd_mm's ``MultiModalDataPreprocessor``."""
    return type_name(preprocessor) == PREPROCESSOR


def view_preprocessor(algo: dict, view: str) -> Optional[dict]:
    """The algorithm's data preprocessor config reading ``view`` only (a plain model's)."""
    preprocessor = algo.get('data_preprocessor')
    if preprocessor is None:
        return None
    preprocessor = copy.deepcopy(preprocessor)
    if is_multimodal_preprocessor(preprocessor):
        preprocessor.views = {view: preprocessor.views[view]}
        preprocessor.meta_view = view
    return preprocessor


def teacher_configs(cfg: Config) -> Dict[str, dict]:
    """``name -> model config`` of a distillation config's teachers, each reading its view.

    One teacher is named ``'teacher'``; the teachers of a ``TeacherGroup`` keep their names.
    """
    algo = cfg.model
    default_view = algo.get('teacher_view', 'teacher')
    teacher = algo.teacher
    if type_name(teacher) == 'TeacherGroup':
        from ..models.architectures.teacher_group import TeacherGroup
        specs = {
            name: (TeacherGroup.model_config(name, spec), spec.get('view') or default_view)
            for name, spec in teacher.teachers.items()
        }
    else:
        specs = dict(teacher=(teacher, default_view))
    out = {}
    for name, (model, view) in specs.items():
        model = copy.deepcopy(model)
        preprocessor = view_preprocessor(algo, view)
        if preprocessor is not None:
            model.data_preprocessor = preprocessor
        out[name] = model
    return out


def student_config(cfg: Config) -> Config:
    """The distillation config with ``model`` replaced by the plain student on its view, and
    the distillation-only parts (val loop, DDP wrapper, separate optimizers) made plain."""
    cfg = copy.deepcopy(cfg)
    algo = cfg.model
    if not is_distillation(cfg):
        raise KeyError('the config\'s model has no "architecture": not a distillation config')
    student = copy.deepcopy(algo.architecture)
    if 'cfg_path' in student and 'type' not in student:
        raise ValueError('architecture given as cfg_path; inline the student model dict first')
    preprocessor = view_preprocessor(algo, algo.get('student_view', 'student'))
    if preprocessor is not None:
        student.data_preprocessor = preprocessor
    cfg.model = student
    cfg.pop('teacher_ckpt', None)
    if type_name(cfg.get('val_cfg')) in DISTILL_LOOPS:
        cfg.val_cfg = dict(type='ValLoop')
    if type_name(cfg.get('model_wrapper_cfg')) == 'DistillDistributedDataParallel':
        cfg.pop('model_wrapper_cfg')
    optim = cfg.get('optim_wrapper') or {}
    if 'architecture' in optim and 'SeparateOptimWrapperConstructor' in str(
            optim.get('constructor', '')):
        cfg.optim_wrapper = optim.architecture
        if isinstance(cfg.get('param_scheduler'), dict) and \
                'architecture' in cfg.param_scheduler:
            cfg.param_scheduler = cfg.param_scheduler.architecture
    return cfg
