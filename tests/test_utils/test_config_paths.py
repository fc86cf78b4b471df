"""resolve_config_path: as given, next to the file that names it, in its project, then in the
package's configs (the checkout, or ``cmkd_mm/.mim`` of an installed package)."""
import os.path as osp

import pytest

from cmkd_mm.utils import config_paths
from cmkd_mm.utils.config_paths import package_roots, resolve_config_path
from ..conftest import ROOT

DEMO = 'configs/building_damage/loc-teacher_unet-r18_pre_xview2_demo.py'


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('x = 1\n')
    return str(path)


def test_as_given_then_next_to_the_start_file_then_its_project(tmp_path, monkeypatch):
    project = tmp_path / 'project'
    recipe = _touch(project / 'configs' / 'recipes' / 'r.py')
    sibling = _touch(project / 'configs' / 'recipes' / 'stage.py')
    stage = _touch(project / 'configs' / 'group' / 'a.py')
    monkeypatch.chdir(project)
    assert resolve_config_path('configs/group/a.py') == 'configs/group/a.py'  # as given
    assert resolve_config_path(stage) == stage
    monkeypatch.chdir(tmp_path)
    assert osp.samefile(resolve_config_path('stage.py', start=recipe), sibling)
    assert osp.samefile(resolve_config_path('configs/group/a.py', start=recipe), stage)


def test_the_package_configs_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert osp.samefile(resolve_config_path(DEMO), osp.join(ROOT, DEMO))
    assert osp.samefile(package_roots()[0], ROOT)  # this checkout (setup.py) comes first


def test_an_installed_package_finds_its_mim_configs(tmp_path, monkeypatch):
    """A non-editable install: ``site-packages/cmkd_mm/.mim/configs`` and no checkout."""
    site = tmp_path / 'site-packages'
    shipped = _touch(site / 'cmkd_mm' / '.mim' / 'configs' / 'group' / 'a.py')
    monkeypatch.setattr(config_paths, 'PACKAGE_DIR', str(site / 'cmkd_mm'))
    assert package_roots() == [str(site / 'cmkd_mm' / '.mim')]
    monkeypatch.chdir(tmp_path)
    assert resolve_config_path('configs/group/a.py') == shipped
    recipe = _touch(tmp_path / 'elsewhere' / 'recipes' / 'r.py')  # a recipe of the user's own
    assert resolve_config_path('configs/group/a.py', start=recipe) == shipped


def test_not_found_names_the_path_and_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    recipe = _touch(tmp_path / 'a' / 'b' / 'r.py')
    with pytest.raises(FileNotFoundError) as err:
        resolve_config_path('configs/nope.py', start=recipe)
    message = str(err.value)
    assert message.startswith('config configs/nope.py not found')
    for place in (str(tmp_path), str(tmp_path / 'a' / 'b'), *package_roots()):
        assert place in message
