"""What the recipe runner refuses before anything trains: a stage named twice in the recipe's
source, a seed given twice, options that no stage reads; and a damaged stage marker, which is
written atomically."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from cmkd_mm.recipes import MARKER, RecipeContext, RecipeRunner
from cmkd_mm.recipes.recipe_source import duplicate_stage_names
from cmkd_mm.recipes.runner import read_marker, write_marker
from cmkd_mm.recipes.steps import BaseStep
from ..conftest import load_tool

RECIPE_TOOL = load_tool('run_recipe.py')

TEACHER = """
default_scope = 'mmseg'
model = dict(type='EncoderDecoder', backbone=dict(type='ResNetV1c', depth=18))
train_dataloader = dict(batch_size=2, dataset=dict(type='X'))
val_dataloader = None
"""
STUDENT = """
default_scope = 'mmseg'
student = dict(type='mmseg.EncoderDecoder', backbone=dict(type='ResNetV1c', depth=18))
model = dict(_scope_='mmrazor', type='CrossModalDistill', architecture=student,
             teacher=student, distiller=dict(type='ConfigurableDistiller'))
train_dataloader = dict(batch_size=2, dataset=dict(type='X'))
val_dataloader = dict(batch_size=1, dataset=dict(type='X'))
"""


def write(path, text):
    path.write_text(text)
    return str(path)


def two_stage_recipe(tmp_path, extra='', student_options=None):
    write(tmp_path / 'teacher.py', TEACHER)
    write(tmp_path / 'student.py', STUDENT)
    return write(
        tmp_path / 'recipe.py', f"""{extra}
stages = dict(
    teacher=dict(type='Train', config={str(tmp_path / 'teacher.py')!r}),
    student=dict(type='Train', config={str(tmp_path / 'student.py')!r},
                 cfg_options={student_options or {}!r},
                 inputs={{'model.teacher_ckpt': 'teacher.best'}}))
""")


# ------------------------------------------------------------------ duplicate stage names
def test_a_stage_named_twice_is_refused_naming_both_lines(tmp_path):
    teacher = str(tmp_path / 'teacher.py')
    path = write(
        tmp_path / 'recipe.py', f"""stages = {{
    'teacher': dict(type='Train', config={teacher!r}),
    'student': dict(type='Train', config={teacher!r}),
    'teacher': dict(type='Train', config={teacher!r}),
}}
""")
    write(tmp_path / 'teacher.py', TEACHER)
    assert len(Config.fromfile(path).stages) == 2  # what the loaded recipe alone would show
    with pytest.raises(ValueError) as error:
        RecipeRunner(path)
    message = str(error.value)
    assert f'{path}:4' in message and "stage 'teacher' of stages" in message
    assert 'lines 2 and 4' in message and 'Rename' in message


def test_a_loop_body_step_named_twice_is_refused(tmp_path):
    path = write(
        tmp_path / 'recipe.py', """stages = dict(
    kd2=dict(type='Loop', iterations=2, carry=dict(eo='eo.best'),
             body={'eo_step': dict(type='Train', config='a.py'),
                   'eo_step': dict(type='Train', config='b.py')}))
