"""Import the scripts under ``tools/`` of a cmkd_mm checkout as modules."""
import importlib.util
import os.path as osp
from types import ModuleType

TOOLS_DIR = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools')


def load_tool(relpath: str) -> ModuleType:
    """Import ``tools/<relpath>`` (e.g. ``'model_converters/extract_student.py'``).

    Tools that chain other tools (a recipe running the iterative-KD chain, the demo running a
    recipe) and the tests use this instead of copying their code.

    Args:
        relpath (str): Path of the script relative to ``tools/``.
    """
    path = osp.join(TOOLS_DIR, relpath)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such tool; load_tool needs a cmkd_mm source '
                                'checkout (pip install -e .)')
    name = 'cmkd_tool_' + relpath.replace('/', '_')[:-3]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
