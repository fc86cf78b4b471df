"""Tests of the argument handling of tools/train.py and tools/test.py.

The scripts are imported from their files and only their pure config-building
functions are exercised: no model, dataset or runner is built.
"""
import glob
import os
import os.path as osp
import subprocess

import pytest

from ..conftest import ROOT, load_tool

TOOLS = osp.join(ROOT, 'tools')

CONFIG_TEXT = """
default_scope = 'mmdet'
model = dict(type='RetinaNet')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01))
auto_scale_lr = dict(enable=False, base_batch_size=16)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    visualization=dict(type='DetVisualizationHook'))
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackDetInputs')]
test_dataloader = dict(
    batch_size=1,
    dataset=dict(type='CocoDataset', pipeline=test_pipeline))
test_evaluator = dict(type='CocoMetric')
"""

TRAIN_TOOL = load_tool('train.py')
TEST_TOOL = load_tool('test.py')


@pytest.fixture(autouse=True)
def _keep_env(monkeypatch):
    # parse_args sets LOCAL_RANK; monkeypatch restores the environment.
    monkeypatch.delenv('LOCAL_RANK', raising=False)


def write_config(tmp_path, extra='', name='my_config.py'):
    path = tmp_path / name
    path.write_text(CONFIG_TEXT + extra)
    return str(path)


def build_train_cfg(tmp_path, *argv, extra=''):
    args = TRAIN_TOOL.parse_args([write_config(tmp_path, extra), *argv])
    return TRAIN_TOOL.build_cfg(args)


def build_test_cfg(tmp_path, *argv, extra=''):
    args = TEST_TOOL.parse_args([write_config(tmp_path, extra), 'ckpt.pth', *argv])
    return TEST_TOOL.build_cfg(args)


# --------------------------------------------------------------- train.py
def test_train_defaults(tmp_path):
    cfg = build_train_cfg(tmp_path)
    assert cfg.work_dir == osp.join('./work_dirs', 'my_config')
    assert cfg.launcher == 'none'
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    assert cfg.auto_scale_lr.enable is False
    assert 'resume' not in cfg


def test_train_work_dir_priority(tmp_path):
    # config value beats the file name
    cfg = build_train_cfg(tmp_path, extra="work_dir = 'from_config'\n")
    assert cfg.work_dir == 'from_config'
    # CLI beats the config value
    cfg = build_train_cfg(tmp_path, '--work-dir', 'from_cli', extra="work_dir = 'from_config'\n")
    assert cfg.work_dir == 'from_cli'


def test_train_local_rank(tmp_path):
    args = TRAIN_TOOL.parse_args([write_config(tmp_path), '--local-rank', '3'])
    assert args.local_rank == 3
    assert os.environ['LOCAL_RANK'] == '3'


def test_train_amp(tmp_path):
    cfg = build_train_cfg(tmp_path, '--amp')
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    assert cfg.optim_wrapper.optimizer.lr == 0.01
    # already AMP: left as is (only a warning)
    cfg = build_train_cfg(tmp_path, '--amp', '--cfg-options', 'optim_wrapper.type=AmpOptimWrapper')
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert 'loss_scale' not in cfg.optim_wrapper


@pytest.mark.parametrize(
    'constructor', ['SeparateOptimWrapperConstructor', 'mmrazor.SeparateOptimWrapperConstructor'])
def test_train_amp_separate_constructor(tmp_path, constructor):
    extra = (f"optim_wrapper = dict(constructor='{constructor}',"
             " architecture=dict(optimizer=dict(type='SGD', lr=0.01)))\n")
    with pytest.raises(RuntimeError, match='not supported with separate'):
        build_train_cfg(tmp_path, '--amp', extra=extra)
    # without --amp the config is fine
    cfg = build_train_cfg(tmp_path, extra=extra)
    assert cfg.optim_wrapper.constructor == constructor


def test_train_resume(tmp_path):
    cfg = build_train_cfg(tmp_path, '--resume')
    assert cfg.resume is True
    assert cfg.load_from is None
    cfg = build_train_cfg(tmp_path, '--resume', 'work_dirs/epoch_3.pth')
    assert cfg.resume is True
    assert cfg.load_from == 'work_dirs/epoch_3.pth'
    # --resume without a value must not swallow the next option
    cfg = build_train_cfg(tmp_path, '--resume', '--work-dir', 'wd')
    assert cfg.resume is True and cfg.load_from is None
    assert cfg.work_dir == 'wd'


