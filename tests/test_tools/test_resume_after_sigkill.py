"""Training killed with SIGKILL in the middle of an epoch resumes with ``--resume`` to the same
final weights, optimizer, scheduler and metrics as a run that was never interrupted.

One case per algorithm family: a plain model, feature KD, adversarial KD (discriminator trained
with the student, and with its own optimizer), logits KD. Each case runs ``tools/train.py`` in
subprocesses: the uninterrupted reference and the run that dies (a hook of
``tests/crash_hooks.py`` sends SIGKILL to its own process) side by side, then ``--resume`` on the
dead run's work dir.

* Iteration-based runs (MFNet demo) keep a checkpoint every 3 iterations of 4-iteration epochs
  and die at iteration 5: the resume starts in the middle of an epoch, skips the 3 batches the
  sampler already gave, and crosses the next epoch's reshuffle.
* Epoch-based runs (MAVOC demo) keep a checkpoint per epoch and die in the middle of epoch 2:
  the resume trains epoch 2 again from its start, with the sampler's epoch-2 order.

The configs draw no random numbers of the global generators (test pipeline for training, no
dropout, no label mixing): mmengine seeds those again on resume, as mmdet / mmseg do, so a run
that draws them continues with another stream. Deterministic mode, one thread.
"""
import glob
import json
import os.path as osp
import signal
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from ..conftest import ROOT, _offline_tiny_model
from ..crash_hooks import crash_env

# resumed: the iterations the resumed run trains (a run that started again from scratch would
# reach the same weights in deterministic mode, so this is what tells a resume apart)
ITER_BASED = dict(
    max_iters=6,
    checkpoint=3,
    kill=5,
    final='iter_6.pth',
    mid='iter_3.pth',
    resumed=set(range(4, 7)))
EPOCH_BASED = dict(
    max_epochs=3, kill=8, final='epoch_3.pth', mid='epoch_1.pth',
    resumed=set(range(6, 16)))  # 5 iterations per epoch
DEMO = 'configs/demo'
CASES = {
    'plain': (f'{DEMO}/baseline_fcn-r18_thermal_mfnet_demo.py', 'mIoU'),
    'feature_kd': (f'{DEMO}/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py', 'mIoU'),
    'adversarial_joint': (f'{DEMO}/cmkd-adv_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py', 'mIoU'),
    'adversarial_separate_optimizers':
    (f'{DEMO}/cmkd-adv-sepopt_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py', 'mIoU'),
    'logits_kd':
    ('configs/classification/ntire2021/kd1_resnet18_sar-to-eo_mavoc2021_demo.py', 'accuracy/top1'),
}


