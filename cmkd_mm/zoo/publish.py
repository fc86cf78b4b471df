"""Checkpoints for release, named the OpenMMLab way (``<name>-<sha256[:8]>.pth``)."""
import os
import os.path as osp
from typing import NamedTuple, Optional

import torch

from ..deployment.extract_student import (StudentFiles, deployable_config, student_state_dict,
                                          write_student_configs)
from .download import sha256_of

# Checkpoint entries a released model does not need (mmengine's training state).
TRAINING_STATE = ('optimizer', 'param_schedulers', 'message_hub', 'ema_state_dict')


class Published(NamedTuple):
    """What :func:`publish_checkpoint` wrote."""
    path: str
    digest: str
    configs: Optional[StudentFiles] = None


def publish_checkpoint(src: str,
                       out: str,
                       student_only: bool = True,
                       config: Optional[str] = None) -> Published:
    """Write ``src`` for release as ``<out without .pth>-<sha256[:8]>.pth``.

    Keeps ``meta`` (without the message hub) and ``state_dict``; drops the optimizer, the
    schedulers and any other training state. A distillation checkpoint (``architecture.*``
    keys) keeps the student's weights only, without the prefix (the teacher and the distiller
    are not released with it), unless ``student_only=False``.

    With ``config`` (the config ``src`` was trained with), the released model's configs are
    written next to it, named like it: ``<name>.py`` (cmkd_mm's) and, where its input allows,
    ``<name>_<library>.py`` that the downstream inferencer runs without cmkd_mm
    (:func:`~cmkd_mm.deployment.extract_student.write_student_configs`); the statistics then
    live in the configs, not in the checkpoint.

    Args:
        src (str): A checkpoint saved by mmengine.
        out (str): Output name, with or without ``.pth``.
        student_only (bool): For a distillation checkpoint, keep the student only.
            Defaults to True.
        config (str, optional): The config of ``src``, to write the released configs.

    Returns:
        Published: the written path, its full sha256 and the configs written (or None).
    """
    ckpt = torch.load(src, map_location='cpu', weights_only=False)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise TypeError(f'{src}: not an mmengine checkpoint (no state_dict)')
    meta = {k: v for k, v in dict(ckpt.get('meta') or {}).items() if k not in TRAINING_STATE}
    cfg = None
    if config is not None:
        if not student_only:
            raise ValueError('configs are written for the released student; a whole algorithm '
                             '(student_only=False) is released with its training config')
        cfg = deployable_config(config, state)
    if student_only and any(k.startswith('architecture.') for k in state):
        state = student_state_dict(state)
        meta['distilled_from'] = osp.basename(src)
    if cfg is not None:  # the statistics are written into the configs
        state = {k: v for k, v in state.items() if not k.startswith('data_preprocessor.')}
    stem = out[:-4] if out.endswith('.pth') else out
    tmp = stem + '.publishing.pth'
    os.makedirs(osp.dirname(osp.abspath(tmp)), exist_ok=True)
    torch.save(dict(meta=meta, state_dict=state), tmp)
    digest = sha256_of(tmp)
    final = f'{stem}-{digest[:8]}.pth'
    os.replace(tmp, final)
    configs = None
    if cfg is not None:
        configs = write_student_configs(cfg, final[:-4],
                                        meta.get('dataset_meta'))._replace(checkpoint=final)
    return Published(final, digest, configs)
