"""The student's config for the downstream library alone, where its input allows one.

A student trained by cmkd_mm reads its sensor through ``LoadModalities`` and
``MultiModalDataPreprocessor``. When it reads *one image file per sample in a form a standard
loader reproduces exactly*, :func:`plain_config` rewrites its config with the downstream
library's own parts only, so that ``mmdet.apis.DetInferencer`` / ``init_detector``,
``mmseg.apis.MMSegInferencer`` / ``init_model`` and
``mmpretrain.apis.ImageClassificationInferencer`` run it in a process without cmkd_mm:

* loading: mmcv's ``LoadImageFromFile`` with ``color_type='unchanged'`` (the file's channels
  and bit depth, as ``LoadModalities`` reads them; 3 channels arrive in BGR order and the data
  preprocessor's ``bgr_to_rgb`` restores RGB), or ``'color'`` where the student keeps the
  colour channels ``[0, 1, 2]`` of an 8-bit file (an alpha channel dropped). mmpretrain's
  inferencer always reads 8-bit colour: a one-channel grey student takes one of the three
  equal channels (``RandomGrayscale`` with weights ``(1, 0, 0)``, exact for grey files);
* resizing: ``MultiModalResize`` becomes the library's ``Resize`` (same sizes, interpolation
  and scale factors), the transforms of an ``ApplyToModalities`` on the student's modality are
  used as they are; label loading and checks are left out (the config is for inference);
* normalisation: the library's data preprocessor with the student's statistics (configured,
  or measured ``'auto'`` ones written in by the caller) in the units the loader yields, and the
  padding of the training preprocessor's ``base``.

Everything else is refused with the reason, which :func:`~cmkd_mm.deployment.extract_student`
reports: several modalities per sample (xView2's pre + post), a channel of a multi-channel file
(MFNet's thermal channel of an RGBA PNG), grey converted from colour (``to_gray``: cv2's
rounding, which no standard loader reproduces exactly), an image resampled onto another
camera's frame (``RegisterModalities``), or a model class of cmkd_mm's (CEKD's EKNet).
Those students run with cmkd_mm's ``MultiModalInferencer``.
"""
import copy
from typing import Dict, List, Optional, Set, Tuple

from mmengine.config import Config, ConfigDict

from ..datasets.pipeline_inspection import (config_test_pipeline, dataset_metainfo,
                                            transform_checks, transform_loads, transform_name)
from ..utils.config import is_multimodal_preprocessor

#: What the plain config uses of each downstream library.
LIBRARIES = dict(
    mmdet=dict(
        preprocessor='DetDataPreprocessor',
        to_rgb='bgr_to_rgb',
        dataset='CocoDataset',
        visualizer='DetLocalVisualizer',
        vis_hook='DetVisualizationHook',
        inferencer='mmdet.apis.DetInferencer'),
    mmseg=dict(
        preprocessor='SegDataPreProcessor',
        to_rgb='bgr_to_rgb',
        dataset='BaseSegDataset',
        visualizer='SegLocalVisualizer',
        vis_hook='SegVisualizationHook',
        inferencer='mmseg.apis.MMSegInferencer'),
    mmpretrain=dict(
        preprocessor='ClsDataPreprocessor',
        to_rgb='to_rgb',
        dataset='CustomDataset',
        visualizer='UniversalVisualizer',
        vis_hook='VisualizationHook',
        inferencer='mmpretrain.apis.ImageClassificationInferencer'))

#: Where the classes of a student config are looked up, in order.
SPLITS = ('test', 'val', 'train')

#: Top-level keys of the student config that the plain config keeps as they are.
KEPT_KEYS = ('default_scope', 'env_cfg', 'log_level', 'launcher', 'randomness', 'test_cfg',
             'model_wrapper_cfg')


class NotPlainError(ValueError):
    """The student's input or model cannot be expressed with the downstream library alone."""


def cmkd_mm_type_names() -> Set[str]:
    """Names registered by cmkd_mm's classes that no other library registers.

    (A name registered by both, such as ``MultiModalDataPreprocessor`` of mmpretrain, counts as
    cmkd_mm's unless its type carries a downstream scope.)
    """
    import mmengine.registry.root as root
    from mmengine.registry import Registry

    ours, theirs = set(), set()

    def walk(registry: Registry) -> None:
        for name, obj in registry.module_dict.items():
            module = getattr(obj, '__module__', '') or ''
            (ours if module.split('.')[0] == 'cmkd_mm' else theirs).add(name)
        for child in registry.children.values():
            walk(child)

    for value in vars(root).values():
        if isinstance(value, Registry):
            walk(value)
    return ours


