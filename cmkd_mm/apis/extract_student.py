"""Turn a distillation checkpoint into a plain downstream (mmdet / mmseg / mmpretrain) model.

:func:`extract_student` writes a checkpoint holding only the student's weights (``architecture.``
prefix removed, no teacher, no distiller, no optimizer) and, optionally, the student's config
(the distillation config with ``model`` replaced by the student and its input view), which
``mmseg.apis.init_model`` / ``mmdet.apis.init_detector`` / ``mmpretrain.apis.get_model`` and
``tools/test.py`` load like any other model.
"""
import copy
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import torch
from mmengine.config import Config

PREFIX = 'architecture.'
DISTILL_LOOPS = ('CrossModalDistillValLoop', 'SingleTeacherDistillValLoop')


def student_state_dict(state_dict: dict) -> OrderedDict:
    """Keep the student's weights (``architecture.*``) and strip the prefix."""
    out = OrderedDict((k[len(PREFIX):], v) for k, v in state_dict.items() if k.startswith(PREFIX))
    if not out:
        raise KeyError('no "architecture.*" weights in the checkpoint: is it a distillation '
                       'checkpoint (CrossModalDistill / SingleTeacherDistill)?')
    return out


def view_preprocessor(algo: dict, view: str) -> Optional[dict]:
    """The algorithm's data preprocessor config reading ``view`` only (a plain model's)."""
    preprocessor = algo.get('data_preprocessor')
    if preprocessor is None:
        return None
    preprocessor = copy.deepcopy(preprocessor)
    if preprocessor.get('type', '').endswith('MultiModalDataPreprocessor'):
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
    if str(teacher.get('type', '')).split('.')[-1] == 'TeacherGroup':
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
    """The distillation config with ``model`` replaced by the plain student."""
    cfg = copy.deepcopy(cfg)
    algo = cfg.model
    if 'architecture' not in algo:
        raise KeyError('the config\'s model has no "architecture": not a distillation config')
    student = copy.deepcopy(algo.architecture)
    if 'cfg_path' in student and 'type' not in student:
        raise ValueError('architecture given as cfg_path; inline the student model dict first')
    preprocessor = view_preprocessor(algo, algo.get('student_view', 'student'))
    if preprocessor is not None:
        student.data_preprocessor = preprocessor
    cfg.model = student
    cfg.pop('teacher_ckpt', None)
    val_cfg = cfg.get('val_cfg') or {}
    if any(str(val_cfg.get('type', '')).endswith(n) for n in DISTILL_LOOPS):
        cfg.val_cfg = dict(type='ValLoop')
    wrapper = cfg.get('model_wrapper_cfg') or {}
    if str(wrapper.get('type', '')).endswith('DistillDistributedDataParallel'):
        cfg.pop('model_wrapper_cfg')
    optim = cfg.get('optim_wrapper') or {}
    if 'architecture' in optim and 'SeparateOptimWrapperConstructor' in str(
            optim.get('constructor', '')):
        cfg.optim_wrapper = optim.architecture
        if isinstance(cfg.get('param_scheduler'), dict) and \
                'architecture' in cfg.param_scheduler:
            cfg.param_scheduler = cfg.param_scheduler.architecture
    return cfg


def measured_stats(cfg: Config, state_dict: dict) -> Config:
    """Write the statistics a run measured (``'auto'`` modalities, saved as buffers of the
    data preprocessor) into the config's ``modalities``, so the plain student is normalised as
    it was trained."""
    modalities = (cfg.model.get('data_preprocessor') or {}).get('modalities') or {}
    for name, stats in modalities.items():
        if stats != 'auto':
            continue
        keys = [f'data_preprocessor.{name}_{k}' for k in ('mean', 'std')]
        if not all(k in state_dict and state_dict[k].numel() for k in keys):
            raise KeyError(f"modality \"{name}\" has statistics 'auto' but the checkpoint "
                           f'holds none ({keys[0]}): was it trained with '
                           'ModalityStatsFromDataHook?')
        modalities[name] = dict(
            mean=state_dict[keys[0]].flatten().tolist(), std=state_dict[keys[1]].flatten().tolist())
    return cfg


def extract_student(config: str,
                    checkpoint: str,
                    out: str,
                    write_config: bool = True) -> Tuple[str, Optional[str]]:
    """Write the plain student checkpoint (and config).

    Args:
        config (str): Distillation config.
        checkpoint (str): Distillation checkpoint (Runner-saved).
        out (str): Output checkpoint path.
        write_config (bool): Also write ``<out without suffix>.py``.

    Returns:
        tuple: paths of the checkpoint and of the config (or None).
    """
    ckpt = torch.load(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    meta = dict(ckpt.get('meta', {}))
    meta.pop('message_hub', None)
    meta['distilled_from'] = osp.basename(checkpoint)
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    torch.save(dict(state_dict=student_state_dict(state), meta=meta), out)
    cfg_path = None
    if write_config:
        cfg_path = osp.splitext(out)[0] + '.py'
        measured_stats(student_config(Config.fromfile(config)), state).dump(cfg_path)
    return out, cfg_path
