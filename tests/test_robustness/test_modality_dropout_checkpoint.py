"""tools/analysis_tools/modality_dropout.py refuses a checkpoint that does not fit its config
(mmengine's Runner loaded what fitted and the table was printed for a partly random model) or
that is no checkpoint, naming the file, before anything is tested."""
import copy
import os
import os.path as osp
import random

import pytest
import torch
from mmengine.registry import DefaultScope

from cmkd_mm.utils.checkpoint import CheckpointMismatchError, CheckpointReadError
from ..conftest import load_tool, tiny_cfg

TEACHER = 'configs/demo/teacher_fcn-r18_rgb-thermal_mfnet_demo.py'
STUDENT = 'configs/demo/baseline_fcn-r18_thermal_mfnet_demo.py'


def _files(cfg, tmp_path, name):
    """The config dumped and a checkpoint of its (initial) model."""
    from mmseg.registry import MODELS
    config = str(tmp_path / f'{name}.py')
    cfg.dump(config)
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(copy.deepcopy(cfg.model))
    ckpt = str(tmp_path / f'{name}.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(experiment_name=name)), ckpt)
    return config, ckpt


def test_a_checkpoint_of_another_config_is_refused_before_testing(mfnet_demo_root, tmp_path):
    teacher, _ = _files(tiny_cfg(TEACHER, mfnet_demo_root, str(tmp_path)), tmp_path, 'teacher')
    _, student_ckpt = _files(tiny_cfg(STUDENT, mfnet_demo_root, str(tmp_path)), tmp_path, 'student')
    work_dir = tmp_path / 'md'
    tool = load_tool('analysis_tools/modality_dropout.py')
    with pytest.raises(CheckpointMismatchError) as err:
        tool.main([teacher, student_ckpt, '--drop', 'rgb', '--work-dir', str(work_dir)])
    text = str(err.value)
    # the RGB + thermal teacher's first conv takes 4 channels, the thermal student's 1
    assert text.splitlines()[0] == (
        f'{student_ckpt} does not fit the model of teacher.py: 0 missing [], 0 unexpected [], '
        '1 of another shape (checkpoint vs model) [backbone.stem.0.weight (8, 1, 3, 3) vs '
        '(8, 4, 3, 3)].')
    assert 'It was saved by the run student.' in text and 'nothing was run' in text
    assert not any(f.endswith('.json') for _, _, fs in os.walk(work_dir) for f in fs)


def test_a_file_that_is_no_checkpoint_is_named(mfnet_demo_root, tmp_path):
    teacher, _ = _files(tiny_cfg(TEACHER, mfnet_demo_root, str(tmp_path)), tmp_path, 'teacher')
    bad = tmp_path / 'teacher_best.pth'
    bad.write_bytes(random.Random(2).randbytes(1024))
    tool = load_tool('analysis_tools/modality_dropout.py')
    with pytest.raises(CheckpointReadError, match=f'^{bad} is not a readable PyTorch checkpoint'):
        tool.main([teacher, str(bad), '--drop', 'rgb', '--work-dir', str(tmp_path / 'md')])
    assert not osp.isdir(tmp_path / 'md')
