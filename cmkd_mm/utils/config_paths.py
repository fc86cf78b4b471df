"""Find a config file named by a path such as ``configs/building_damage/x.py``.

Recipes name their stage configs and a ``TeacherGroup`` its teachers' configs by such paths.
:func:`resolve_config_path` finds them from any working folder: in the project of the file that
names them and in the configs the package ships (``cmkd_mm/.mim/configs``, see setup.py: a
wheel copies ``configs/`` there, an editable install links it), so that they also work from an
installed package.
"""
import os.path as osp
from typing import List, Optional

#: The installed package folder (``.../cmkd_mm``).
PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def package_roots() -> List[str]:
    """The folders that hold the package's ``configs/``, searched in this order: the source
    checkout the package is imported from (a folder with ``setup.py``), then the copy installed
    with the package (``cmkd_mm/.mim``)."""
    checkout = osp.dirname(PACKAGE_DIR)
    roots = [checkout] if osp.isfile(osp.join(checkout, 'setup.py')) else []
    return roots + [osp.join(PACKAGE_DIR, '.mim')]


def resolve_config_path(path: str, start: Optional[str] = None) -> str:
    """The config file ``path`` names.

    Looked for, in order:

    1. ``path`` as given (absolute, or relative to the current folder);
    2. with ``start``: relative to the folder of ``start`` and to the project holding it (two
       folders up: ``<root>`` for ``<root>/configs/recipes/x.py``);
    3. relative to the package's configs (:func:`package_roots`).

    Args:
        path (str): The config path.
        start (str, optional): The file that names ``path`` (e.g. a recipe).

    Returns:
        str: An existing file.

    Raises:
        FileNotFoundError: Found nowhere; the message names the path and every folder tried.
    """
    if osp.isfile(path):
        return path
    bases = []
    if start:
        start_dir = osp.dirname(osp.abspath(start))
        bases += [start_dir, osp.dirname(osp.dirname(start_dir))]
    bases += package_roots()
    for base in bases:
        candidate = osp.join(base, path)
        if osp.isfile(candidate):
            return candidate
    places = ', '.join(dict.fromkeys([osp.abspath('.')] + bases))
    raise FileNotFoundError(f'config {path} not found (looked relative to {places})')
