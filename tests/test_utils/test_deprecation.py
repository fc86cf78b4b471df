import argparse
import warnings

import pytest

from cmkd_mm.utils import deprecation
from cmkd_mm.utils.deprecation import (add_deprecated_flag, deprecated_alias, deprecated_choice,
                                       deprecated_value, rename_deprecated_key)


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    """Each test starts as a new process would: nothing has warned yet."""
    monkeypatch.setattr(deprecation, 'WARNED', set())


def _future_warnings(record):
    return [str(w.message) for w in record if issubclass(w.category, FutureWarning)]


def test_alias_maps_the_old_value_and_warns_once():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        for _ in range(3):
            assert deprecated_alias('seed_x', 'original_x', 5, None, 'f') == 5
    assert _future_warnings(record) == [
        "f: 'seed_x' is deprecated and will be removed, use 'original_x' (same meaning)"
    ]


def test_alias_not_given_is_silent_and_returns_the_new_value():
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert deprecated_alias('seed_x', 'original_x', None, 3, 'f') == 3
        assert deprecated_alias('seed_x', 'original_x', None, None, 'f') is None


def test_alias_warns_once_per_old_name_and_place():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        deprecated_alias('a', 'b', 1, None, 'f')
        deprecated_alias('c', 'd', 1, None, 'f')
        deprecated_alias('a', 'b', 1, None, 'g')
        deprecated_alias('a', 'b', 1, None, 'f')
    assert len(_future_warnings(record)) == 3


def test_alias_both_names_with_different_values_is_an_error():
    with pytest.warns(FutureWarning):
        assert deprecated_alias('a', 'b', True, True, 'f') is True  # same value: fine
    with pytest.raises(ValueError, match="'a' .*and 'b' are the same option"):
        deprecated_alias('a', 'b', True, False, 'f')


def test_alias_with_another_unset_marker():
    missing = object()
    with pytest.warns(FutureWarning):
        assert deprecated_alias('a', 'b', None, missing, 'f', unset=missing) is None


def test_rename_deprecated_key():
    options = dict(seed_x=1, other=2)
    with pytest.warns(FutureWarning, match="'seed_x' is deprecated"):
        assert rename_deprecated_key(options, 'seed_x', 'original_x', 'cfg') is options
    assert options == dict(original_x=1, other=2)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert rename_deprecated_key(dict(original_x=1), 'seed_x', 'original_x',
                                     'cfg') == dict(original_x=1)
    with pytest.raises(ValueError, match='same option'):
        rename_deprecated_key(dict(seed_x=1, original_x=2), 'seed_x', 'original_x', 'cfg')


def test_deprecated_value():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        assert deprecated_value('seed', dict(seed='original'), 'f(mode)') == 'original'
        assert deprecated_value('seed', dict(seed='original'), 'f(mode)') == 'original'
        assert deprecated_value('other', dict(seed='original'), 'f(mode)') == 'other'
        assert deprecated_value(None, dict(seed='original'), 'f(mode)') is None
    assert _future_warnings(record) == [
        "f(mode): 'seed' is deprecated and will be removed, use 'original' (same meaning)"
    ]


def test_deprecated_choice_parses_the_old_choice():
    parser = argparse.ArgumentParser(prog='tool')
    parser.add_argument(
        '--layout',
        choices=['official', 'night-subset'],
        default='official',
        type=deprecated_choice(dict(seed='night-subset'), '--layout'))
    with pytest.warns(FutureWarning, match="--layout: 'seed' is deprecated"):
        assert parser.parse_args(['--layout', 'seed']).layout == 'night-subset'
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert parser.parse_args([]).layout == 'official'
        assert parser.parse_args(['--layout', 'night-subset']).layout == 'night-subset'
    with pytest.raises(SystemExit):
        parser.parse_args(['--layout', 'other'])


def test_deprecated_flag_is_an_alias_that_warns_once():
    parser = argparse.ArgumentParser(prog='tool')
    add_deprecated_flag(parser, '--original-precedence', '--seed-precedence', action='store_true')
    parser.add_argument('--level', type=float, default=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert parser.parse_args([]).original_precedence is False
        assert parser.parse_args(['--original-precedence']).original_precedence is True
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        assert parser.parse_args(['--seed-precedence']).original_precedence is True
        assert parser.parse_args(['--seed-precedence']).original_precedence is True
    assert _future_warnings(record) == [
        "tool: '--seed-precedence' is deprecated and will be removed, use "
        "'--original-precedence' (same meaning)"
    ]


def test_deprecated_flag_with_a_value():
    parser = argparse.ArgumentParser(prog='tool')
    add_deprecated_flag(parser, '--new-level', '--old-level', type=float, default=1.0)
    with pytest.warns(FutureWarning, match="'--old-level' is deprecated"):
        assert parser.parse_args(['--old-level', '2']).new_level == 2.0
    assert '--new-level NEW_LEVEL, --old-level NEW_LEVEL' in parser.format_help()