def _no_randomness(node) -> None:
    """No dropout, no label mixing: nothing draws from the global random generators."""
    if isinstance(node, dict):
        for key in ('dropout_ratio', 'dropout'):  # decode heads, discriminators
            if isinstance(node.get(key), float):
                node[key] = 0.
        if node.get('type') == 'FeatureDiscriminator':  # dropout 0.5 by default
            node['dropout'] = 0.
        if 'mix_labels' in node:
            node['mix_labels'] = False
        for value in node.values():
            _no_randomness(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _no_randomness(value)


def write_config(path: str, config: str, data_root: str) -> dict:
    """Shrink ``config`` to a few deterministic iterations on ``data_root``; return the plan."""
    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg.custom_imports = dict(imports=['cmkd_mm', 'tests.crash_hooks'], allow_failed_imports=False)
    cfg.randomness = dict(seed=0, deterministic=True)
    for split in ('train', 'val'):
        loader = cfg[f'{split}_dataloader']
        loader.dataset.data_root = data_root
        loader.update(
            batch_size=1 if split == 'val' else loader.batch_size,
            num_workers=0,
            persistent_workers=False)
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.train_dataloader.dataset.pipeline = cfg.test_pipeline
    _no_randomness(cfg.model)
    _offline_tiny_model(cfg.model)
    if 'teacher_ckpt' in cfg.model:
        cfg.model.teacher_ckpt = None  # a random teacher: the same one in every run (seed 0)
    if cfg.train_cfg.type == 'IterBasedTrainLoop':
        plan = ITER_BASED
        cfg.train_dataloader.batch_size = 1  # 4 demo images: 4 iterations per epoch
        cfg.train_cfg = dict(
            type='IterBasedTrainLoop', max_iters=plan['max_iters'], val_interval=plan['max_iters'])
        cfg.default_hooks.checkpoint = dict(
            type='CheckpointHook', by_epoch=False, interval=plan['checkpoint'])
    else:
        plan = EPOCH_BASED
        cfg.train_dataloader.batch_size = 4  # 20 demo chips: 5 iterations per epoch
        cfg.train_cfg = dict(
            type='EpochBasedTrainLoop',
            max_epochs=plan['max_epochs'],
            val_interval=plan['max_epochs'])
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=True, interval=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.custom_hooks = list(cfg.get('custom_hooks')
                            or []) + [dict(type='KillAtIter', iteration=plan['kill'])]
    cfg.log_level = 'WARNING'
    cfg.dump(path)
    return plan


def _train(config, work_dir, *args, kill=False):
    return subprocess.Popen([
        sys.executable,
        osp.join(ROOT, 'tools', 'train.py'), config, '--work-dir', work_dir, *args
    ],
                            cwd=ROOT,
                            env=crash_env(kill=kill),
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            text=True)


def _finish(proc):
    out, _ = proc.communicate(timeout=600)
    return proc.returncode, out


def _assert_same(a, b, where=''):
    """Exact equality of nested checkpoint content (tensors bit for bit)."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert set(a) == set(b), f'{where}: {sorted(set(a) ^ set(b))}'
        for key in a:
            _assert_same(a[key], b[key], f'{where}.{key}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f'{where}[{i}]')
    else:
        assert a == b, f'{where}: {a!r} != {b!r}'


def _newest_log(work_dir):
    """The scalar records logged by the newest run in ``work_dir``."""
    scalars = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))[-1]
    with open(scalars) as f:
        return [json.loads(line) for line in f]


def _final_metrics(work_dir, metric):
    """The last record with ``metric`` of the newest run in ``work_dir``."""
    records = [r for r in _newest_log(work_dir) if metric in r]
    assert records, f'no {metric} logged in {work_dir}'
    return {k: v for k, v in records[-1].items() if k not in ('time', 'data_time')}


@pytest.mark.parametrize('family', list(CASES))
def test_sigkill_mid_epoch_then_resume(family, tmp_path, mfnet_demo_root, mavoc_demo_root):
    config, metric = CASES[family]
    root = mavoc_demo_root if 'mavoc' in config else mfnet_demo_root
    cfg_path = str(tmp_path / 'config.py')
    plan = write_config(cfg_path, config, root)
    reference, work = str(tmp_path / 'reference'), str(tmp_path / 'work')

    runs = [_train(cfg_path, reference), _train(cfg_path, work, kill=True)]
    (ref_rc, ref_out), (kill_rc, kill_out) = [_finish(p) for p in runs]
    assert ref_rc == 0, ref_out[-3000:]
    assert kill_rc == -signal.SIGKILL, kill_out[-3000:]
    assert osp.isfile(osp.join(work, plan['mid'])) and not osp.exists(osp.join(work, plan['final']))

    rc, out = _finish(_train(cfg_path, work, '--resume'))
    assert rc == 0, out[-3000:]
    assert {r['iter'] for r in _newest_log(work) if 'loss' in r} == plan['resumed']

    final = torch.load(osp.join(work, plan['final']), map_location='cpu')
    expected = torch.load(osp.join(reference, plan['final']), map_location='cpu')
    for key in ('state_dict', 'optimizer', 'param_schedulers'):
        _assert_same(final[key], expected[key], key)
    _assert_same({k: final['meta'][k]
                  for k in ('epoch', 'iter')}, {k: expected['meta'][k]
                                                for k in ('epoch', 'iter')}, 'meta')
    assert _final_metrics(work, metric) == _final_metrics(reference, metric)
