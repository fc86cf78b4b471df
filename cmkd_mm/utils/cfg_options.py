"""Refuse ``--cfg-options`` that nothing would read.

mmengine's ``Config.merge_from_dict`` adds a key the config lacks, so a typo such as
``train_dataloder.batch_size=1`` becomes a new top-level key that nothing reads and the run goes
on with the old batch size. :func:`check_options` refuses such an option before anything is
built, naming it and the closest key that exists (``difflib``).

What an option ``a.b.c...`` may name:

* Its first component ``a`` must be a key the run reads: a key of the config itself (its own
  and its ``_base_`` files'); a key mmengine's ``Runner.from_cfg`` reads whether or not the
  config has it, namely every argument of ``Runner.__init__`` (``from_cfg`` passes each under
  its own name: ``work_dir``, ``load_from``, ``resume``, ``randomness``, ``default_scope``,
  ``launcher``, ``env_cfg``, ``log_level``, ``experiment_name``, ...) and ``model_wrapper_cfg``
  / ``compile``, which the Runner reads from the config directly; ``track``, which
  ``tools/train.py`` reads; and for a config that declares a sensor pair (``modalities``) the
  pair's names (``modality_stats``, ``classes``, ...), which
  :func:`~cmkd_mm.utils.modality_pair.resolve_pair` reads with defaults.
* Under ``model``, its second component ``b`` must be a key of ``cfg.model`` or an argument of
  the model's type (its class's ``__init__``, and its base classes' as far as ``**kwargs`` are
  passed on): ``model.teacher_ckpt`` is accepted on a distillation config whether or not the
  config sets it.
* Deeper components are not checked: adding a sub-key to an existing part (an ``init_cfg``
  field, a loss option) is how options are meant to be used.
"""
import difflib
import inspect
from functools import lru_cache
from typing import Iterable, List, Mapping, Optional, Set

from mmengine.config import Config

#: Keys the mmengine Runner reads from the config itself, besides its ``__init__`` arguments.
RUNNER_CONFIG_KEYS = ('model_wrapper_cfg', 'compile')
#: Keys cmkd_mm's tools read when the config does not have them.
TOOL_KEYS = ('track', )


@lru_cache(maxsize=1)
def runner_keys() -> frozenset:
    """The top-level keys mmengine's ``Runner.from_cfg`` reads, present in the config or not."""
    from mmengine.runner import Runner
    arguments = set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
    return frozenset(arguments | set(RUNNER_CONFIG_KEYS))


def accepted_top_level(cfg: Config) -> Set[str]:
    """The first components an option of ``cfg`` may have (see the module docstring).

    Args:
        cfg (Config): The config the options go into (before they are merged).
    """
    accepted = set(cfg.keys()) | runner_keys() | set(TOOL_KEYS)
    if 'modalities' in cfg:
        from .modality_pair import DECLARED
        accepted |= set(DECLARED)
    return accepted


def model_class(model: Mapping, default_scope: Optional[str] = None) -> Optional[type]:
    """The class a model config builds (None when its type is not registered).

    Args:
        model (Mapping): The model config.
        default_scope (str, optional): The config's ``default_scope``; the model's own
            ``_scope_`` comes first, as in building.
    """
    kind = model.get('type')
    if isinstance(kind, type):
        return kind
    from mmengine.registry import MODELS
    try:
        with MODELS.switch_scope_and_registry(model.get('_scope_') or default_scope) as registry:
            found = registry.get(str(kind))
    except Exception:  # an unknown scope or name
        return None
    return found if isinstance(found, type) else None


def class_arguments(cls: type) -> Set[str]:
    """The keyword arguments ``cls(...)`` accepts: its ``__init__``'s, and its base classes'
    while the ``__init__`` seen so far passes ``**kwargs`` on."""
    names: Set[str] = set()
    for klass in cls.__mro__:
        if '__init__' not in vars(klass) or klass is object:
            continue
        try:
            parameters = inspect.signature(klass.__init__).parameters.values()
        except (TypeError, ValueError):
            break
        names |= {
            p.name
            for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        } - {'self'}
        if not any(p.kind == p.VAR_KEYWORD for p in parameters):
            break
    return names


def closest(name: str, candidates: Iterable[str]) -> Optional[str]:
    """The candidate most like ``name`` (``difflib``), or None when none is close."""
    found = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return found[0] if found else None


def _suggest(prefix: str, name: str, candidates: Iterable[str]) -> str:
    match = closest(name, candidates)
    return f'did you mean {prefix}{match}?' if match else 'no key is close to it'


def option_problem(cfg: Config, key: str) -> Optional[str]:
    """Why the option ``key`` would be read by nothing, or None when it is accepted.

    Args:
        cfg (Config): The config the option goes into (before it is merged).
        key (str): The dotted option, e.g. ``train_dataloader.batch_size``.
    """
    parts = key.split('.')
    top = accepted_top_level(cfg)
    if parts[0] not in top:
        return (f'{key}: the config has no key {parts[0]!r} and nothing reads it ('
                f'{_suggest("", parts[0], top)})')
    model = cfg.get('model')
    if parts[0] != 'model' or len(parts) < 2 or not isinstance(model, Mapping):
        return None
    if parts[1] in model:
        return None
    cls = model_class(model, cfg.get('default_scope'))
    if cls is None:
        return None  # the type decides what it takes; it is not known here
    arguments = class_arguments(cls)
    if parts[1] in arguments:
        return None
    hint = _suggest('model.', parts[1], set(model) | arguments)
    parts_with_it = [
        part for part in ('architecture', 'teacher')
        if isinstance(model.get(part), Mapping) and parts[1] in model[part]
    ]
    if parts_with_it:
        hint = ' or '.join('.'.join(['model', part, *parts[1:]]) for part in parts_with_it)
        hint = f'did you mean {hint}?'
    return f'{key}: the model ({cls.__name__}) has no {parts[1]!r} ({hint})'


def option_problems(cfg: Config, options: Optional[Mapping]) -> List[str]:
    """:func:`option_problem` of every option that has one.

    Args:
        cfg (Config): The config the options go into (before they are merged).
        options (Mapping, optional): ``key -> value``, as ``--cfg-options`` gives them.
    """
    return [p for p in (option_problem(cfg, key) for key in (options or {})) if p]


def check_options(cfg: Config, options: Optional[Mapping], source: str = '') -> None:
    """Refuse options nothing would read (see the module docstring), before they are merged.

    Args:
        cfg (Config): The config the options go into.
        options (Mapping, optional): ``key -> value``, as ``--cfg-options`` gives them.
        source (str): What the options are for, for the message (default: the config file).

    Raises:
        KeyError: Naming each such option and the closest existing key.
    """
    problems = option_problems(cfg, options)
    if problems:
        where = source or cfg.filename or 'the config'
        raise KeyError(f'{where}: --cfg-options that nothing would read: ' + '; '.join(problems) +
                       '. Fix the key or leave the option out')
