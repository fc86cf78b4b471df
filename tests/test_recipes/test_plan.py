"""Recipe planning: every recipe's hand-overs name earlier stages' outputs; loops expand; a typo
fails before anything trains; the results table shows mean ± std over seeds."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from cmkd_mm.recipes import RecipeRunner
from cmkd_mm.recipes.report import report_table
from ..conftest import ROOT

# The generic recipes (pair_<task>.py) leave the configs to the pair's recipe that inherits them.
GENERIC = sorted(glob.glob(osp.join(ROOT, 'configs', 'recipes', 'pair_*.py')))
RECIPES = sorted(set(glob.glob(osp.join(ROOT, 'configs', 'recipes', '*.py'))) - set(GENERIC))
TEACHER_DEMO = 'configs/detection/teacher_faster-rcnn-r18-fpn_rgb-gated_stf_demo.py'
STUDENT_DEMO = 'configs/detection/cmkd-adv_faster-rcnn-r18-fpn_rgb-gated-to-rgb_stf_demo.py'


def test_there_is_a_recipe_and_a_demo_for_every_multi_stage_method():
    names = {osp.basename(p)[:-3] for p in RECIPES}
    for method in ('cmkd_stf', 'cekd_mfnet', 'ntire2021_mavoc2021', 'njust-kmg_mavoc2024'):
        assert {method, f'{method}_demo'} <= names
    assert 'cmkd_fcn_mfnet_demo' in names


@pytest.mark.parametrize('path', RECIPES, ids=lambda p: osp.basename(p))
def test_every_recipe_plans_and_its_configs_exist(path):
    runner = RecipeRunner(path)  # checks every hand-over
    assert runner.steps
    for step in runner.steps:
        if hasattr(step, 'config'):
            assert osp.isfile(osp.join(ROOT, step.config)), step.config
    for name in (runner.recipe.get('report') or {}).get('rows', {}):
        assert name in {s.name for s in runner.steps}, f'report row {name!r} is no stage'


@pytest.mark.parametrize('path', GENERIC, ids=lambda p: osp.basename(p))
def test_a_generic_recipe_asks_for_the_configs_of_its_stages(path):
    with pytest.raises(ValueError, match="stage 'teacher' names no config"):
        RecipeRunner(path)


def _recipe(**stages):
    recipe = Config(dict(stages=stages))
    return recipe


def _student(teacher_ckpt):
    return dict(type='Train', config=STUDENT_DEMO, inputs={'model.teacher_ckpt': teacher_ckpt})


def test_a_typo_in_a_handover_fails_before_training():
    teacher = dict(type='Train', config=TEACHER_DEMO)
    with pytest.raises(KeyError, match="names stage 'teachr'"):
        RecipeRunner(_recipe(teacher=teacher, student=_student('teachr.best')))
    with pytest.raises(KeyError, match="has no output 'student'"):
        RecipeRunner(_recipe(teacher=teacher, student=_student('teacher.student')))
    with pytest.raises(KeyError, match='does not come before'):  # no forward references
        RecipeRunner(
            _recipe(
                student=dict(type='Train', config='x.py', inputs={'load_from': 'teacher.best'}),
                teacher=teacher))


def test_loop_expands_with_the_latest_models_and_per_iteration_values():
    runner = RecipeRunner(osp.join(ROOT, 'configs', 'recipes', 'ntire2021_mavoc2021.py'))
    steps = {s.name: s for s in runner.steps}
    assert [n for n in steps if n.startswith('kd2_iter')
            ] == [f'kd2_iter{i}_{r}_step' for i in range(5) for r in ('eo', 'sar')]
    first, second = steps['kd2_iter0_eo_step'], steps['kd2_iter0_sar_step']
    assert first.inputs == {
        'model.teacher_ckpt': 'sar.best',
        'model.architecture.init_cfg.checkpoint': 'eo.best'
    }
    assert second.inputs == {
        'model.teacher_ckpt': 'kd2_iter0_eo_step.student',
        'model.architecture.init_cfg.checkpoint': 'sar.best'
    }
    assert steps['kd2_iter1_eo_step'].inputs == {
        'model.teacher_ckpt': 'kd2_iter0_sar_step.student',
        'model.architecture.init_cfg.checkpoint': 'kd2_iter0_eo_step.student'
    }
    lrs = [
        steps[f'kd2_iter{i}_eo_step'].cfg_options['optim_wrapper.optimizer.lr'] for i in range(5)
    ]
    assert lrs == pytest.approx([0.01, 0.005, 0.0025, 0.00125, 0.000625])
    # after the loop, kd2.eo is the last EO student
    assert steps['kd2_eval'].inputs == dict(config='kd2.eo_config', checkpoint='kd2.eo')
    assert runner.aliases['kd2'] == dict(
        eo='kd2_iter4_eo_step.student',
        eo_config='kd2_iter4_eo_step.student_config',
        sar='kd2_iter4_sar_step.student')


def test_report_shows_mean_and_sample_std_over_seeds():
    recipe = Config(
        dict(
            report=dict(
                rows=dict(a='Model A'),
                columns=[dict(label='val', split='val', metric='acc', scale=100)],
                time=False)))
    runs = [
        dict(a=dict(type='Train', wall_time_s=1.0, metrics=dict(val=dict(acc=v))))
        for v in (0.5, 0.6, 0.7)
    ]
    table = report_table(recipe, runs)
    assert '| Model A | 60.0 ± 10.0 |' in table
    assert '| Model A | 50.0 |' in report_table(recipe, runs[:1])


@pytest.mark.parametrize(
    'path', [p for p in RECIPES if not p.endswith('_demo.py')], ids=lambda p: osp.basename(p))
def test_from_scratch_leaves_nothing_to_download_in_any_stage(path, tmp_path):
    from cmkd_mm.recipes import RecipeContext
    runner = RecipeRunner(path)
    ctx = RecipeContext(runner.recipe, str(tmp_path), from_scratch=True)
    for step in runner.steps:
        if not hasattr(step, 'config'):
            continue
        cfg = ctx.stage_config(step.config, str(tmp_path / step.name), step.cfg_options, step.name)
        text = str(cfg.get('model')) + str(cfg.get('load_from'))
        for scheme in ('torchvision://', 'open-mmlab://', 'mmcls://', 'http://', 'https://'):
            assert scheme not in text, f'{step.name}: {scheme} left in {step.config}'


def test_an_unknown_demo_fails_before_anything_runs_and_lists_the_demos():
    with pytest.raises(ValueError) as error:
        RecipeRunner(Config(dict(prepare=dict(data=dict(type='DemoData', kind='mfnett')))))
    for kind in ('stf', 'mfnet', 'pst900', 'mavoc2021', 'mavoc2024', 'xview2'):
        assert repr(kind) in str(error.value)
    assert "got 'mfnett'" in str(error.value)
