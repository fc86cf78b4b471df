"""Strict checkpoint loading: every weight of the model, with its shape, or an error naming the
file.

mmengine's ``load_checkpoint`` (and so mmrazor's ``teacher_ckpt``) loads what fits and lists the
rest in a warning: a teacher given a checkpoint of another architecture keeps random weights
where it does not fit, and one given the checkpoint of an unrelated model keeps random weights
everywhere. Every place where cmkd_mm loads a model's weights to distil from it, evaluate it or
export it uses :func:`load_checkpoint_strict` (or :func:`check_checkpoint_fits` where another
library loads and cmkd_mm only checks) instead.

This module lives in ``cmkd_mm.utils`` because the teachers (``models``), the inference APIs
(``apis``), the deployment, the robustness evaluation and the model zoo all load checkpoints
through it, and it depends on none of them (only on torch and mmengine). ``cmkd_mm.compat``
holds workarounds of upstream bugs, each named after its upstream issue; this is a policy of
our own.

Keys that may legitimately not fit are named by the caller (``skip_mismatched``: e.g. the data
preprocessor of a teacher, which the algorithm's preprocessor replaces) and logged; nothing
else is skipped.
"""
import ast
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import torch
from mmengine.logging import print_log
from torch import nn

#: mmengine's default: weights saved from a DDP-wrapped model carry ``module.``.
DEFAULT_REVISE_KEYS = ((r'^module\.', ''), )
#: How many keys of each kind an error lists.
SHOWN = 5
#: Counters that torch fills in when a checkpoint lacks them (BatchNorm from old checkpoints).
FILLED_BY_TORCH = ('num_batches_tracked', )


class CheckpointReadError(RuntimeError):
    """A file is not a checkpoint that can be read (random bytes, truncated, refused)."""


class CheckpointMismatchError(KeyError, ValueError):
    """A checkpoint does not fit the model: keys missing, unexpected or of another shape.

    A ``KeyError`` (keys) and a ``ValueError`` (shapes) alike, so that callers that caught
    either before keep working; its text is the message itself (not a quoted key).
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


class KeyMismatch(NamedTuple):
    """How a state dict differs from a model's.

    Attributes:
        missing (list[str]): Keys of the model that the state dict lacks.
        unexpected (list[str]): Keys of the state dict that the model lacks.
        shapes (list[tuple]): ``(key, checkpoint shape, model shape)`` of the others.
    """
    missing: List[str]
    unexpected: List[str]
    shapes: List[Tuple[str, tuple, tuple]]

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.shapes)

    def keys(self) -> List[str]:
        """Every key that differs."""
        return self.missing + self.unexpected + [k for k, _, _ in self.shapes]

    def describe(self) -> str:
        """``N missing [...], N unexpected [...], N of another shape [...]`` on one line."""

        def first(items: list) -> str:
            more = ', ...' if len(items) > SHOWN else ''
            return '[' + ', '.join(items[:SHOWN]) + more + ']'

        shapes = [f'{k} {tuple(a)} vs {tuple(b)}' for k, a, b in self.shapes]
        return (f'{len(self.missing)} missing {first(self.missing)}, '
                f'{len(self.unexpected)} unexpected {first(self.unexpected)}, '
                f'{len(shapes)} of another shape (checkpoint vs model) {first(shapes)}')


def read_checkpoint(filename: str, map_location: str = 'cpu') -> dict:
    """The checkpoint ``filename`` holds, or an error naming the file.

    Local files are read by torch's safe unpickler (the types of Runner checkpoints are
    allowed by :mod:`cmkd_mm.compat.checkpoint_loading`); ``cmkd://``, ``http(s)://`` and the
    other schemes of mmengine's ``CheckpointLoader`` go through it (the model zoo's name the
    cached file when it cannot be read).

    Args:
        filename (str): Path or URL.
        map_location (str): Where to put the tensors. Defaults to ``'cpu'``.

    Returns:
        dict: The checkpoint (``state_dict``, ``meta``, ...; or a bare state dict).

    Raises:
        FileNotFoundError: No such file.
        CheckpointReadError: The file is not a readable checkpoint.
    """
    if re.match(r'^[a-zA-Z][a-zA-Z0-9+.-]*://', str(filename)):
        from mmengine.runner.checkpoint import CheckpointLoader
        ckpt = CheckpointLoader.load_checkpoint(filename, map_location, logger='silent')
    else:
        path = osp.expanduser(str(filename))
        if not osp.isfile(path):
            raise FileNotFoundError(f'checkpoint {filename}: no such file')
        try:
            ckpt = torch.load(path, map_location=map_location)
        except Exception as err:  # torch raises many types for a damaged file
            raise CheckpointReadError(unreadable_message(filename, err)) from err
    if not isinstance(ckpt, dict):
        raise CheckpointReadError(
            f'{filename} holds a {type(ckpt).__name__}, not a checkpoint (a dict with a '
            '"state_dict", as mmengine saves, or a state dict): give the checkpoint file of the '
            'model')
    return ckpt


def unreadable_message(filename: str, err: Exception) -> str:
    """What to say about a file torch could not read: the file, torch's reason and the fix."""
    text = str(err)
    refused = re.search(r'Unsupported global: GLOBAL (\S+)', text)
    if refused:
        return (f'{filename}: torch\'s safe loader refuses the object {refused.group(1)} in it. '
                'Checkpoints saved by mmengine and cmkd_mm load safely; re-save the weights '
                'alone (torch.save(dict(state_dict=...))) from a copy you trust')
    inner = re.search(r'WeightsUnpickler error:\s*(.*?)(?:\n\n|$)', text, re.S)
    reason = ' '.join((inner.group(1) if inner else text).split())
    if len(reason) > 200:
        reason = reason[:200] + '...'
    return (f'{filename} is not a readable PyTorch checkpoint ({type(err).__name__}: {reason}): '
            'the file is truncated or damaged (an interrupted copy or download), or not a '
            'checkpoint at all. Copy or download it again')


