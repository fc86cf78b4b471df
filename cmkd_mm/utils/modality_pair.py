"""A sensor pair declared once: every modality-dependent field of a config derives from four names.

A pairing config (usually its data base) states, at the top level::

    modalities = dict(                      # every modality the models read: LoadModalities specs
        rgb=dict(num_channels=3, bit_depth=8),
        ir=dict(num_channels=1, bit_depth=8))
    teacher_modalities = ['rgb', 'ir']      # the teacher's input, in channel order
    student_modalities = ['ir']             # the student's input
    modality_stats = 'auto'                 # or dict(rgb=dict(mean=[...], std=[...]), ir=...)

and the method bases (``configs/_base_/methods/``), which know no data, write the fields that
depend on the pair as references, strings ``'pair:<name>'``. :func:`resolve_pair` replaces each
reference by its value when the config is loaded (``load_config``, ``tools/train.py``,
``tools/test.py``, the recipes); the config a run dumps in its work dir holds the values, so the
downstream libraries' own tools read it as any config. The references:

=============================== =============================================================
``pair:teacher_modalities``     ``teacher_modalities``
``pair:student_modalities``     ``student_modalities``
``pair:modalities``             ``LoadModalities`` specs of the teacher's and the student's
                                modalities, in the order ``modalities`` declares them
                                (the first is the reference modality)
``pair:modality_stats``         the statistics of those modalities, in the order
                                ``modality_stats`` gives them (``'auto'`` for each when
                                ``modality_stats='auto'``: measured on the training set)
``pair:teacher_channels``       input channels of the teacher (sum of its modalities' channels)
``pair:student_channels``       input channels of the student
``pair:teacher_split_channels`` input channels of each teacher modality, in teacher order (the
                                split of a backbone with one stream per modality)
``pair:classes``                ``classes`` (optional declaration: the class names, in label
                                order, which the data base also gives its datasets)
``pair:num_classes``            the number of ``classes``
=============================== =============================================================

Swapping a pair is then a change of those four names; nothing inherited needs ``_delete_``.
Only the declared modalities are used, so names a base declares but the pair does not use
(e.g. after inheriting another pair's statistics) are left out. When the statistics are
``'auto'``, ``ModalityStatsFromDataHook`` (which measures them before training) is added to
``custom_hooks`` unless the config has it.
"""
from typing import Any, Dict, List, Tuple

from mmengine.config import Config, ConfigDict

PREFIX = 'pair:'
#: Measures the ``'auto'`` statistics on the training set; added when a pair needs it.
STATS_HOOK = 'ModalityStatsFromDataHook'
DECLARED = ('modalities', 'teacher_modalities', 'student_modalities', 'modality_stats', 'classes')


def is_pair_reference(value: Any) -> bool:
    """Whether ``value`` is an unresolved ``'pair:<name>'`` reference."""
    return isinstance(value, str) and value.startswith(PREFIX)


def _names(cfg: Config, key: str) -> List[str]:
    names = cfg.get(key)
    if names is None:
        raise KeyError(f'{key} is not set: a config using pair references ("pair:...") must '
                       f"declare {key} at the top level, e.g. {key} = ['rgb', 'ir'].")
    if isinstance(names, str):
        names = [names]
    names = list(names)
    if not names or not all(isinstance(n, str) for n in names):
        raise ValueError(f'{key} must be a non-empty list of modality names, got {names!r}')
    return names


def _channels(spec: dict, name: str) -> int:
    if spec.get('num_channels') is not None:
        return int(spec['num_channels'])
    to_gray = spec.get('to_gray')
    if to_gray:
        return 1 if to_gray is True else int(to_gray)
    if spec.get('channels') is not None:
        return len(spec['channels'])
    raise ValueError(f'modalities.{name} gives no channel count: add num_channels (e.g. '
                     f'{name}=dict(num_channels=1, bit_depth=8)), or channels=[...].')


