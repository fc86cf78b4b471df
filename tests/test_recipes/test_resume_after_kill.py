"""A recipe killed with SIGKILL in the middle of its second stage resumes where it stopped.

The command runs in a subprocess. A hook of the test's own holds stage 2 after its epoch-2
checkpoint is written, the test kills the process there with SIGKILL, and runs the same command
again. Stage 1 must not train again, stage 2 must resume from its checkpoint, and the final
metrics must equal those of an uninterrupted run. The stage config draws no random numbers
(test pipeline for training, no label mixing; mmengine seeds again on resume, so a run that draws
random numbers would continue with another stream) and runs in deterministic mode.
"""
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

from cmkd_mm.recipes import MARKER

from ..conftest import ROOT

HOOK = '''
import os
import time

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class HoldAfterEpoch(Hook):
    """With CMKD_TEST_HOLD set, write that file after epoch N's checkpoint and wait."""
    priority = 'LOWEST'  # after the CheckpointHook

    def __init__(self, epoch):
        self.epoch = epoch

    def after_train_epoch(self, runner):
        flag = os.environ.get('CMKD_TEST_HOLD')
        if flag and runner.epoch + 1 == self.epoch:
            open(flag, 'w').close()
            time.sleep(120)
'''

STAGE = '''
_base_ = [{base!r}]
train_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline))
model = dict(head=dict(loss=dict(mix_labels=False)))
custom_imports = dict(imports=['cmkd_mm', 'hold_hook'], allow_failed_imports=False)
'''

RECIPE = '''
cfg_options = {{
    'train_cfg.max_epochs': 3, 'train_cfg.val_interval': 1,
    'default_hooks.checkpoint.interval': 1, 'randomness.deterministic': True,
    'test_dataloader.dataset.label_file': 'test_labels.csv',
}}
stages = dict(
    first=dict(type='Train', config={stage!r}),
    second=dict(
        type='Train', config={stage!r}, inputs={{'load_from': 'first.best'}},
        evaluate=['val', 'test'],
        cfg_options=dict(custom_hooks=[dict(type='HoldAfterEpoch', epoch=2)])))
'''


def _command(recipe, work_dir, data_root):
    return [sys.executable, osp.join(ROOT, 'tools', 'run_recipe.py'), recipe, '--work-dir',
            work_dir, '--data-root', data_root]


def _env(tmp_path, hold=None):
    env = dict(os.environ, PYTHONPATH=str(tmp_path) + os.pathsep +
               os.environ.get('PYTHONPATH', ''), OMP_NUM_THREADS='1')
    env.pop('CMKD_TEST_HOLD', None)
    if hold:
        env['CMKD_TEST_HOLD'] = hold
    return env


def _record(work_dir, stage):
    with open(osp.join(work_dir, stage, MARKER)) as f:
        return json.load(f)


def test_sigkill_in_stage_two_then_rerun_resumes(tmp_path, mavoc_demo_root):
    (tmp_path / 'hold_hook.py').write_text(HOOK)
    base = osp.join(ROOT, 'configs', 'classification', 'baseline_eo_mavoc2021_demo.py')
    (tmp_path / 'stage.py').write_text(STAGE.format(base=base))
    recipe = tmp_path / 'recipe.py'
    recipe.write_text(RECIPE.format(stage=str(tmp_path / 'stage.py')))

    # uninterrupted reference
    reference = str(tmp_path / 'reference')
    subprocess.run(_command(str(recipe), reference, mavoc_demo_root), cwd=ROOT, check=True,
                   env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=600)

    work = str(tmp_path / 'work')
    hold = str(tmp_path / 'holding')
    proc = subprocess.Popen(_command(str(recipe), work, mavoc_demo_root), cwd=ROOT,
                            env=_env(tmp_path, hold), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 600
        while not osp.exists(hold):
            assert proc.poll() is None, 'the run ended before stage 2 was held'
            assert time.time() < deadline
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert osp.isfile(osp.join(work, 'first', MARKER))
    assert not osp.isfile(osp.join(work, 'second', MARKER))
    assert osp.isfile(osp.join(work, 'second', 'epoch_2.pth'))
    first_done = osp.getmtime(osp.join(work, 'first', MARKER))

    rerun = subprocess.run(_command(str(recipe), work, mavoc_demo_root), cwd=ROOT,
                           env=_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    log = rerun.stdout + rerun.stderr
    assert 'first: finished before, skipped' in log
    assert 'second: resuming from' in log and 'epoch_2.pth' in log
    assert osp.getmtime(osp.join(work, 'first', MARKER)) == first_done
    # only epoch 3 was trained again
    trained = set(re.findall(r'Epoch\(train\)\s+\[(\d+)\]', log))
    assert trained == {'3'}
    assert _record(work, 'second')['metrics'] == _record(reference, 'second')['metrics']