def state_dict_of(ckpt: dict) -> dict:
    """The weights of a checkpoint: its ``state_dict``, or the checkpoint itself."""
    state = ckpt.get('state_dict', ckpt)
    return state if isinstance(state, dict) else {}


def checkpoint_origin(meta: Optional[dict]) -> str:
    """What a checkpoint's ``meta`` says about the model it belongs to, as a sentence ('' when
    it says nothing): the run (``experiment_name``: the config's name and a time stamp), the
    model type in the saved config text (``cfg``), the checkpoint a student was extracted from
    (``distilled_from``).

    Args:
        meta (dict, optional): The checkpoint's ``meta``.
    """
    if not isinstance(meta, dict):
        return ''
    parts = []
    run = meta.get('experiment_name')
    if isinstance(run, str) and run:
        config = re.sub(r'_\d{8}_\d{6}$', '', run)
        parts.append(f'it was saved by the run {run} (config {config}.py)' if config !=
                     run else f'it was saved by the run {run}')
    model_type = _model_type(meta.get('cfg'))
    if model_type:
        parts.append(f'its saved config builds a {model_type} model')
    source = meta.get('distilled_from')
    if isinstance(source, str) and source:
        parts.append(f'it is the student extracted from the distillation checkpoint {source}')
    if not parts:
        return ''
    text = '; '.join(parts) + '.'
    return text[0].upper() + text[1:]


def _model_type(cfg_text) -> Optional[str]:
    """``model.type`` of a config saved as text (mmengine Runner checkpoints), else None."""
    if not isinstance(cfg_text, str):
        return None
    try:
        tree = ast.parse(cfg_text)
    except SyntaxError:
        return None
    for node in tree.body:
        if (isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == 'model' for t in node.targets)
                and isinstance(node.value, ast.Call)):
            for keyword in node.value.keywords:
                if keyword.arg == 'type' and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return None


def select_keys(state_dict: dict,
                prefix: Optional[str] = None,
                revise_keys: Sequence[Tuple[str, str]] = DEFAULT_REVISE_KEYS) -> 'OrderedDict':
    """The weights under ``prefix`` (stripped), with ``revise_keys`` applied.

    Args:
        state_dict (dict): The checkpoint's weights.
        prefix (str, optional): Keep the keys that start with it (e.g. ``'architecture.'``,
            the student of a distillation checkpoint). None keeps every key.
        revise_keys (sequence): ``(pattern, replacement)`` regular expressions applied to every
            key, as mmengine's ``load_checkpoint`` does.
    """
    out = OrderedDict()
    for key, value in state_dict.items():
        if prefix is not None:
            if not key.startswith(prefix):
                continue
            key = key[len(prefix):]
        for pattern, replacement in revise_keys:
            key = re.sub(pattern, replacement, key)
        out[key] = value
    return out


def _unwrap(model: nn.Module) -> nn.Module:
    # what mmengine loads into: the wrapped model of a DDP wrapper or of a TTA model
    from mmengine.model import BaseTTAModel, is_model_wrapper
    return model.module if is_model_wrapper(model) or isinstance(model, BaseTTAModel) else model