def cmkd_mm_types(cfg: dict, names: Optional[Set[str]] = None) -> List[str]:
    """The types in ``cfg`` (recursively) that only cmkd_mm registers.

    Args:
        cfg (dict): A config or part of one.
        names (set, optional): :func:`cmkd_mm_type_names` (computed when not given).
    """
    names = cmkd_mm_type_names() if names is None else names
    found = []

    def walk(node) -> None:
        if isinstance(node, dict):
            kind = node.get('type')
            if isinstance(kind, str):
                scope, _, bare = kind.rpartition('.')
                if bare in names and scope in ('', 'mmengine', 'cmkd_mm') and kind not in found:
                    found.append(kind)
            elif isinstance(kind, type) and kind.__module__.split('.')[0] == 'cmkd_mm':
                found.append(kind.__name__)
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(cfg)
    return found


def _library(cfg: Config) -> str:
    scope = cfg.get('default_scope')
    if scope not in LIBRARIES:
        raise NotPlainError(f'the config\'s default_scope is {scope!r}; a plain config is written '
                            f'for {sorted(LIBRARIES)}')
    return scope


def student_modality(cfg: Config) -> Tuple[str, dict]:
    """The one modality the student reads and its ``LoadModalities`` spec.

    Args:
        cfg (Config): A plain-model config (the student of a distillation config).

    Raises:
        NotPlainError: The student reads several modalities.
    """
    preprocessor = cfg.model.get('data_preprocessor') or {}
    views = preprocessor.get('views') or {}
    mods = [m for v in views.values() for m in ([v] if isinstance(v, str) else v)]
    if len(set(mods)) != 1:
        raise NotPlainError(f'the student reads {len(set(mods))} modalities per sample '
                            f'({", ".join(dict.fromkeys(mods))}); a standard loader reads one '
                            f'image')
    name = mods[0]
    load = _loader_of(cfg)
    if name not in load['modalities']:
        raise NotPlainError(f'LoadModalities of the test pipeline does not load "{name}"')
    return name, dict(load['modalities'][name] or {})


def _loader_of(cfg: Config) -> dict:
    for step in config_test_pipeline(cfg, required=False):
        if transform_name(step) == 'LoadModalities':
            return step
    raise NotPlainError('the test pipeline has no LoadModalities')


def channel_count(cfg: Config, name: str, spec: dict) -> Optional[int]:
    """How many channels the student's modality has, from its spec, its statistics or the
    model's first layer (None when none of them says)."""
    if spec.get('num_channels'):
        return int(spec['num_channels'])
    if spec.get('channels') is not None:
        return len(spec['channels'])
    stats = cfg.model.data_preprocessor['modalities'].get(name)
    if isinstance(stats, dict) and len(stats.get('mean') or []) > 1:
        return len(stats['mean'])
    in_channels = (cfg.model.get('backbone') or {}).get('in_channels')
    return int(in_channels) if in_channels else None


def loading_steps(name: str, spec: dict, channels: Optional[int],
                  library: str) -> Tuple[List[dict], bool]:
    """The downstream transforms that read what ``LoadModalities`` reads for ``name``.

    Returns:
        tuple: the transforms, and whether they yield BGR (3 channels swapped back to RGB by
        the data preprocessor).

    Raises:
        NotPlainError: No standard loader reads it exactly.
    """
    if spec.get('to_gray'):
        raise NotPlainError(
            f'"{name}" is read with to_gray={spec["to_gray"]}: colour files become grey with '
            f"cv2's rounding, which no standard loader reproduces exactly (declare "
            f'num_channels=1 for grey files, or num_channels=3 to keep the colour channels)')
    picked = spec.get('channels')
    depth = spec.get('bit_depth')
    if channels not in (1, 3):
        raise NotPlainError(f'"{name}" has {channels or "an unknown number of"} channel(s); the '
                            f'downstream data preprocessors take 1 or 3')
    if picked is not None and list(picked) not in ([0, 1, 2], [0]):
        raise NotPlainError(f'"{name}" reads channel(s) {list(picked)} of its file; a standard '
                            f'loader reads all of them or the colour channels 0-2')
    if picked is not None and list(picked) == [0] and library != 'mmpretrain':
        raise NotPlainError(f'"{name}" reads channel 0 of its file, which a standard loader '
                            f'reads only by converting colour to grey')
    if library == 'mmpretrain':
        # ImageClassificationInferencer reads every image with mmcv.imread: 8-bit BGR.
        if depth is None or depth > 8:
            raise NotPlainError(
                f'mmpretrain\'s ImageClassificationInferencer reads 8-bit colour only, and "{name}"'
                f' is {"of undeclared" if depth is None else f"{depth}-bit"} depth (declare '
                f'bit_depth=8 for 8-bit files)')
        load = [dict(type='LoadImageFromFile')]
        if channels == 1:  # channel 0 (R; 2 in BGR order), or any of a grey file's 3 copies
            load.append(dict(type='RandomGrayscale', prob=1.0, channel_weights=(0.0, 0.0, 1.0)))
        return load, channels == 3
    if picked is not None:  # colour channels of an 8-bit file (alpha dropped)
        if depth is None or depth > 8:
            raise NotPlainError(
                f'"{name}" keeps channels 0-2 of files of '
                f'{"undeclared" if depth is None else f"{depth}-bit"} depth; '
                f"mmcv's colour loader reads 8-bit files only (declare bit_depth=8)")
        return [dict(type='LoadImageFromFile', color_type='color')], True
    return [dict(type='LoadImageFromFile', color_type='unchanged')], channels == 3


