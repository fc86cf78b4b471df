"""resolve_config_path: as given, next to the file that names it, in its project, then in the
package's configs (the checkout, or ``cmkd_mm/.mim`` of an installed package)."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

from cmkd_mm.utils import config_paths
from cmkd_mm.utils.config_paths import package_roots, resolve_config_path
from ..conftest import ROOT

DEMO = 'configs/building_damage/loc-teacher_unet-r18_pre_xview2_demo.py'
NOT_COPIED = ('.git', '.venv', '.mim', 'work_dirs', 'data', 'build', '__pycache__', '*.egg-info')


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


def test_a_non_editable_install_builds_a_teacher_declared_by_config(tmp_path):
    """``pip install`` (a wheel: configs copied into ``cmkd_mm/.mim``) of a copy of the
    repository, imported from a folder outside it, builds a ``TeacherGroup`` whose teacher is
    declared by a repository config path."""
    source, site, work = tmp_path / 'src', tmp_path / 'site', tmp_path / 'work'
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_COPIED))
    pip = [sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--no-build-isolation']
    options = ['--no-index', '--target', str(site), str(source)]  # offline, into site
    subprocess.run(pip + options, check=True, capture_output=True, timeout=300)
    work.mkdir()
    script = ('import cmkd_mm\n'
              'from cmkd_mm.models.architectures import TeacherGroup\n'
              'from cmkd_mm.utils.config_paths import resolve_config_path\n'
              f'group = TeacherGroup(teachers=dict(loc=dict(config={DEMO!r})))\n'
              f'print(cmkd_mm.__file__, resolve_config_path({DEMO!r}), type(group.loc).__name__)')
    env = dict(os.environ, PYTHONPATH=str(site), CUDA_VISIBLE_DEVICES='', PYTHONWARNINGS='ignore')
    proc = subprocess.run([sys.executable, '-c', script],
                          cwd=work,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    package, config, model = proc.stdout.split()[-3:]
    assert package == str(site / 'cmkd_mm' / '__init__.py')  # not the checkout
    assert config == str(site / 'cmkd_mm' / '.mim' / DEMO) and model == 'EncoderDecoder'