def find_mismatch(model: nn.Module, state_dict: dict) -> KeyMismatch:
    """Compare ``state_dict`` with the model's own, key by key and shape by shape.

    An empty tensor of the model (statistics measured at training time, sized by the
    checkpoint) takes any shape; a missing BatchNorm ``num_batches_tracked`` is not a missing
    weight (torch fills it in).

    Args:
        model (nn.Module): The model (a model wrapper's module is used).
        state_dict (dict): The weights to load, keys as the model names them.
    """
    own = _unwrap(model).state_dict()
    missing = [
        k for k in own if k not in state_dict and k.rsplit('.', 1)[-1] not in FILLED_BY_TORCH
    ]
    unexpected = [k for k in state_dict if k not in own]
    shapes = []
    for key, mine in own.items():
        theirs = state_dict.get(key)
        if not (hasattr(theirs, 'shape') and hasattr(mine, 'shape')) or mine.numel() == 0:
            continue
        if tuple(theirs.shape) != tuple(mine.shape):
            shapes.append((key, tuple(theirs.shape), tuple(mine.shape)))
    return KeyMismatch(missing, unexpected, shapes)


def _skipped(keys: Sequence[str], skip_mismatched: Sequence[str]) -> List[str]:
    return [k for k in keys if any(k.startswith(p) for p in skip_mismatched)]


def mismatch_message(filename: str,
                     mismatch: KeyMismatch,
                     meta: Optional[dict] = None,
                     target: str = 'the model',
                     fix: Optional[str] = None) -> str:
    """The error of a checkpoint that does not fit: the file, the counts with the first keys of
    each kind, what the checkpoint's ``meta`` says it belongs to, and the fix.

    Args:
        filename (str): The checkpoint.
        mismatch (KeyMismatch): How it differs.
        meta (dict, optional): Its ``meta``.
        target (str): What it was loaded into (``'the model'``, ``'teacher "loc"'``...).
        fix (str, optional): What to do; default: give the checkpoint of this model.
    """
    lines = [f'{filename} does not fit {target}: {mismatch.describe()}.']
    origin = checkpoint_origin(meta)
    if origin:
        lines.append(origin)
    if any(k.startswith('architecture.') for k in mismatch.unexpected):
        lines.append('It is a distillation checkpoint: its student is under "architecture." '
                     '(tools/model_converters/extract_student.py writes it as a plain model).')
    lines.append(fix or 'Give the checkpoint trained with this config (or the config the '
                 'checkpoint was trained with); no weight was loaded.')
    return '\n'.join(lines)


def fitting_state_dict(model: nn.Module,
                       state_dict: dict,
                       filename: str,
                       meta: Optional[dict] = None,
                       skip_mismatched: Sequence[str] = (),
                       target: str = 'the model',
                       fix: Optional[str] = None,
                       logger: str = 'current') -> 'OrderedDict':
    """The weights of ``state_dict`` to load, or :class:`CheckpointMismatchError`.

    Keys under a ``skip_mismatched`` prefix may be missing, unexpected or of another shape:
    those are left out and logged; every other key must fit.

    Args:
        model (nn.Module): The model.
        state_dict (dict): The weights, keys as the model names them.
        filename (str): The checkpoint, for messages.
        meta (dict, optional): Its ``meta``, for the error.
        skip_mismatched (sequence[str]): Key prefixes allowed not to fit.
        target (str): What is loaded, for messages.
        fix (str, optional): The fix the error gives (see :func:`mismatch_message`).
        logger (str): mmengine logger of the message about skipped keys.
    """
    found = find_mismatch(model, state_dict)
    skipped = set(_skipped(found.keys(), skip_mismatched))
    refused = KeyMismatch([k for k in found.missing if k not in skipped],
                          [k for k in found.unexpected if k not in skipped],
                          [s for s in found.shapes if s[0] not in skipped])
    if refused:
        raise CheckpointMismatchError(mismatch_message(filename, refused, meta, target, fix))
    if skipped:
        left = KeyMismatch([k for k in found.missing if k in skipped],
                           [k for k in found.unexpected if k in skipped],
                           [s for s in found.shapes if s[0] in skipped])
        print_log(
            f'{filename} -> {target}: skipped the keys under {list(skip_mismatched)} that do '
            f'not fit ({left.describe()})',
            logger=logger)
    dropped = set(found.unexpected) | {k for k, _, _ in found.shapes}
    return OrderedDict((k, v) for k, v in state_dict.items() if k not in dropped)