def _resize(step: dict, name: str) -> dict:
    scale = (step.get('modality_scales') or {}).get(name, step.get('scale'))
    out = dict(
        type='Resize',
        keep_ratio=bool(step.get('keep_ratio', False)),
        interpolation=step.get('interpolation', 'bilinear'))
    if scale is not None:
        out['scale'] = tuple(scale)
    else:
        out['scale_factor'] = step['scale_factor']
    return out


def pipeline_steps(cfg: Config, name: str, spec: dict, library: str) -> Tuple[List[dict], bool]:
    """The plain inference pipeline of the student's test pipeline.

    Returns:
        tuple: the transforms, and whether the loader yields BGR.
    """
    out, bgr = [], False
    for step in config_test_pipeline(cfg, required=False):
        window = (step.get('windows') or {}).get(name)
        if transform_name(step) == 'RegisterModalities' and window is not None:
            raise NotPlainError(
                f'"{name}" is resampled onto the label frame of another camera '
                f'(RegisterModalities window {tuple(window)}), which no {library} transform does')
    for step in config_test_pipeline(cfg, required=False):
        kind = transform_name(step)
        if kind == 'LoadModalities':
            ref = step.get('ref_modality') or next(iter(step['modalities']))
            groups = step.get('same_size')
            spatial = library != 'mmpretrain'  # boxes and label maps live in a frame
            if spatial and ref != name and groups is not True and not any(
                    ref in g and name in g for g in (groups or [])):
                raise NotPlainError(
                    f'the labels are in the frame of "{ref}", not of the student\'s "{name}", and '
                    f'the two are not declared the same size (same_size)')
            steps, bgr = loading_steps(name, spec, channel_count(cfg, name, spec), library)
            out += steps
        elif kind == 'RegisterModalities':
            continue  # no window for the student's modality (refused above): nothing to do
        elif kind == 'MultiModalResize':
            out.append(_resize(step, name))
        elif kind == 'ApplyToModalities':
            mods = step['modalities']
            if name in ([mods] if isinstance(mods, str) else mods):
                out += [copy.deepcopy(t) for t in step['transforms']]
        elif kind == 'PackMultiModalInputs':
            if step.get('extra_seg_fields'):
                raise NotPlainError('the test pipeline packs extra label maps (extra_seg_fields)')
            packer = dict(copy.deepcopy(step['packer']))
            packer['type'] = transform_name(packer)
            if 'meta_keys' in packer:  # what a dataset adds (e.g. its boxes) is not there
                packer['meta_keys'] = tuple(k for k in packer['meta_keys'] if k != 'instances')
            out.append(packer)
        elif 'labels' in transform_loads(step) or 'labels' in transform_checks(step):
            continue  # label loading and checking: not part of inference
        else:
            raise NotPlainError(f'the test pipeline step {step.get("type")} has no {library} '
                                f'counterpart in the plain config')
    for step in out:  # the inferencers look transforms up by their bare names
        step['type'] = transform_name(step)
    return out, bgr