""")
    assert duplicate_stage_names(path) == [
        f"{path}:4: stage 'eo_step' of stages.kd2.body is named twice (lines 3 and 4); the "
        'second would replace the first. Rename one of them.'
    ]
    with pytest.raises(ValueError, match="'eo_step' of stages.kd2.body"):
        RecipeRunner(path)


def test_a_stage_named_twice_in_an_inherited_recipe_is_refused(tmp_path):
    base = write(
        tmp_path / 'base.py', """stages = {
    'eo': dict(type='Train', config='a.py'),
    'eo': dict(type='Train', config='b.py'),
}
""")
    path = write(tmp_path / 'recipe.py', "_base_ = ['./base.py']\nstages = dict()\n")
    assert duplicate_stage_names(path) == [
        f"{base}:3: stage 'eo' of stages is named twice (lines 2 and 3); the second would "
        'replace the first. Rename one of them.'
    ]


def test_every_stage_name_once_passes(tmp_path):
    path = write(tmp_path / 'recipe.py',
                 "prepare = {'data': dict(type='DemoData', kind='stf')}\nstages = {}\n")
    assert duplicate_stage_names(path) == []


# ------------------------------------------------------------------------------ seeds
def test_a_seed_given_twice_is_refused_naming_it():
    with pytest.raises(ValueError, match=r'seeds \[0\] are given more than once \(\[0, 0, 1\]\)'):
        RecipeRunner(Config(dict(stages={})), seeds=[0, 0, 1])
    assert RecipeRunner(Config(dict(stages={})), seeds=[0, 1]).seeds == [0, 1]


# ---------------------------------------------------------------------------- options
def test_an_option_no_stage_reads_is_refused_naming_it_and_the_closest_key(tmp_path):
    path = two_stage_recipe(tmp_path)
    with pytest.raises(KeyError) as error:
        RecipeRunner(path, cfg_options={'train_dataloder.batch_size': 1})
    message = str(error.value)
    assert '--cfg-options (no stage reads it): train_dataloder.batch_size' in message
    assert 'did you mean train_dataloader?' in message
    # under model: the student's model type takes teacher_ckpt, nobody has teachr_ckpt
    with pytest.raises(KeyError, match=r'model\.teachr_ckpt.*did you mean model\.teacher_ckpt'):
        RecipeRunner(path, cfg_options={'model.teachr_ckpt': 'x.pth'})
    # --dry-run says it too, before printing a plan
    with pytest.raises(KeyError, match='train_dataloder'):
        RECIPE_TOOL.main([path, '--dry-run', '--cfg-options', 'train_dataloder.batch_size=1'])


def test_options_some_stage_reads_are_accepted_and_routed(tmp_path):
    path = two_stage_recipe(tmp_path)
    options = {
        'model.teacher_ckpt': 't.pth',  # the student's type takes it; the teacher skips it
        'model.backbone.depth': 50,  # student and teacher of the distillation, the plain model
        'val_dataloader.batch_size': 4,  # switched off in the teacher stage
        'train_cfg.max_epochs': 2,  # mmengine's Runner reads these without the config
        'load_from': None,
        'randomness.seed': 3,
        'default_scope': 'mmseg'
    }
    runner = RecipeRunner(path, cfg_options=options)
    ctx = RecipeContext(runner.recipe, str(tmp_path / 'work'), cfg_options=options)
    student = ctx.stage_config(str(tmp_path / 'student.py'), str(tmp_path), None, 'student')
    assert student.model.teacher_ckpt == 't.pth'
    assert student.model.architecture.backbone.depth == student.model.teacher.backbone.depth == 50
    teacher = ctx.stage_config(str(tmp_path / 'teacher.py'), str(tmp_path), None, 'teacher')
    assert 'teacher_ckpt' not in teacher.model and teacher.model.backbone.depth == 50


def test_recipe_and_stage_options_are_checked_too(tmp_path):
    path = two_stage_recipe(tmp_path, student_options={'optim_wraper.optimizer.lr': 0.1})
    with pytest.raises(
            KeyError,
            match=r'stage student: optim_wraper\.optimizer\.lr.*'
            r'did you mean optim_wrapper\?'):
        RecipeRunner(path)
    path = two_stage_recipe(tmp_path, extra="cfg_options = {'modle.backbone.depth': 50}")
    with pytest.raises(KeyError) as error:
        RecipeRunner(path)
    assert f'{path}: cfg_options (no stage reads it): modle.backbone.depth' in str(error.value)
    assert 'did you mean model?' in str(error.value)


# ---------------------------------------------------------------------------- markers
class Noop(BaseStep):
    OUTPUTS = ('value', )

    def run(self, ctx, work_dir):
        return dict(outputs=dict(value=1), metrics={})


def test_a_damaged_marker_is_an_error_naming_the_file_and_the_fix(tmp_path):
    stage_dir = tmp_path / 'first'
    stage_dir.mkdir()
    marker = stage_dir / MARKER
    marker.write_text('{"stage": "first", "outputs": {"va')  # cut short by a crash
    ctx = RecipeContext(Config(dict(stages={})), str(tmp_path))
    with pytest.raises(ValueError) as error:
        RecipeRunner.run_stage(Noop('first'), ctx, str(stage_dir))
    assert str(marker) in str(error.value) and 'delete it' in str(error.value)
    marker.write_text('[]')
    with pytest.raises(ValueError, match='damaged stage marker'):
        read_marker(str(marker))
    marker.unlink()  # the fix: the stage runs again and writes a whole marker
    record = RecipeRunner.run_stage(Noop('first'), ctx, str(stage_dir))
    assert read_marker(str(marker)) == record and record['outputs'] == dict(value=1)


def test_a_marker_write_that_crashes_leaves_the_old_marker_whole(tmp_path, monkeypatch):
    path = str(tmp_path / MARKER)
    write_marker(path, dict(outputs=dict(value=1)))
    assert not osp.exists(path + '.tmp')

    def crash(record, f, **kwargs):
        f.write('{"outputs": {')
        raise KeyboardInterrupt

    monkeypatch.setattr(json, 'dump', crash)
    with pytest.raises(KeyboardInterrupt):
        write_marker(path, dict(outputs=dict(value=2)))
    monkeypatch.undo()
    assert read_marker(path) == dict(outputs=dict(value=1))
