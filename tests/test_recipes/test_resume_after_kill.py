"""A recipe killed with SIGKILL in the middle of a stage resumes where it stopped.

The command runs in a subprocess. In the first test a hook of ``tests/crash_hooks.py`` holds
stage 2 once its epoch 2 is saved and validated, the test kills the process there with SIGKILL,
and runs the same command again. Stage 1 must not train again, stage 2 must resume from its
checkpoint, and the final metrics must equal those of an uninterrupted run. The stage config
draws no random numbers (test pipeline for training, no label mixing; mmengine seeds again on
resume, so a run that draws random numbers would continue with another stream) and runs in
deterministic mode.

The second test is the iterative chain (NTIRE 2021 KD method 2: a ``Loop`` of EO and SAR steps,
each distilling from the other's latest model): the process kills itself in the middle of an
epoch of the second iteration's EO step, the rerun resumes that step from its last epoch
checkpoint, and the chain ends with the same student weights and metrics.
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
from ..crash_hooks import crash_env

NTIRE2021 = osp.join(ROOT, 'configs', 'classification', 'ntire2021')
STAGE = '''
_base_ = [{base!r}]
train_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline))
model = dict(head=dict(loss=dict(mix_labels=False)))
custom_imports = dict(imports=['cmkd_mm', 'tests.crash_hooks'], allow_failed_imports=False)
custom_hooks = _base_.custom_hooks + [
    dict(type='HoldAfterValidation', epoch=2, stage='second')]
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
        evaluate=['val', 'test']))
'''


def _command(recipe, work_dir, data_root):
    return [
        sys.executable,
        osp.join(ROOT, 'tools', 'run_recipe.py'), recipe, '--work-dir', work_dir, '--data-root',
        data_root
    ]


def _record(work_dir, stage):
    with open(osp.join(work_dir, stage, MARKER)) as f:
        return json.load(f)


def test_sigkill_in_stage_two_then_rerun_resumes(tmp_path, mavoc_demo_root):
    base = osp.join(NTIRE2021, 'baseline_resnet18_eo_mavoc2021_demo.py')
    (tmp_path / 'stage.py').write_text(STAGE.format(base=base))
    recipe = tmp_path / 'recipe.py'
    recipe.write_text(RECIPE.format(stage=str(tmp_path / 'stage.py')))

    # uninterrupted reference
    reference = str(tmp_path / 'reference')
    subprocess.run(
        _command(str(recipe), reference, mavoc_demo_root),
        cwd=ROOT,
        check=True,
        env=crash_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=600)

    work = str(tmp_path / 'work')
    hold = str(tmp_path / 'holding')
    proc = subprocess.Popen(
        _command(str(recipe), work, mavoc_demo_root),
        cwd=ROOT,
        env=crash_env(hold=hold),
        stdout=subprocess.DEVNULL,
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

    rerun = subprocess.run(
        _command(str(recipe), work, mavoc_demo_root),
        cwd=ROOT,
        env=crash_env(),
        capture_output=True,
        text=True,
        timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    log = rerun.stdout + rerun.stderr
    assert 'first: finished before, skipped' in log
    assert 'second: resuming from' in log and 'epoch_2.pth' in log
    assert osp.getmtime(osp.join(work, 'first', MARKER)) == first_done
    # only epoch 3 was trained again
    trained = set(re.findall(r'Epoch\(train\)\s+\[(\d+)\]', log))
    assert trained == {'3'}
    assert _record(work, 'second')['metrics'] == _record(reference, 'second')['metrics']


CHAIN_STAGE = '''
_base_ = [{base!r}]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=_base_.test_pipeline))
model = dict({head})
custom_imports = dict(imports=['cmkd_mm', 'tests.crash_hooks'], allow_failed_imports=False)
custom_hooks = _base_.custom_hooks + [
    dict(type='KillAtIter', iteration=8, stage='kd2_iter1_eo_step')]
'''

CHAIN = '''
cfg_options = {{
    'train_cfg.max_epochs': 2, 'train_cfg.val_interval': 2,
    'default_hooks.checkpoint.interval': 1, 'randomness.deterministic': True,
    'val_dataloader.batch_size': 8, 'test_dataloader.dataset.label_file': 'test_labels.csv',
}}
_step = dict(type='Train', extract_student=True)
stages = dict(
    eo=dict(type='Train', config={eo!r}, cfg_options={{'train_cfg.max_epochs': 1}}),
    sar=dict(type='Train', config={sar!r}, cfg_options={{'train_cfg.max_epochs': 1}}),
    kd2=dict(
        type='Loop', iterations=2, carry=dict(eo='eo.best', sar='sar.best'),
        body=dict(
            eo_step=dict(_step, config={eo_step!r}, update=dict(eo='student'), inputs={{
                'model.teacher_ckpt': 'kd2.sar',
                'model.architecture.init_cfg.checkpoint': 'kd2.eo'}}),
            sar_step=dict(_step, config={sar_step!r}, update=dict(sar='student'), inputs={{
                'model.teacher_ckpt': 'kd2.eo',
                'model.architecture.init_cfg.checkpoint': 'kd2.sar'}}))))
'''


def test_iterative_chain_killed_mid_epoch_resumes(tmp_path, mavoc_demo_root):
    import torch
    configs = {}
    for key, name in dict(
            eo='baseline_resnet18_eo',
            sar='teacher_resnet18_sar',
            eo_step='kd2-eo-step_resnet18_sar-to-eo',
            sar_step='kd2-sar-step_resnet18_eo-to-sar').items():
        base = osp.join(NTIRE2021, f'{name}_mavoc2021_demo.py')
        loss = 'head=dict(loss=dict(mix_labels=False))'
        head = f'architecture=dict({loss})' if 'step' in key else loss
        configs[key] = str(tmp_path / f'{key}.py')
        with open(configs[key], 'w') as f:
            f.write(CHAIN_STAGE.format(base=base, head=head))
    recipe = tmp_path / 'chain.py'
    recipe.write_text(CHAIN.format(**configs))

    reference, work = str(tmp_path / 'reference'), str(tmp_path / 'work')
    runs = [
        subprocess.Popen(
            _command(str(recipe), wd, mavoc_demo_root),
            cwd=ROOT,
            env=crash_env(kill=kill),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL) for wd, kill in ((reference, False), (work, True))
    ]
    codes = [p.wait(timeout=600) for p in runs]
    assert codes == [0, -signal.SIGKILL]
    killed = osp.join(work, 'kd2_iter1_eo_step')
    assert osp.isfile(osp.join(killed, 'epoch_1.pth')) and not osp.isfile(osp.join(killed, MARKER))
    assert osp.isfile(osp.join(work, 'kd2_iter0_sar_step', MARKER))

    rerun = subprocess.run(
        _command(str(recipe), work, mavoc_demo_root),
        cwd=ROOT,
        env=crash_env(),
        capture_output=True,
        text=True,
        timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    log = rerun.stdout + rerun.stderr
    for stage in ('eo', 'sar', 'kd2_iter0_eo_step', 'kd2_iter0_sar_step'):
        assert f'{stage}: finished before, skipped' in log
    assert 'kd2_iter1_eo_step: resuming from' in log and 'epoch_1.pth' in log
    for stage in ('kd2_iter1_eo_step', 'kd2_iter1_sar_step'):
        done, expected = _record(work, stage), _record(reference, stage)
        assert done['metrics'] == expected['metrics'], stage
        student = torch.load(done['outputs']['student'], map_location='cpu')['state_dict']
        want = torch.load(expected['outputs']['student'], map_location='cpu')['state_dict']
        assert student.keys() == want.keys()
        for key in want:
            assert torch.equal(student[key], want[key]), f'{stage}: {key}'