def data_preprocessor(cfg: Config, name: str, channels: int, bgr: bool, library: str) -> dict:
    """The downstream data preprocessor: the training ``base`` with the student's statistics."""
    multimodal = cfg.model.data_preprocessor
    stats = multimodal['modalities'][name]
    if not isinstance(stats, dict):
        raise NotPlainError(f'"{name}" has statistics {stats!r}: measure them first '
                            '(extract_student writes the measured ones in)')
    mean = [float(v) for v in stats.get('mean', [0.0])]
    std = [float(v) for v in stats.get('std', [1.0] * len(mean))]
    if len(mean) == 1:
        mean, std = mean * channels, std * channels
    if multimodal.get('failure'):
        raise NotPlainError('the data preprocessor simulates a failed sensor (failure)')
    base = dict(copy.deepcopy(multimodal.get('base') or {}))
    base['type'] = LIBRARIES[library]['preprocessor']
    base.update(mean=mean, std=std)
    if channels == 3:
        base[LIBRARIES[library]['to_rgb']] = bgr
    return base


def inference_model(model: dict, library: str) -> dict:
    """The model config for inference: no ``init_cfg`` / ``pretrained`` (the checkpoint holds
    every weight), and each training loss of cmkd_mm's replaced by the library's loss its class
    names as ``plain_counterpart`` (losses are not run at inference; cmkd_mm's config stays the
    one to train with)."""
    from mmengine.registry import MODELS
    model = copy.deepcopy(model)

    def walk(node):
        if isinstance(node, dict):
            node.pop('init_cfg', None)
            node.pop('pretrained', None)
            for key, value in list(node.items()):
                if key.startswith('loss') and isinstance(value, dict) and 'type' in value:
                    with MODELS.switch_scope_and_registry(library) as registry:
                        cls = registry.get(value['type'])
                    counterpart = getattr(cls, 'plain_counterpart', None)
                    if counterpart:
                        node[key] = dict(
                            type=counterpart, loss_weight=value.get('loss_weight', 1.0))
                walk(node[key])
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(model)
    return model


def plain_config(cfg: Config, dataset_meta: Optional[Dict] = None) -> Config:
    """The student's config with the downstream library's parts only.

    Args:
        cfg (Config): The student's config (a plain model on ``MultiModalDataPreprocessor``,
            e.g. :func:`~cmkd_mm.utils.config.student_config` of a distillation config), with
            measured statistics written in.
        dataset_meta (dict, optional): Classes (and palette) of the model, e.g. the
            checkpoint's ``meta['dataset_meta']``; default: the test dataset's ``metainfo``.

    Returns:
        Config: ``model``, ``test_pipeline`` (also in ``test_dataloader``, where the inferencers
        read it), the library's visualizer and visualisation hook, and ``student_inputs``
        (what the student reads, for cmkd_mm's input check).

    Raises:
        NotPlainError: What cannot be expressed, and why.
    """
    library = _library(cfg)
    if not is_multimodal_preprocessor(cfg.model.get('data_preprocessor')):
        raise NotPlainError('the model has no MultiModalDataPreprocessor: its config is not '
                            "a cmkd_mm student's")
    names = cmkd_mm_type_names()
    model = inference_model(cfg.model, library)
    ours = cmkd_mm_types(dict(model, data_preprocessor=None), names)
    if ours:
        raise NotPlainError(f'the student model uses cmkd_mm\'s {", ".join(ours)}')
    name, spec = student_modality(cfg)
    channels = channel_count(cfg, name, spec)
    pipeline, bgr = pipeline_steps(cfg, name, spec, library)
    model['data_preprocessor'] = data_preprocessor(cfg, name, channels, bgr, library)
    parts = LIBRARIES[library]
    metainfo = {
        k: v
        for k, v in dict(dataset_meta or dataset_metainfo(cfg, SPLITS)).items()
        if k in ('classes', 'palette')
    }
    plain = dict(
        model=model,
        test_pipeline=pipeline,
        test_dataloader=dict(
            batch_size=1,
            num_workers=2,
            persistent_workers=False,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type=parts['dataset'], metainfo=metainfo, pipeline=pipeline)),
        visualizer=dict(
            type=parts['visualizer'],
            vis_backends=[dict(type='LocalVisBackend')],
            name='visualizer'),
        default_hooks=dict(visualization=dict(type=parts['vis_hook'])),
        student_inputs={name: spec})
    plain.update({k: copy.deepcopy(cfg[k]) for k in KEPT_KEYS if k in cfg})
    left = cmkd_mm_types(plain, names)
    if left:
        raise NotPlainError(f'the config still needs cmkd_mm\'s {", ".join(left)}')
    return Config(ConfigDict(plain))
