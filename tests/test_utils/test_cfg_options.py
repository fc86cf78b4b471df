"""--cfg-options that nothing would read are refused, naming the option and the closest key;
the keys mmengine's Runner reads without the config, and a model type's own arguments, pass."""
import pytest
from mmengine.config import Config

from cmkd_mm.utils.cfg_options import check_options, option_problem, runner_keys
from cmkd_mm.utils.config import load_config

CONFIG = """
default_scope = 'mmdet'
model = dict(type='FasterRCNN', backbone=dict(type='ResNet', depth=50))
train_dataloader = dict(batch_size=2)
"""
DISTILL = dict(
    default_scope='mmdet',
    model=dict(
        _scope_='mmrazor',
        type='CrossModalDistill',
        architecture=dict(type='mmdet.FasterRCNN', backbone=dict(depth=18)),
        teacher=dict(type='mmdet.FasterRCNN', backbone=dict(depth=50))))


def test_a_top_level_typo_is_refused_naming_it_and_the_closest_key(tmp_path):
    path = tmp_path / 'a.py'
    path.write_text(CONFIG)
    with pytest.raises(KeyError) as error:
        load_config(str(path), {'train_dataloder.batch_size': 1})
    message = str(error.value)
    assert str(path) in message and 'train_dataloder.batch_size' in message
    assert 'did you mean train_dataloader?' in message
    assert load_config(str(path), {
        'train_dataloader.batch_size': 1
    }).train_dataloader == dict(batch_size=1)


def test_keys_the_runner_reads_without_the_config_are_accepted():
    cfg = Config(dict(model=dict(type='FasterRCNN')))
    # every argument Runner.from_cfg passes (read from the config whether present or not)
    assert {
        'load_from', 'resume', 'work_dir', 'randomness', 'default_scope', 'launcher', 'env_cfg',
        'train_cfg', 'experiment_name', 'model_wrapper_cfg'
    } <= runner_keys()
    check_options(
        cfg, {
            'load_from': 'x.pth',
            'resume': True,
            'randomness.seed': 0,
            'env_cfg.cudnn_benchmark': True,
            'track': True
        })
    assert 'cfg' not in runner_keys()


def test_model_keys_are_those_of_the_config_or_of_the_model_type():
    cfg = Config(dict(DISTILL))
    # the distillation algorithm takes teacher_ckpt (mmrazor's base class, through **kwargs)
    assert option_problem(cfg, 'model.teacher_ckpt') is None
    assert option_problem(cfg, 'model.architecture.backbone.depth') is None
    assert option_problem(cfg, 'model.architecture.backbone.new_key') is None  # not checked
    problem = option_problem(cfg, 'model.teachr_ckpt')
    assert problem.startswith("model.teachr_ckpt: the model (CrossModalDistill) has no 'teachr")
    assert 'did you mean model.teacher_ckpt?' in problem
    # the student's part is named where the algorithm has none
    assert 'did you mean model.architecture.backbone.depth or model.teacher.backbone.depth?' in \
        option_problem(cfg, 'model.backbone.depth')
    plain = Config(dict(default_scope='mmdet', model=dict(type='FasterRCNN')))
    assert option_problem(plain, 'model.train_cfg.rpn.debug') is None  # FasterRCNN takes it
    assert 'did you mean model.backbone?' in option_problem(plain, 'model.backbon.depth')
