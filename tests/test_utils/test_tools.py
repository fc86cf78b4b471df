import pytest

from cmkd_mm.utils import load_tool


def test_load_tool_imports_a_script_under_tools():
    module = load_tool('model_converters/extract_student.py')
    assert callable(module.extract_student)
    assert module.__name__ == 'cmkd_tool_model_converters_extract_student'


def test_missing_tool_names_the_path():
    with pytest.raises(FileNotFoundError, match='no_such_tool.py: no such tool'):
        load_tool('no_such_tool.py')
