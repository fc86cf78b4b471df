"""LossWeightScheduleHook: piecewise-constant loss weights by epoch or iteration."""
import os.path as osp
from types import SimpleNamespace

import pytest
from mmengine.registry import HOOKS
from mmengine.runner import Runner
from torch import nn

from ...conftest import tiny_cfg

JOINT = 'configs/classification/njust-kmg/kd-joint_resnet18_eo-to-sar_mavoc2024.py'


class _Loss(nn.Module):

    def __init__(self, loss_weight):
        super().__init__()
        self.loss_weight = loss_weight


def _model():
    model = nn.Module()
    model.distiller = nn.Module()
    model.distiller.distill_losses = nn.ModuleDict(dict(loss_nce=_Loss(1.0)))
    model.head = nn.Module()
    model.head.loss_module = _Loss(1.0)
    return model


def _weights(hook, model, epoch=0, it=0):
    runner = SimpleNamespace(model=model, epoch=epoch, iter=it)
    hook.before_train_iter(runner, 0)
    return (model.distiller.distill_losses.loss_nce.loss_weight, model.head.loss_module.loss_weight)


def test_alpha_schedule_by_epoch():
    hook = HOOKS.build(
        dict(
            type='LossWeightScheduleHook',
            schedule={
                'distiller.distill_losses.loss_nce.loss_weight': [(0, 0.8), (10, 0.5)],
                'head.loss_module.loss_weight': [(10, 0.5), (0, 0.2)]
            }))  # any order
    model = _model()
    assert _weights(hook, model, epoch=0, it=500) == (0.8, 0.2)
    assert _weights(hook, model, epoch=9) == (0.8, 0.2)
    assert _weights(hook, model, epoch=10) == (0.5, 0.5)
    assert _weights(hook, model, epoch=57) == (0.5, 0.5)
    assert _weights(hook, model, epoch=3) == (0.8, 0.2)  # e.g. resumed in an earlier epoch


def test_by_iteration_and_value_before_the_first_start():
    hook = HOOKS.build(
        dict(
            type='LossWeightScheduleHook',
            by_epoch=False,
            schedule={'head.loss_module.loss_weight': [(100, 0.3)]}))
    model = _model()
    assert _weights(hook, model, epoch=5, it=99)[1] == 1.0  # the configured value stays
    assert _weights(hook, model, epoch=0, it=100)[1] == 0.3


def test_bad_path_and_schedule():
    hook = HOOKS.build(
        dict(
            type='LossWeightScheduleHook',
            schedule={'distiller.distill_losses.loss_kl.loss_weight': [(0, 1)]}))
    with pytest.raises(AttributeError, match='has no "loss_kl"'):
        hook.before_train(SimpleNamespace(model=_model()))
    with pytest.raises(ValueError, match='start >= 0'):
        HOOKS.build(dict(type='LossWeightScheduleHook', schedule={'a.b': [(-1, 0.)]}))


def test_switches_the_joint_stage2_weights_in_a_run(mavoc2024_demo_root, tmp_path):
    cfg = tiny_cfg(JOINT, mavoc2024_demo_root, str(tmp_path), iters=2)
    assert cfg.custom_hooks[0].schedule == {
        'distiller.distill_losses.loss_nce.loss_weight': [(0, 0.8), (10, 0.5)],
        'teacher.head.loss_module.loss_weight': [(0, 0.2), (10, 0.5)]
    }
    cfg.custom_hooks[0].by_epoch = False  # switch after the first iteration instead of epoch 10
    cfg.custom_hooks[0].schedule = {
        'distiller.distill_losses.loss_nce.loss_weight': [(0, 0.8), (1, 0.5)],
        'teacher.head.loss_module.loss_weight': [(0, 0.2), (1, 0.5)]
    }
    runner = Runner.from_cfg(cfg)
    algorithm = runner.model
    assert algorithm.distiller.distill_losses.loss_nce.loss_weight == 0.8
    assert algorithm.teacher.head.loss_module.loss_weight == pytest.approx(0.2)
    runner.train()
    assert algorithm.distiller.distill_losses.loss_nce.loss_weight == 0.5
    assert algorithm.teacher.head.loss_module.loss_weight == 0.5
    assert osp.isfile(osp.join(str(tmp_path), 'iter_2.pth'))