def load_state_dict_strict(model: nn.Module,
                           state_dict: dict,
                           filename: str,
                           meta: Optional[dict] = None,
                           skip_mismatched: Sequence[str] = (),
                           target: str = 'the model',
                           fix: Optional[str] = None,
                           logger: str = 'current') -> None:
    """Load ``state_dict`` into ``model``: every weight, or nothing and an error.

    Args: as :func:`fitting_state_dict`.
    """
    weights = fitting_state_dict(model, state_dict, filename, meta, skip_mismatched, target, fix,
                                 logger)
    try:
        _unwrap(model).load_state_dict(weights, strict=False)
    except RuntimeError as err:  # a module that checks more than names and shapes
        raise CheckpointMismatchError(f'{filename} does not fit {target}: {err}') from err


def load_checkpoint_strict(model: nn.Module,
                           filename: str,
                           map_location: str = 'cpu',
                           prefix: Optional[str] = None,
                           revise_keys: Sequence[Tuple[str, str]] = DEFAULT_REVISE_KEYS,
                           skip_mismatched: Sequence[str] = (),
                           target: str = 'the model',
                           fix: Optional[str] = None,
                           logger: str = 'current') -> dict:
    """Load every weight of ``model`` from ``filename``, each with its shape, or raise.

    Example::

        >>> load_checkpoint_strict(teacher, 'teacher.pth', skip_mismatched=('data_preprocessor.',))

    Args:
        model (nn.Module): The model (a model wrapper's module is loaded).
        filename (str): Checkpoint path or URL (``cmkd://``, ``http(s)://``...).
        map_location (str): Where to put the tensors. Defaults to ``'cpu'``.
        prefix (str, optional): Load the keys under it (stripped), e.g. ``'architecture.'``
            for the student of a distillation checkpoint; the other keys are not the model's.
        revise_keys (sequence): ``(pattern, replacement)`` applied to every key (default: strip
            ``module.``, as mmengine does).
        skip_mismatched (sequence[str]): Key prefixes allowed to be missing, unexpected or of
            another shape (left out and logged), e.g. ``('decode_head.conv_seg.',)`` for a head
            of another class count in a hand-over. Default: none, every key must fit.
        target (str): What is loaded, for messages (``'teacher "loc"'``).
        fix (str, optional): The fix the error gives.
        logger (str): mmengine logger. Defaults to ``'current'``.

    Returns:
        dict: The checkpoint as read (``meta`` included).

    Raises:
        FileNotFoundError: No such file.
        CheckpointReadError: The file is not a readable checkpoint.
        CheckpointMismatchError: It does not fit; nothing was loaded.
    """
    ckpt = read_checkpoint(filename, map_location)
    state = _selected(ckpt, filename, prefix, revise_keys)
    load_state_dict_strict(model, state, filename, ckpt.get('meta'), skip_mismatched, target, fix,
                           logger)
    print_log(f'loaded {target} from {filename} ({len(state)} tensors)', logger=logger)
    return ckpt


def check_checkpoint_fits(model: nn.Module,
                          filename: str,
                          prefix: Optional[str] = None,
                          revise_keys: Sequence[Tuple[str, str]] = DEFAULT_REVISE_KEYS,
                          skip_mismatched: Sequence[str] = (),
                          target: str = 'the model',
                          fix: Optional[str] = None) -> dict:
    """Raise as :func:`load_checkpoint_strict` would, without loading anything (where another
    library loads the weights: a downstream inferencer, mmengine's Runner).

    Args: as :func:`load_checkpoint_strict`.

    Returns:
        dict: The checkpoint as read.
    """
    ckpt = read_checkpoint(filename)
    state = _selected(ckpt, filename, prefix, revise_keys)
    fitting_state_dict(
        model, state, filename, ckpt.get('meta'), skip_mismatched, target, fix, logger='silent')
    return ckpt


def _selected(ckpt: dict, filename: str, prefix: Optional[str],
              revise_keys: Sequence[Tuple[str, str]]) -> Dict[str, object]:
    state = select_keys(state_dict_of(ckpt), prefix, revise_keys)
    if prefix is not None and not state:
        origin = checkpoint_origin(ckpt.get('meta'))
        raise CheckpointMismatchError(
            f'{filename} holds no "{prefix}*" weights: it is not a distillation checkpoint. ' +
            (origin + ' ' if origin else '') +
            'Give the checkpoint this config trained, or the config of the model it holds.')
    return state
