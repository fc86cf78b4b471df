"""Turn a distillation checkpoint into a plain downstream (mmdet / mmseg / mmpretrain) model.

:func:`extract_student` writes a checkpoint holding only the student's weights (``architecture.``
prefix removed, no teacher, no distiller, no optimizer) and, optionally, the student's config
(:func:`~cmkd_mm.utils.config.student_config`: the distillation config with ``model``
replaced by the student and its input view), which
``mmseg.apis.init_model`` / ``mmdet.apis.init_detector`` / ``mmpretrain.apis.get_model`` and
``tools/test.py`` load like any other model.
"""
import os
import os.path as osp
from collections import OrderedDict
from typing import Optional, Tuple

import torch
from mmengine.config import Config

from ..utils.config import load_config, student_config

PREFIX = 'architecture.'


def student_state_dict(state_dict: dict) -> OrderedDict:
    """Keep the student's weights (``architecture.*``) and strip the prefix."""
    out = OrderedDict((k[len(PREFIX):], v) for k, v in state_dict.items() if k.startswith(PREFIX))
    if not out:
        raise KeyError('no "architecture.*" weights in the checkpoint: is it a distillation '
                       'checkpoint (CrossModalDistill / SingleTeacherDistill)?')
    return out


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
        measured_stats(student_config(load_config(config)), state).dump(cfg_path)
    return out, cfg_path
