"""Old names of renamed options: they keep working and say, once, what the new name is.

An option renamed for clarity (a keyword argument, a config key, a command-line flag or one of
its values) keeps its old name as a deprecated alias. The old name maps to the new one and warns
with a ``FutureWarning`` once per process and old name; giving both names with different values
is an error.

* :func:`deprecated_alias`: a keyword argument or any value given under two names.
* :func:`rename_deprecated_key`: the same for a key of a config dict.
* :func:`deprecated_value`: an option's value that was renamed (e.g. ``tie_break='seed'``).
* :func:`add_deprecated_flag`: a command-line flag with its old spelling as an argparse alias.
* :func:`deprecated_choice`: an argparse ``type`` that maps renamed choices.
"""
import argparse
import warnings
from typing import Any, Callable, Dict, MutableMapping, Set, Tuple

#: ``(where, old name)`` of every deprecated name that has warned in this process.
WARNED: Set[Tuple[str, str]] = set()

#: A value that means "not given" for :func:`rename_deprecated_key`.
_MISSING = object()


def warn_deprecated(old: str, new: str, where: str) -> None:
    """Warn (``FutureWarning``) that ``old`` is deprecated in favour of ``new``, once per
    process for each ``(where, old)``.

    Args:
        old (str): The deprecated name.
        new (str): The name to use instead.
        where (str): What the name belongs to, e.g. ``'submission_maps'`` or
            ``'tools/analysis_tools/xview2_predict.py'``.
    """
    if (where, old) in WARNED:
        return
    WARNED.add((where, old))
    warnings.warn(
        f'{where}: {old!r} is deprecated and will be removed, use {new!r} (same meaning)',
        FutureWarning,
        stacklevel=3)


def deprecated_alias(old: str,
                     new: str,
                     value_old: Any,
                     value_new: Any,
                     where: str,
                     unset: Any = None) -> Any:
    """The value of an option that may be given under its new name or its deprecated old one.

    Args:
        old (str): The deprecated name.
        new (str): The new name.
        value_old (Any): The value given under ``old``; ``unset`` when not given.
        value_new (Any): The value given under ``new``; ``unset`` when not given.
        where (str): What the option belongs to (a function, a class, a config).
        unset (Any): The value that means "not given". Defaults to None.

    Returns:
        Any: ``value_new`` if ``old`` was not given, else ``value_old`` (after the warning);
        ``unset`` if neither was given.

    Raises:
        ValueError: Both names were given, with different values.
    """
    if value_old is unset:
        return value_new
    warn_deprecated(old, new, where)
    if value_new is not unset and value_new != value_old:
        raise ValueError(f'{where}: {old!r} (deprecated) and {new!r} are the same option; give '
                         f'only {new!r} (got {old}={value_old!r} and {new}={value_new!r})')
    return value_old


def rename_deprecated_key(options: MutableMapping, old: str, new: str,
                          where: str) -> MutableMapping:
    """Move ``options[old]`` to ``options[new]`` (in place), with :func:`deprecated_alias`'s
    warning and check.

    Args:
        options (MutableMapping): A config dict (or any mapping of option names).
        old (str): The deprecated key.
        new (str): The new key.
        where (str): What the options belong to.

    Returns:
        MutableMapping: ``options``.
    """
    if old in options:
        options[new] = deprecated_alias(old, new, options.pop(old), options.get(new, _MISSING),
                                        where, _MISSING)
    return options


def deprecated_value(value: Any, aliases: Dict[Any, Any], where: str) -> Any:
    """An option's value, its deprecated spellings mapped to the new ones (warns once).

    Args:
        value (Any): The value given.
        aliases (dict): Deprecated value -> new value.
        where (str): The option, e.g. ``'cluster_vote(tie_break)'``.

    Returns:
        Any: ``aliases[value]`` for a deprecated value, else ``value``.
    """
    if isinstance(value, str) and value in aliases:
        warn_deprecated(value, aliases[value], where)
        return aliases[value]
    return value


def deprecated_choice(aliases: Dict[str, str],
                      where: str,
                      type: Callable[[str], Any] = str) -> Callable[[str], Any]:
    """An argparse ``type=`` that maps deprecated choices to their new names (warns once).

    argparse converts with ``type`` before it checks ``choices``, so ``choices`` lists only
    the new names and the old ones still parse.

    Args:
        aliases (dict): Deprecated choice -> new choice.
        where (str): The option, e.g. ``'--layout'``.
        type (Callable): Conversion of the other values. Defaults to ``str``.

    Returns:
        Callable: The ``type`` function.
    """

    def convert(text: str) -> Any:
        return type(deprecated_value(text, aliases, where))

    convert.__name__ = getattr(type, '__name__', 'value')  # argparse names it in its errors
    return convert


def add_deprecated_flag(parser: argparse.ArgumentParser, new: str, old: str,
                        **kwargs) -> argparse.Action:
    """``parser.add_argument(new, old, **kwargs)``: ``old`` is an argparse alias of ``new``
    that warns once when it is used.

    Args:
        parser (ArgumentParser): The parser (or argument group).
        new (str): The flag, e.g. ``'--original-precedence'``.
        old (str): Its deprecated spelling, e.g. ``'--seed-precedence'``.
        **kwargs: ``add_argument``'s other arguments (``action``, ``help``, ...).

    Returns:
        Action: The action added.
    """
    action = parser.add_argument(new, old, **kwargs)
    base = type(action)

    def __call__(self, parser, namespace, values, option_string=None):
        if option_string == old:
            warn_deprecated(old, new, parser.prog)
        base.__call__(self, parser, namespace, values, option_string)

    action.__class__ = type(f'Deprecated{base.__name__}', (base, ), dict(__call__=__call__))
    return action