def test_train_auto_scale_lr(tmp_path):
    cfg = build_train_cfg(tmp_path, '--auto-scale-lr')
    assert cfg.auto_scale_lr.enable is True
    assert cfg.auto_scale_lr.base_batch_size == 16
    with pytest.raises(RuntimeError, match='auto_scale_lr'):
        build_train_cfg(tmp_path, '--auto-scale-lr', extra='auto_scale_lr = None\n')
    with pytest.raises(RuntimeError, match='base_batch_size'):
        build_train_cfg(tmp_path, '--auto-scale-lr', extra='auto_scale_lr = dict(enable=False)\n')


def test_train_teacher_cache(tmp_path):
    kd = "model = dict(type='CrossModalDistill')\n"
    hooks = "custom_hooks = [dict(type='CheckFiniteLossHook')]\n"
    cfg = build_train_cfg(tmp_path, '--teacher-cache', extra=kd + hooks)
    assert cfg.model.teacher_cache == dict()
    assert [h['type'] for h in cfg.custom_hooks] == ['CheckFiniteLossHook', 'TeacherCacheHook']
    cfg = build_train_cfg(tmp_path, '--teacher-cache', 'shared/stores', extra=kd)
    assert cfg.model.teacher_cache == dict(directory='shared/stores')
    assert [h['type'] for h in cfg.custom_hooks] == ['TeacherCacheHook']
    assert 'teacher_cache' not in build_train_cfg(tmp_path, extra=kd).model
    with pytest.raises(ValueError, match='CrossModalDistill configs, not .*RetinaNet'):
        build_train_cfg(tmp_path, '--teacher-cache')


def test_train_cfg_options(tmp_path):
    cfg = build_train_cfg(tmp_path, '--cfg-options', 'optim_wrapper.optimizer.lr=0.1',
                          'train_cfg.max_epochs=2', 'model.type=FCOS', '--launcher', 'pytorch')
    assert cfg.optim_wrapper.optimizer.lr == 0.1
    assert cfg.optim_wrapper.optimizer.type == 'SGD'
    assert cfg.train_cfg.max_epochs == 2
    assert cfg.model.type == 'FCOS'
    assert cfg.launcher == 'pytorch'


def test_train_and_test_refuse_an_option_nothing_reads(tmp_path):
    for build in (build_train_cfg, build_test_cfg):
        with pytest.raises(KeyError) as error:
            build(tmp_path, '--cfg-options', 'test_dataloder.batch_size=1')
        assert 'test_dataloder.batch_size' in str(error.value)
        assert 'did you mean test_dataloader?' in str(error.value)
        assert 'my_config.py' in str(error.value)
    with pytest.raises(KeyError, match=r'model\.backbon.*did you mean model\.backbone\?'):
        build_train_cfg(tmp_path, '--cfg-options', 'model.backbon.depth=18')


# ---------------------------------------------------------------- test.py
def test_test_defaults(tmp_path):
    cfg = build_test_cfg(tmp_path)
    assert cfg.load_from == 'ckpt.pth'
    assert cfg.work_dir == osp.join('./work_dirs', 'my_config')
    assert cfg.test_evaluator == dict(type='CocoMetric')
    assert 'draw' not in cfg.default_hooks.visualization
    cfg = build_test_cfg(tmp_path, '--work-dir', 'cli_dir', '--cfg-options',
                         'test_dataloader.batch_size=4')
    assert cfg.work_dir == 'cli_dir'
    assert cfg.test_dataloader.batch_size == 4


def test_test_show_dir(tmp_path):
    cfg = build_test_cfg(tmp_path, '--show-dir', 'vis')
    hook = cfg.default_hooks.visualization
    assert hook.draw is True
    assert hook.test_out_dir == 'vis'
    assert 'show' not in hook
    cfg = build_test_cfg(tmp_path, '--show', '--wait-time', '0.5')
    hook = cfg.default_hooks.visualization
    assert hook.draw is True and hook.show is True
    assert hook.wait_time == 0.5


