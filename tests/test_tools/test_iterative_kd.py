"""tools/iterative_kd.py: the chain's teacher/student wiring, and resuming after a failure."""
import json
import os
import os.path as osp

import pytest
import torch

from ..conftest import ROOT, load_tool

EO = osp.join(ROOT, 'configs/classification/kd2_eo-step_mavoc2021.py')
SAR = osp.join(ROOT, 'configs/classification/kd2_sar-step_mavoc2021.py')


def test_plan_alternates_roles_and_uses_the_latest_models():
    plan = load_tool('iterative_kd.py').plan(2, 'pre_eo', 'pre_sar')
    assert [(s['name'], s['teacher'], s['student']) for s in plan] == [
        ('iter0_eo', 'pre_sar', 'pre_eo'),
        ('iter0_sar', 'iter0_eo', 'pre_sar'),
        ('iter1_eo', 'iter0_sar', 'iter0_eo'),
        ('iter1_sar', 'iter1_eo', 'iter0_sar'),
    ]


class FakeTrain:
    """Stands in for a training run: records the config and writes a distillation checkpoint."""

    def __init__(self, fail_at=None):
        self.calls, self.fail_at = [], fail_at

    def __call__(self, cfg):
        name = osp.basename(cfg.work_dir)
        self.calls.append(dict(name=name, teacher=cfg.model.teacher_ckpt,
                               student=cfg.model.architecture.init_cfg.checkpoint,
                               lr=cfg.optim_wrapper.optimizer.lr,
                               loss_kl=cfg.model.distiller.distill_losses.loss_kl.loss_weight,
                               student_view=cfg.model.data_preprocessor.views.student))
        if name == self.fail_at:
            raise KeyboardInterrupt
        os.makedirs(cfg.work_dir, exist_ok=True)
        state = {'architecture.head.fc.weight': torch.full((10, 512), float(len(self.calls))),
                 'teacher.head.fc.weight': torch.zeros(10, 512)}
        torch.save(dict(state_dict=state, meta={}), osp.join(cfg.work_dir, 'best_acc.pth'))


def test_chain_wiring_lr_and_resume(tmp_path):
    tool = load_tool('iterative_kd.py')
    pre_eo, pre_sar = tmp_path / 'pre_eo.pth', tmp_path / 'pre_sar.pth'
    torch.save({}, pre_eo)
    torch.save({}, pre_sar)
    work = str(tmp_path / 'chain')
    first = FakeTrain(fail_at='iter1_eo')
    with pytest.raises(KeyboardInterrupt):
        tool.run_chain(EO, SAR, str(pre_eo), str(pre_sar), work, iterations=2, train=first)
    assert [c['name'] for c in first.calls] == ['iter0_eo', 'iter0_sar', 'iter1_eo']
    iter0_eo = osp.join(work, 'iter0_eo', 'student.pth')
    assert first.calls[0] == dict(name='iter0_eo', teacher=str(pre_sar), student=str(pre_eo),
                                  lr=0.01, loss_kl=0.2, student_view=['eo'])
    assert first.calls[1] == dict(name='iter0_sar', teacher=iter0_eo, student=str(pre_sar),
                                  lr=0.01, loss_kl=0.8, student_view=['sar'])
    # the student checkpoint is a plain classifier: the 'architecture.' prefix is gone
    state = torch.load(iter0_eo, map_location='cpu')['state_dict']
    assert set(state) == {'head.fc.weight'} and state['head.fc.weight'][0, 0] == 1

    again = FakeTrain()
    records = tool.run_chain(EO, SAR, str(pre_eo), str(pre_sar), work, iterations=2, train=again)
    assert [c['name'] for c in again.calls] == ['iter1_eo', 'iter1_sar']  # finished steps kept
    assert again.calls[0]['teacher'] == osp.join(work, 'iter0_sar', 'student.pth')
    assert again.calls[0]['student'] == iter0_eo
    assert again.calls[0]['lr'] == pytest.approx(0.005)
    assert [r['name'] for r in records] == ['iter0_eo', 'iter0_sar', 'iter1_eo', 'iter1_sar']
    with open(osp.join(work, 'iter1_sar', 'step_done.json')) as f:
        assert json.load(f)['teacher'] == osp.join(work, 'iter1_eo', 'student.pth')


def test_missing_pretrained_checkpoint_says_what_to_do(tmp_path):
    tool = load_tool('iterative_kd.py')
    with pytest.raises(FileNotFoundError, match='single-modality baselines'):
        tool.run_chain(EO, SAR, str(tmp_path / 'no.pth'), str(tmp_path / 'no.pth'),
                       str(tmp_path), train=FakeTrain())
