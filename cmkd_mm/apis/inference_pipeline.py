"""The test pipeline of a config as inference runs it: on files a user gives, without labels,
loading only the modalities the model reads.

* Transforms that read labels or other files than images (``loads``), check labels
  (``checks``; see ``datasets/pipeline_inspection.py``) or build training targets from loaded
  labels (:data:`TARGET_BUILDERS`) are left out: a user's image has no label file.
* ``LoadModalities`` loads the modalities the model's data preprocessor reads, each with its spec
  from the config's ``student_inputs`` when it has one, else from the pipeline's own
  ``LoadModalities``; its ``ref_modality`` becomes the first modality read when the configured
  one is not read, and ``same_size`` keeps the groups of modalities read.
* A transform given a list of ``modalities`` (``ApplyToModalities``, ``PackMultiModalInputs``)
  keeps those read; one acting only on modalities not read is left out.

Every other transform (resizing, registration, packing) runs as configured.
"""
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config

from ..datasets.pipeline_inspection import (config_test_pipeline, transform_checks, transform_loads,
                                            transform_name)

#: Transforms that build training targets from labels loaded before them. They declare no
#: ``loads`` / ``checks`` (they read no file), so they are named here.
TARGET_BUILDERS = ('XView2Targets', )
LOADER = 'LoadModalities'
PACKER = 'PackMultiModalInputs'


def needs_labels(transform: dict) -> bool:
    """Whether a transform config reads, checks or turns labels into targets.

    Args:
        transform (dict): Transform config.
    """
    loads = transform_loads(transform)
    return (any(kind != 'images' for kind in loads) or bool(transform_checks(transform))
            or transform_name(transform) in TARGET_BUILDERS)


def is_multimodal_pipeline(pipeline: Sequence[dict]) -> bool:
    """Whether a pipeline loads its images with ``LoadModalities``."""
    return any(transform_name(t) == LOADER for t in pipeline)


def _restrict_loader(transform: dict, modalities: Sequence[str],
                     student_inputs: Optional[Dict[str, dict]]) -> dict:
    specs = student_inputs or transform['modalities']
    where = 'student_inputs' if student_inputs else f'the test pipeline\'s {LOADER}'
    missing = [m for m in modalities if m not in specs]
    if missing:
        raise KeyError(f'the model reads the modalities {list(modalities)} but {where} has no '
                       f'spec for {missing} (it has {sorted(specs)}); add it there.')
    transform['modalities'] = {m: dict(specs[m] or {}) for m in modalities}
    if transform.get('ref_modality') not in modalities:
        transform['ref_modality'] = modalities[0]
    same_size = transform.get('same_size')
    if isinstance(same_size, (list, tuple)):
        groups = [[m for m in group if m in modalities] for group in same_size]
        transform['same_size'] = [g for g in groups if len(g) > 1] or False
    return transform


def inference_pipeline(cfg: Config, modalities: Sequence[str]) -> List[dict]:
    """The config's test pipeline for unlabelled files of ``modalities``.

    Args:
        cfg (Config): A config whose test pipeline starts with ``LoadModalities`` (its default
            scope set, so that transform names resolve).
        modalities (Sequence[str]): The modalities the model reads, in its order.

    Returns:
        list[dict]: Transform configs.
    """
    pipeline = config_test_pipeline(cfg)
    if not is_multimodal_pipeline(pipeline):
        raise ValueError(f'{cfg.filename or "the config"}: the test pipeline has no {LOADER}; a '
                         'config that loads images with LoadImageFromFile runs with the '
                         'downstream inferencer (cmkd_mm.apis.inferencer_for picks it).')
    out = []
    for transform in pipeline:
        if needs_labels(transform):
            continue
        name = transform_name(transform)
        if name == LOADER:
            transform = _restrict_loader(transform, modalities, cfg.get('student_inputs'))
        elif isinstance(transform.get('modalities'), (list, tuple)):
            kept = [m for m in transform['modalities'] if m in modalities]
            if kept:
                transform['modalities'] = kept
            elif name == PACKER:
                transform.pop('modalities')  # pack what is loaded
            else:
                continue  # it acts on modalities the model does not read
        out.append(transform)
    return out
