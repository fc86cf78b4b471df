"""Edits every recipe stage config gets: data root, options, from-scratch, seed, hand-overs.

The same ``--data-root`` and ``--cfg-options`` are applied to configs of different shapes: a
plain model has ``model.backbone``, a distillation model ``model.architecture.backbone`` and
``model.teacher.backbone``; a stage may have switched validation off (``val_dataloader=None``).
The functions here make one option valid for each of them.
"""
import os.path as osp
from typing import Any, Dict, Iterable, Optional

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

from ..utils.cfg_options import class_arguments, model_class, option_problem

SPLITS = ('train', 'val', 'test')


def _innermost_datasets(dataset: dict) -> Iterable[dict]:
    """The leaf datasets of a dataset config (through ``dataset`` / ``datasets`` wrappers)."""
    if 'dataset' in dataset and isinstance(dataset['dataset'], dict):
        yield from _innermost_datasets(dataset['dataset'])
    elif isinstance(dataset.get('datasets'), (list, tuple)):
        for item in dataset['datasets']:
            yield from _innermost_datasets(item)
    else:
        yield dataset


def set_data_root(cfg: Config, data_root: str) -> None:
    """Point every dataloader of ``cfg`` at ``data_root``.

    An evaluator's ``ann_file`` that is the loader's ``ann_file`` under the old data root (COCO
    metrics) moves along.

    Args:
        cfg (Config): A stage config, edited in place.
        data_root (str): The new data root.
    """
    for split in SPLITS:
        loader = cfg.get(f'{split}_dataloader')
        if not loader:
            continue
        evaluator = cfg.get(f'{split}_evaluator')
        for dataset in _innermost_datasets(loader.dataset):
            old_root, ann_file = dataset.get('data_root') or '', dataset.get('ann_file')
            dataset.data_root = data_root
            if isinstance(evaluator,
                          dict) and ann_file and evaluator.get('ann_file') and (osp.normpath(
                              evaluator.ann_file) == osp.normpath(osp.join(old_root, ann_file))):
                evaluator.ann_file = osp.join(data_root, ann_file)


def _model_takes(cfg: Config, argument: str) -> bool:
    """Whether the type of ``cfg.model`` takes ``argument`` (``teacher_ckpt`` of a
    distillation algorithm that the config leaves at its default)."""
    model = cfg.get('model')
    cls = model_class(model, cfg.get('default_scope')) if isinstance(model, dict) else None
    return cls is not None and argument in class_arguments(cls)


def route_options(cfg: Config,
                  options: Dict[str, Any],
                  name: str = '',
                  log: bool = True) -> Dict[str, Any]:
    """The options rewritten so that each is valid for ``cfg``.

    * An option of a part the config has switched off (``val_dataloader=None``...) is dropped.
    * ``model.X...`` goes where the config has ``X``: to ``model.X...`` itself; on a
      distillation config (``model.architecture``, no ``model.X``) to ``model.architecture.X...``
      and ``model.teacher.X...``, each that has ``X``; else to ``model.X...`` when the model's
      type takes ``X`` (``model.teacher_ckpt`` of a distillation config that leaves it out). A
      config that has ``X`` nowhere (a plain teacher given ``model.distiller...`` or
      ``model.teacher_ckpt``) does not get the option; the log says so.

    Args:
        cfg (Config): The stage config.
        options (dict): Flat ``key.path -> value`` options, as ``--cfg-options`` gives them.
        name (str): Stage name, for the log.
        log (bool): Log the options the stage does not get.

    Returns:
        dict: The options to merge.
    """
    routed, skipped = {}, []
    model = cfg.get('model') or {}
    for key, value in options.items():
        parts = key.split('.')
        if parts[0] in cfg and cfg[parts[0]] is None:
            continue
        if parts[0] != 'model' or len(parts) == 1 or parts[1] in model:
            routed[key] = value
            continue
        targets = [
            part for part in ('architecture', 'teacher')
            if isinstance(model.get(part), dict) and parts[1] in model[part]
        ]
        for part in targets:
            routed['.'.join(['model', part, *parts[1:]])] = value
        if not targets and _model_takes(cfg, parts[1]):
            routed[key] = value
        elif not targets:
            skipped.append(key)
    if skipped and log:
        print_log(
            f'{name or cfg.filename}: the model has no {", ".join(sorted(skipped))}; '
            'not applied to this stage',
            logger='current')
    return routed


