"""Turn a distillation checkpoint into a plain downstream (mmdet / mmseg / mmpretrain) model.

:func:`extract_student` writes a checkpoint holding only the student's weights (``architecture.``
prefix removed, no teacher, no distiller, no optimizer) and, optionally, two configs:

* ``<out>.py``: the student's cmkd_mm config (:func:`~cmkd_mm.utils.config.student_config`: the
  distillation config with ``model`` replaced by the student and its input view, measured
  statistics written in), for cmkd_mm's ``tools/test.py`` on the dataset, fine-tuning, and
  ``MultiModalInferencer``;
* ``<out>_<library>.py`` (e.g. ``student_mmdet.py``), where the student's input allows it: the
  same model with the downstream library's loader and data preprocessor only
  (:func:`~cmkd_mm.deployment.plain_config.plain_config`), which ``DetInferencer`` /
  ``MMSegInferencer`` / ``ImageClassificationInferencer`` run without cmkd_mm. Where it does not,
  the result says why.
"""
import os
import os.path as osp
from collections import OrderedDict
from typing import NamedTuple, Optional

import torch
from mmengine.config import Config

from ..datasets.pipeline_inspection import dataset_metainfo
from ..utils.config import is_distillation, load_config, student_config
from .plain_config import LIBRARIES, SPLITS, NotPlainError, plain_config, student_modality

PREFIX = 'architecture.'


def student_state_dict(state_dict: dict) -> OrderedDict:
    """Keep the student's weights (``architecture.*``) and strip the prefix."""
    out = OrderedDict((k[len(PREFIX):], v) for k, v in state_dict.items() if k.startswith(PREFIX))
    if not out:
        raise KeyError('no "architecture.*" weights in the checkpoint: is it a distillation '
                       'checkpoint (CrossModalDistill / SingleTeacherDistill)?')
    return out


def deployable_config(config: str, state_dict: dict) -> Config:
    """The config of the model a checkpoint deploys: a distillation config's student (else the
    config's own model), with the statistics the run measured written in.

    Args:
        config (str): The config the checkpoint was trained with.
        state_dict (dict): The checkpoint's state dict.
    """
    cfg = load_config(config)
    return measured_stats(student_config(cfg) if is_distillation(cfg) else cfg, state_dict)


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


class StudentFiles(NamedTuple):
    """What :func:`extract_student` wrote."""
    checkpoint: str
    config: Optional[str] = None
    plain_config: Optional[str] = None
    why_not_plain: Optional[str] = None

    def describe(self) -> str:
        """What was written and how to run it, for the tools to print."""
        lines = [f'student checkpoint: {self.checkpoint}']
        if self.config:
            lines.append(f'student config:     {self.config} (cmkd_mm: tools/test.py, '
                         'MultiModalInferencer, tools/inference.py)')
        if self.plain_config:
            library = osp.splitext(self.plain_config)[0].rsplit('_', 1)[-1]
            lines.append(f'plain config:       {self.plain_config} (runs without cmkd_mm in '
                         f'{LIBRARIES[library]["inferencer"]})')
        elif self.why_not_plain:
            lines.append(f'no plain config: {self.why_not_plain}; run the student with '
                         'cmkd_mm.apis.MultiModalInferencer (tools/inference.py)')
        return '\n'.join(lines)


def write_student_configs(cfg: Config,
                          out_stem: str,
                          dataset_meta: Optional[dict] = None) -> StudentFiles:
    """Write a student's cmkd_mm config and, where its input allows, its plain config.

    Args:
        cfg (Config): The student's config, measured statistics written in.
        out_stem (str): Path without suffix: writes ``<out_stem>.py`` and
            ``<out_stem>_<library>.py``.
        dataset_meta (dict, optional): Classes and palette (the checkpoint's).

    Returns:
        StudentFiles: without the checkpoint (``''``).
    """
    cfg = Config(cfg.to_dict(), filename=cfg.filename)
    try:
        name, spec = student_modality(cfg)
        cfg.student_inputs = {name: spec}
    except NotPlainError:
        pass
    cfg_path = out_stem + '.py'
    cfg.dump(cfg_path)
    try:
        plain = plain_config(cfg, dataset_meta)
    except NotPlainError as error:
        return StudentFiles('', cfg_path, None, str(error))
    plain_path = f'{out_stem}_{cfg.default_scope}.py'
    plain.dump(plain_path)
    return StudentFiles('', cfg_path, plain_path, None)


def extract_student(config: str,
                    checkpoint: str,
                    out: str,
                    write_config: bool = True) -> StudentFiles:
    """Write the plain student checkpoint (and its configs).

    Args:
        config (str): Distillation config.
        checkpoint (str): Distillation checkpoint (Runner-saved).
        out (str): Output checkpoint path.
        write_config (bool): Also write ``<out without suffix>.py`` and, where the student's
            input allows, ``<out without suffix>_<library>.py``.

    Returns:
        StudentFiles: the paths written, and why no plain config was written (or None).
    """
    ckpt = torch.load(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    meta = dict(ckpt.get('meta', {}))
    meta.pop('message_hub', None)
    meta['distilled_from'] = osp.basename(checkpoint)
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    cfg = deployable_config(config, state)
    if not meta.get('dataset_meta'):  # the inferencers name the classes from the checkpoint
        meta.pop('dataset_meta', None)
        found = dataset_metainfo(cfg, SPLITS)
        if found:
            meta['dataset_meta'] = found
    weights = student_state_dict(state)
    if write_config:  # the configs hold the statistics (measured ones written in)
        weights = OrderedDict(
            (k, v) for k, v in weights.items() if not k.startswith('data_preprocessor.'))
    torch.save(dict(state_dict=weights, meta=meta), out)
    if not write_config:
        return StudentFiles(out)
    written = write_student_configs(cfg, osp.splitext(out)[0], meta.get('dataset_meta'))
    return written._replace(checkpoint=out)
