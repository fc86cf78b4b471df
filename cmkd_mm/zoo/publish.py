"""Checkpoints for release, named the OpenMMLab way (``<name>-<sha256[:8]>.pth``)."""
import os
import os.path as osp
from typing import Tuple

import torch

from ..deployment.extract_student import student_state_dict
from .download import sha256_of

# Checkpoint entries a released model does not need (mmengine's training state).
TRAINING_STATE = ('optimizer', 'param_schedulers', 'message_hub', 'ema_state_dict')


def publish_checkpoint(src: str, out: str, student_only: bool = True) -> Tuple[str, str]:
    """Write ``src`` for release as ``<out without .pth>-<sha256[:8]>.pth``.

    Keeps ``meta`` (without the message hub) and ``state_dict``; drops the optimizer, the
    schedulers and any other training state. A distillation checkpoint (``architecture.*``
    keys) keeps the student's weights only, without the prefix (the teacher and the distiller
    are not released with it), unless ``student_only=False``.

    Args:
        src (str): A checkpoint saved by mmengine.
        out (str): Output name, with or without ``.pth``.
        student_only (bool): For a distillation checkpoint, keep the student only.
            Defaults to True.

    Returns:
        tuple[str, str]: The written path and its full sha256.
    """
    ckpt = torch.load(src, map_location='cpu', weights_only=False)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise TypeError(f'{src}: not an mmengine checkpoint (no state_dict)')
    meta = {k: v for k, v in dict(ckpt.get('meta') or {}).items() if k not in TRAINING_STATE}
    if student_only and any(k.startswith('architecture.') for k in state):
        state = student_state_dict(state)
        meta['distilled_from'] = osp.basename(src)
    stem = out[:-4] if out.endswith('.pth') else out
    tmp = stem + '.publishing.pth'
    os.makedirs(osp.dirname(osp.abspath(tmp)), exist_ok=True)
    torch.save(dict(meta=meta, state_dict=state), tmp)
    digest = sha256_of(tmp)
    final = f'{stem}-{digest[:8]}.pth'
    os.replace(tmp, final)
    return final, digest
