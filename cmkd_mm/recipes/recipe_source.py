"""Checks of a recipe file's own source that its loaded config can no longer show.

A Python dict literal that names a key twice keeps the last value without a word, so a recipe
``stages = {'teacher': ..., 'teacher': ...}`` would lose its first stage. The loaded config
holds only the survivor; the source still has both, so it is read here (``ast``, never run),
with the recipes it inherits.
"""
import ast
import os.path as osp
from typing import Dict, List, Optional, Tuple

#: Top-level assignments whose dict keys are stage names.
STAGE_SECTIONS = ('prepare', 'stages')
#: Keys of a stage whose dict keys are stage names too (a ``Loop``'s body).
NESTED_STAGES = ('body', )


def _key(node: Optional[ast.AST]) -> Optional[str]:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _items(node: ast.AST) -> List[Tuple[str, int, ast.AST]]:
    """``(key, line, value)`` of a dict literal ``{...}`` or ``dict(k=...)`` call, in order."""
    if isinstance(node, ast.Dict):
        return [(_key(k), k.lineno, v) for k, v in zip(node.keys, node.values)
                if _key(k) is not None]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'dict':
        return [(kw.arg, kw.value.lineno, kw.value) for kw in node.keywords if kw.arg]
    return []


def _duplicates(node: ast.AST, where: str, kind: str, path: str, found: List[str]) -> None:
    """Append a message for every key ``node`` names twice; descend into nested stage dicts."""
    first: Dict[str, int] = {}
    for key, line, value in _items(node):
        if key in first:
            found.append(f'{path}:{line}: {kind} {key!r} of {where} is named twice (lines '
                         f'{first[key]} and {line}); the second would replace the first. '
                         f'Rename one of them.')
        else:
            first[key] = line
        if kind == 'stage':
            for inner, _, inner_value in _items(value):
                if inner in NESTED_STAGES:
                    _duplicates(inner_value, f'{where}.{key}.{inner}', 'stage', path, found)


def _bases(tree: ast.Module, path: str) -> List[str]:
    """The files a recipe's ``_base_`` names (relative to the recipe), that exist."""
    found = []
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == '_base_' for t in statement.targets):
            value = statement.value
            names = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
            found += [osp.normpath(osp.join(osp.dirname(path), n)) for n in map(_key, names) if n]
    return [f for f in found if osp.isfile(f)]


def duplicate_stage_names(path: str, _seen: Optional[set] = None) -> List[str]:
    """Every stage name a recipe file, or a recipe it inherits (``_base_``), names twice in
    one dict literal, one message each.

    Looks at the top-level ``prepare`` and ``stages`` assignments and, inside them, the
    ``body`` of every ``Loop``; both spellings, ``{'name': ...}`` and ``dict(name=...)``, are
    read (the second cannot repeat a name: Python refuses it).

    Args:
        path (str): The recipe file.

    Returns:
        list[str]: ``'<file>:<line>: stage 'x' of stages is named twice (lines a and b) ...'``
        messages (``<file>`` the recipe or base that has it); empty when every name is used
        once.
    """
    seen = set() if _seen is None else _seen
    seen.add(osp.abspath(path))
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), filename=path)
    found: List[str] = []
    for statement in tree.body:
        if not isinstance(statement, ast.Assign):
            continue
        for target in statement.targets:
            if isinstance(target, ast.Name) and target.id in STAGE_SECTIONS:
                _duplicates(statement.value, target.id, 'stage', path, found)
    for base in _bases(tree, path):
        if osp.abspath(base) not in seen:
            found += duplicate_stage_names(base, seen)
    return found


def check_stage_names(path: str) -> None:
    """Refuse a recipe file that names a stage twice (:func:`duplicate_stage_names`).

    Args:
        path (str): The recipe file.

    Raises:
        ValueError: Naming the file, the stage and both lines.
    """
    found = duplicate_stage_names(path)
    if found:
        raise ValueError('\n'.join(found))
