"""Shared pieces of the converters of the original code's released weights to cmkd_mm models.

A converter maps the state dict of an original model (its own key names and layouts) to the state
dict of the cmkd_mm model a config builds. :func:`rename` applies ordered regular-expression
rules; :func:`check_complete` proves that the result fills every parameter and buffer of the
target model with the right shape and that nothing of the source is left over.
"""
import re
from collections import OrderedDict
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import torch
from torch import nn

Rule = Tuple[str, Union[str, Callable]]


def load_source(path: str) -> 'OrderedDict[str, torch.Tensor]':
    """The tensors of an original checkpoint: a bare state dict, or one under ``state_dict`` /
    ``model`` / ``net``; a ``module.`` prefix (``DataParallel``) is removed."""
    obj = torch.load(path, map_location='cpu', weights_only=False)
    if isinstance(obj, nn.Module):
        obj = obj.state_dict()
    for key in ('state_dict', 'model', 'net'):
        if isinstance(obj, dict) and isinstance(obj.get(key), (dict, nn.Module)):
            obj = obj[key]
            obj = obj.state_dict() if isinstance(obj, nn.Module) else obj
            break
    if not isinstance(obj, dict):
        raise TypeError(f'{path}: no state dict inside (got {type(obj).__name__})')
    state = OrderedDict((k, v) for k, v in obj.items() if isinstance(v, torch.Tensor))
    if state and all(k.startswith('module.') for k in state):
        state = OrderedDict((k[len('module.'):], v) for k, v in state.items())
    return state


def rename(state: Dict[str, torch.Tensor],
           rules: Sequence[Rule],
           strict: bool = True) -> 'OrderedDict[str, torch.Tensor]':
    """Rename keys with the first matching ``(pattern, replacement)`` rule (``re.fullmatch``;
    the replacement may be a function of the match). A ``None`` replacement drops the key.

    Args:
        state (dict): Source state dict.
        rules (Sequence[tuple]): Ordered rules.
        strict (bool): Raise on a key no rule matches. Defaults to True.
    """
    out, unmatched = OrderedDict(), []
    compiled = [(re.compile(p), r) for p, r in rules]
    for key, value in state.items():
        for pattern, repl in compiled:
            match = pattern.fullmatch(key)
            if match is None:
                continue
            if callable(repl):
                new = repl(match)
            else:
                new = None if repl is None else match.expand(repl)
            if new is not None:
                if new in out:
                    raise KeyError(f'two source keys map to {new} (second: {key})')
                out[new] = value
            break
        else:
            unmatched.append(key)
    if unmatched and strict:
        raise KeyError(f'{len(unmatched)} source keys match no rule, e.g. {unmatched[:5]}')
    return out


def fill_num_batches_tracked(state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Give every batch-norm layer of ``state`` (a ``running_mean`` key) that has no
    ``num_batches_tracked`` (torchvision's frozen BN, checkpoints of torch < 0.4.1) a 0, as
    torch itself does. ``state`` is changed in place and returned."""
    for key in [k for k in state if k.endswith('.running_mean')]:
        state.setdefault(key[:-len('running_mean')] + 'num_batches_tracked',
                         torch.tensor(0, dtype=torch.long))
    return state


def check_complete(model: nn.Module, state: Dict[str, torch.Tensor],
                   ignore: Iterable[str] = ()) -> None:
    """Raise unless ``state`` fills every parameter and buffer of ``model`` with its shape and
    holds nothing else.

    Args:
        model (nn.Module): The target model.
        state (dict): The converted state dict.
        ignore (Iterable[str]): Regular expressions of target keys that need no value (e.g.
            buffers the original model does not have and the converter leaves out on purpose).
    """
    target = model.state_dict()
    skip = [re.compile(p) for p in ignore]
    missing = [k for k in target if k not in state and not any(p.fullmatch(k) for p in skip)]
    unexpected = [k for k in state if k not in target]
    shapes = [
        f'{k}: {tuple(state[k].shape)} vs {tuple(v.shape)}' for k, v in target.items()
        if k in state and tuple(state[k].shape) != tuple(v.shape)
    ]
    problems: List[str] = []
    if missing:
        problems.append(f'{len(missing)} missing (e.g. {missing[:5]})')
    if unexpected:
        problems.append(f'{len(unexpected)} unexpected (e.g. {unexpected[:5]})')
    if shapes:
        problems.append(f'{len(shapes)} of another shape (e.g. {shapes[:3]})')
    if problems:
        raise ValueError('the converted weights do not fit the model: ' + '; '.join(problems))


def target_model(config: str, part: str = 'student') -> nn.Module:
    """The model the converted weights fill: the model of ``config``; for a distillation config
    its student (``part='student'``) or its teacher (``part='teacher'``, one teacher). In eval
    mode, weights not initialised.

    Args:
        config (str): A model or distillation config.
        part (str): Which model of a distillation config. Defaults to ``'student'``.
    """
    from mmengine.registry import MODELS, DefaultScope

    from ...utils.config import is_distillation, load_config, student_config, teacher_configs
    cfg = load_config(config)
    model_cfg = cfg.model
    if is_distillation(cfg):
        if part == 'teacher':
            teachers = teacher_configs(cfg)
            if len(teachers) != 1:
                raise ValueError(f'{config} has the teachers {list(teachers)}; convert into '
                                 'the config each was trained with')
            model_cfg = next(iter(teachers.values()))
        else:
            model_cfg = student_config(cfg).model
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope') or 'mmengine'):
        model = MODELS.build(model_cfg)
    model.eval()
    return model


def save_converted(state: Dict[str, torch.Tensor], out: str, meta: Optional[dict] = None) -> str:
    """Write ``dict(state_dict=state, meta=meta)`` as mmengine checkpoints hold them."""
    torch.save(dict(state_dict=OrderedDict(state), meta=dict(meta or {})), out)
    return out