def pair_values(cfg: Config) -> Dict[str, Any]:
    """The value of every ``'pair:<name>'`` reference, from the config's declared names.

    Args:
        cfg (Config): A config declaring ``modalities``, ``teacher_modalities``,
            ``student_modalities`` and ``modality_stats`` at the top level.

    Returns:
        dict: ``name -> value`` (plain dicts and lists).
    """
    teacher = _names(cfg, 'teacher_modalities')
    student = _names(cfg, 'student_modalities')
    used = list(dict.fromkeys(teacher + student))
    specs = cfg.get('modalities')
    if not isinstance(specs, dict):
        raise KeyError('modalities is not set: declare every modality the models read with its '
                       'LoadModalities spec, e.g. modalities = dict(rgb=dict(num_channels=3, '
                       'bit_depth=8), ir=dict(num_channels=1, bit_depth=8)).')
    undeclared = [m for m in used if m not in specs]
    if undeclared:
        raise ValueError(f'teacher_modalities/student_modalities name {undeclared}, which '
                         f'modalities does not declare (it has {list(specs)}). Add them to '
                         f'modalities or fix the names.')
    # Declaration order (the first LoadModalities entry is the reference modality).
    specs = {m: dict(specs[m] or {}) for m in specs if m in used}
    stats = cfg.get('modality_stats', 'auto')
    if stats == 'auto':
        stats = {m: 'auto' for m in specs}
    elif isinstance(stats, dict):
        lacking = [m for m in used if m not in stats]
        if lacking:
            raise ValueError(f'modality_stats has no statistics for {lacking}: give them '
                             f"(dict(mean=[...], std=[...]) or 'auto') or set "
                             f"modality_stats='auto' to measure every modality.")
        stats = {m: stats[m] for m in stats if m in used}
    else:
        raise ValueError(f"modality_stats must be 'auto' or name -> dict(mean, std), got "
                         f'{stats!r}')

    values = dict(
        teacher_modalities=teacher,
        student_modalities=student,
        modalities=specs,
        modality_stats=stats,
        teacher_channels=sum(_channels(specs[m], m) for m in teacher),
        teacher_split_channels=[_channels(specs[m], m) for m in teacher],
        student_channels=sum(_channels(specs[m], m) for m in student))
    classes = cfg.get('classes')
    if classes is not None:
        if isinstance(classes, str) or not classes:
            raise ValueError(f"classes must be a non-empty tuple of class names, e.g. "
                             f"classes = ('person', ), got {classes!r}")
        values.update(classes=tuple(classes), num_classes=len(classes))
    return values


def _find(value: Any, path: str, found: List[Tuple[str, str]]) -> None:
    if is_pair_reference(value):
        found.append((path, value))
    elif isinstance(value, dict):
        for key, item in value.items():
            _find(item, f'{path}.{key}' if path else str(key), found)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _find(item, f'{path}[{i}]', found)


def pair_references(cfg: Config) -> List[str]:
    """The key paths (``'model.backbone.in_channels'``) that hold a ``'pair:<name>'`` reference."""
    found: List[Tuple[str, str]] = []
    _find(cfg.to_dict() if isinstance(cfg, Config) else dict(cfg), '', found)
    return [path for path, _ in found]


def _measures_statistics(cfg: Config) -> bool:
    """Whether a ``'pair:modality_stats'`` reference will hold an ``'auto'`` modality."""
    found: List[Tuple[str, str]] = []
    _find(cfg.to_dict(), '', found)
    stats = cfg.get('modality_stats', 'auto')
    auto = stats == 'auto' or (isinstance(stats, dict) and 'auto' in stats.values())
    return auto and any(value == PREFIX + 'modality_stats' for _, value in found)


def _substitute(value: Any, values: Dict[str, Any], path: str) -> Any:
    if is_pair_reference(value):
        name = value[len(PREFIX):]
        if name in ('classes', 'num_classes') and name not in values:
            raise KeyError(f"{path} is {value!r}, but the config declares no classes: add "
                           f"classes = ('name', ...) at the top level (the dataset's classes, "
                           f"in label order).")
        if name not in values:
            raise KeyError(f'{path}: unknown pair reference {value!r}; the references are '
                           f'{["pair:" + k for k in values]}.')
        item = values[name]
        return ConfigDict(item) if isinstance(
            item, dict) else (list(item) if isinstance(item, list) else item)
    if isinstance(value, dict):
        for key in list(value):
            value[key] = _substitute(value[key], values, f'{path}.{key}' if path else str(key))
        return value
    if isinstance(value, list):
        return [_substitute(v, values, f'{path}[{i}]') for i, v in enumerate(value)]
    if isinstance(value, tuple):
        return tuple(_substitute(v, values, f'{path}[{i}]') for i, v in enumerate(value))
    return value


def resolve_pair(cfg: Config) -> Config:
    """Replace every ``'pair:<name>'`` reference of ``cfg`` by its value, in place.

    A config without references is returned unchanged (resolving twice is harmless).

    Args:
        cfg (Config): A loaded config.

    Returns:
        Config: ``cfg``.
    """
    if not pair_references(cfg):
        return cfg
    values = pair_values(cfg)
    measure = _measures_statistics(cfg)
    for key in list(cfg.keys()):
        if key in DECLARED:
            continue
        cfg[key] = _substitute(cfg[key], values, key)
    hooks = list(cfg.get('custom_hooks') or [])
    if measure and not any(str(h.get('type', '')).split('.')[-1] == STATS_HOOK for h in hooks):
        cfg.custom_hooks = hooks + [dict(type=STATS_HOOK)]
    return cfg


def unresolved_pair_error(where: str, value: Any) -> ValueError:
    """The error a module raises when it receives a ``'pair:<name>'`` reference unresolved."""
    return ValueError(
        f'{where} is {value!r}, a pair reference that was never resolved: this config declares '
        f'its sensor pair by name and is loaded by cmkd_mm.utils.load_config (cmkd_mm\'s '
        f'tools/train.py, tools/test.py and recipes do that). Load it that way, or use the '
        f'config a run dumped in its work dir, which holds the values.')