def merge_options(cfg: Config, options: Optional[Dict[str, Any]], name: str = '') -> None:
    """Merge ``options`` into ``cfg`` through :func:`route_options` (in place)."""
    if options:
        cfg.merge_from_dict(route_options(cfg, dict(options), name))


def unread_option(cfg: Config, key: str) -> Optional[str]:
    """Why nothing in a stage config would read the option ``key`` once routed
    (:func:`route_options`), or None when something does or the part it sets is switched off.

    Args:
        cfg (Config): The stage config (before the option is merged).
        key (str): The dotted option.

    Returns:
        str or None: The problem, naming the option and the closest existing key
        (:func:`~cmkd_mm.utils.cfg_options.option_problem`).
    """
    routed = route_options(cfg, {key: None}, log=False)
    parts = key.split('.')
    if not routed:
        switched_off = parts[0] in cfg and cfg[parts[0]] is None
        return None if switched_off else option_problem(cfg, key)
    problems = [option_problem(cfg, k) for k in routed]
    return problems[0] if all(problems) else None


def _is_pretrained(init_cfg: Any) -> bool:
    return isinstance(init_cfg, dict) and 'Pretrained' in str(init_cfg.get('type', ''))


def strip_pretrained(node: Any) -> int:
    """Turn off every pretrained initialisation under ``node`` (in place); count them.

    Removes ``init_cfg`` entries whose type contains ``Pretrained`` (``Pretrained``,
    ``InflatedPretrained``...) and clears ``pretrained`` strings, at any depth.

    Args:
        node: A config (or part of one).
    """
    count = 0
    if isinstance(node, dict):
        for key in list(node.keys()):
            value = node[key]
            if key == 'init_cfg' and _is_pretrained(value):
                node[key] = None
                count += 1
            elif key == 'init_cfg' and isinstance(value, list) and any(map(_is_pretrained, value)):
                node[key] = [v for v in value if not _is_pretrained(v)] or None
                count += 1
            elif key == 'pretrained' and isinstance(value, str):
                node[key] = None
                count += 1
            else:
                count += strip_pretrained(value)
    elif isinstance(node, (list, tuple)):
        count += sum(strip_pretrained(v) for v in node)
    return count


def set_from_scratch(cfg: Config) -> None:
    """No pretrained weights anywhere: model initialisations and ``load_from`` (in place)."""
    count = strip_pretrained(cfg.get('model'))
    if cfg.get('load_from'):
        cfg.load_from = None
        count += 1
    if count:
        print_log(
            f'--from-scratch: {count} pretrained initialisation(s) turned off', logger='current')


def set_handover(cfg: Config, key: str, value: Any) -> None:
    """Set ``key`` (a dotted path) to an earlier stage's output.

    ``X.init_cfg.checkpoint`` sets ``X.init_cfg = dict(type='Pretrained', checkpoint=value)``,
    replacing whatever initialisation ``X`` had (a hand-over is the start of the model).

    Args:
        cfg (Config): The stage config, edited in place.
        key (str): Dotted path such as ``model.teacher_ckpt`` or ``load_from``.
        value: The value.
    """
    parts = key.split('.')
    if parts[-2:] == ['init_cfg', 'checkpoint']:
        parts, value = parts[:-1], ConfigDict(type='Pretrained', checkpoint=value)
    node = cfg
    for part in parts[:-1]:
        if isinstance(node, (list, tuple)):
            node = node[int(part)]
            continue
        if node.get(part) is None:
            node[part] = ConfigDict()
        node = node[part]
    if isinstance(node, (list, tuple)):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value


def switch_off_missing_val(cfg: Config, required: Iterable[str], name: str) -> bool:
    """Switch validation off when the val data is not on disk; tell whether it did.

    Args:
        cfg (Config): The stage config, edited in place.
        required (Iterable[str]): Paths relative to the val dataset's ``data_root`` that must
            exist (e.g. ``['val', 'validation_reference.csv']``).
        name (str): Stage name, for the log.
    """
    loader = cfg.get('val_dataloader')
    if not loader:
        return False
    root = next(iter(_innermost_datasets(loader.dataset))).get('data_root') or ''
    missing = [p for p in required if not osp.exists(osp.join(root, p))]
    if not missing:
        return False
    print_log(
        f'{name}: no val data ({", ".join(osp.join(root, p) for p in missing)} missing), '
        'validation switched off',
        logger='current')
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint')
    if checkpoint:
        checkpoint.save_best = None
    return True