def test_test_show_other_codebases(tmp_path):
    # mmpretrain's VisualizationHook is switched on by `enable`
    extra = ("default_scope = 'mmpretrain'\n"
             "default_hooks = dict(visualization=dict("
             "type='VisualizationHook', enable=False))\n")
    hook = build_test_cfg(tmp_path, '--show-dir', 'vis', extra=extra).default_hooks.visualization
    assert hook.enable is True and hook.out_dir == 'vis'
    # mmseg's SegVisualizationHook: the visualizer saves the images
    extra = ("default_scope = 'mmseg'\n"
             "visualizer = dict(type='SegLocalVisualizer')\n"
             "default_hooks = dict(visualization=dict("
             "type='SegVisualizationHook'))\n")
    cfg = build_test_cfg(tmp_path, '--show-dir', 'vis', extra=extra)
    assert cfg.default_hooks.visualization.draw is True
    assert cfg.visualizer.save_dir == 'vis'


def test_test_show_without_hook(tmp_path):
    extra = 'default_hooks = dict(timer=dict(type="IterTimerHook"))\n'
    with pytest.raises(RuntimeError, match='my_config.py'):
        build_test_cfg(tmp_path, '--show-dir', 'vis', extra=extra)


def test_test_out(tmp_path):
    cfg = build_test_cfg(tmp_path, '--out', 'results.pkl')
    assert cfg.test_evaluator[0] == dict(type='CocoMetric')
    dump = cfg.test_evaluator[-1]
    assert dump.type.split('.')[-1] == 'DumpResults'
    assert dump.out_file_path == 'results.pkl'
    # a list of evaluators gets the dump metric appended
    cfg = build_test_cfg(
        tmp_path,
        '--out',
        'results.pickle',
        extra="test_evaluator = [dict(type='A'), dict(type='B')]\n")
    assert [m.type for m in cfg.test_evaluator][:2] == ['A', 'B']
    assert cfg.test_evaluator[2].out_file_path == 'results.pickle'
    with pytest.raises(ValueError, match='pkl'):
        build_test_cfg(tmp_path, '--out', 'results.json')


def test_test_dump_metric_is_mmengines(tmp_path):
    from mmengine.evaluator import DumpResults
    from mmengine.registry import METRICS
    cfg = build_test_cfg(tmp_path, '--out', 'results.pkl')
    assert METRICS.get(cfg.test_evaluator[-1].type) is DumpResults


def test_test_tta(tmp_path):
    with pytest.raises(RuntimeError, match='tta_model'):
        build_test_cfg(tmp_path, '--tta')
    with pytest.raises(RuntimeError, match='tta_pipeline'):
        build_test_cfg(tmp_path, '--tta', extra="tta_model = dict(type='DetTTAModel')\n")
    extra = ("tta_model = dict(type='DetTTAModel', "
             "tta_cfg=dict(max_per_img=100))\n"
             "tta_pipeline = [dict(type='LoadImageFromFile'), "
             "dict(type='TestTimeAug', transforms=[])]\n")
    cfg = build_test_cfg(tmp_path, '--tta', extra=extra)
    assert cfg.model.type == 'DetTTAModel'
    assert cfg.model.tta_cfg.max_per_img == 100
    assert cfg.model.module == dict(type='RetinaNet')
    assert cfg.test_dataloader.dataset.pipeline[-1].type == 'TestTimeAug'


# ------------------------------------------------------------ shell tools
@pytest.mark.parametrize('script', sorted(glob.glob(osp.join(TOOLS, '*.sh'))), ids=osp.basename)
def test_shell_scripts_syntax(script):
    result = subprocess.run(['bash', '-n', script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_test_tool_drops_early_stopping(tmp_path):
    extra = "custom_hooks = [dict(type='EarlyStoppingHook', monitor='coco/bbox_mAP'), " \
            "dict(type='EMAHook')]\n"
    args = TEST_TOOL.parse_args([write_config(tmp_path, extra), 'ckpt.pth'])
    cfg = TEST_TOOL.build_cfg(args)
    assert [h['type'] for h in cfg.custom_hooks] == ['EMAHook']
