"""Sensor-failure evaluation: the failure modes, and the teacher / failed / student table."""
import copy
import json
import os.path as osp

import pytest
import torch
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from cmkd_mm.models.data_preprocessors import (ModalityFailure, MultiModalDataPreprocessor,
                                               fail_modality, sensor_modalities)
from cmkd_mm.robustness.modality_dropout import compare, failure_config, failure_table
from cmkd_mm.robustness.split_identity import split_differences
from ..conftest import load_tool, tiny_cfg

TEACHER = 'configs/demo/teacher_fcn-r18_rgb-thermal_mfnet_demo.py'
STUDENT = 'configs/demo/baseline_fcn-r18_thermal_mfnet_demo.py'
CMKD = 'configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py'

RGB = dict(mean=[120., 110., 100.], std=[60., 50., 40.])
THERMAL = dict(mean=[300.], std=[100.])


def _stats(cfg):
    return (torch.tensor(cfg['mean']).view(-1, 1, 1), torch.tensor(cfg['std']).view(-1, 1, 1))


# ------------------------------------------------------------------------------- the modes
def test_fail_modality_modes():
    mean, std = _stats(RGB)
    x = torch.randn(3, 40, 50)
    zero = fail_modality(x, 'zero', mean, std)
    torch.testing.assert_close(zero, ((0 - mean) / std).expand(3, 40, 50))
    assert torch.equal(fail_modality(x, 'mean', mean, std), torch.zeros_like(x))
    for level in (1.0, 0.5):
        noisy = fail_modality(x, 'noise', mean, std, torch.Generator().manual_seed(3), level)
        assert abs((noisy - x).std().item() - level) < 0.03 * level
        again = fail_modality(x, 'noise', mean, std, torch.Generator().manual_seed(3), level)
        assert torch.equal(noisy, again)
    with pytest.raises(ValueError, match=r"'zero', 'mean', 'noise'"):
        fail_modality(x, 'blur', mean, std)


def test_sensor_names():
    mods = ['rgb', 'gated0', 'gated1', 'gated2', 'gated_x']
    assert sensor_modalities('gated', mods) == ['gated0', 'gated1', 'gated2']
    assert sensor_modalities(['gated1', 'rgb'], mods) == ['rgb', 'gated1']
    with pytest.raises(ValueError, match=r"\['rgb', 'gated0'"):
        sensor_modalities('lidar', mods)


def _batch():
    g = torch.Generator().manual_seed(0)
    rgb = [torch.randint(0, 256, (3, 8, 10), generator=g, dtype=torch.uint8) for _ in range(2)]
    thermal = [torch.randint(0, 1024, (1, 8, 10), generator=g).to(torch.int32) for _ in range(2)]
    return dict(inputs=dict(rgb=rgb, thermal=thermal))


def _pre(failure=None):
    return MultiModalDataPreprocessor(
        modalities=dict(rgb=RGB, thermal=THERMAL, unused=THERMAL),
        views=dict(teacher=['rgb', 'thermal']),
        failure=failure)


def test_preprocessor_failure_touches_the_failed_modality_only():
    intact = _pre()(_batch())['inputs']
    mean, std = _stats(RGB)
    for mode in ('zero', 'mean', 'noise'):
        out = _pre(dict(modality='rgb', mode=mode, level=2.0, seed=1))(_batch())['inputs']
        assert out.shape == intact.shape == (2, 4, 8, 10)
        assert torch.equal(out[:, 3:], intact[:, 3:])  # thermal untouched
        if mode == 'zero':
            torch.testing.assert_close(out[:, :3], ((0 - mean) / std).expand(2, 3, 8, 10))
        elif mode == 'mean':
            assert torch.equal(out[:, :3], torch.zeros(2, 3, 8, 10))
        else:  # seeded: a new preprocessor with the same seed gives the same noise
            again = _pre(dict(modality='rgb', mode=mode, level=2.0, seed=1))(_batch())['inputs']
            assert torch.equal(out, again)
            assert 1.6 < (out - intact)[:, :3].std().item() < 2.4
    with pytest.raises(ValueError, match=r"views read.*\['rgb', 'thermal'\]"):
        _pre(dict(modality='unused', mode='zero'))
    with pytest.raises(ValueError, match=r"'zero', 'mean', 'noise'"):
        _pre(dict(modality='rgb', mode='off'))


# ------------------------------------------------------------------------ config checks
def test_drop_validation_and_same_data(mfnet_demo_root, tmp_path):
    teacher = tiny_cfg(TEACHER, mfnet_demo_root, str(tmp_path))
    assert failure_config(teacher, 'rgb', 'noise', 0.5, 2) == dict(
        modality=['rgb'], mode='noise', level=0.5, seed=2)
    with pytest.raises(ValueError, match=r"\['rgb', 'thermal'\].*changes nothing"):
        failure_config(teacher, 'gated', 'zero')
    # a distillation config: its deployed student reads thermal only, the teacher RGB too
    cmkd = tiny_cfg(CMKD, mfnet_demo_root, str(tmp_path))
    with pytest.raises(ValueError, match=r"view \"student\".*\['thermal'\].*Only its teacher"):
        failure_config(cmkd, 'rgb', 'zero')
    student = tiny_cfg(STUDENT, mfnet_demo_root, str(tmp_path))
    assert split_differences(teacher, student) == []
    other = copy.deepcopy(student)
    other.test_dataloader.dataset.ann_file = 'val.txt'
    assert len(split_differences(teacher, other)) == 1
    torch.save(dict(state_dict={'backbone.w': torch.zeros(1)}), str(tmp_path / 'plain.pth'))
    with pytest.raises(ValueError, match='not tested on the same data.*ann_file'):
        compare(teacher, 'unused.pth', 'rgb', student=(other, 'unused.pth'))
    # a distillation checkpoint with a plain config and the other way round: no weights loaded
    kd_ckpt = str(tmp_path / 'kd.pth')
    torch.save(dict(state_dict={'architecture.w': torch.zeros(1)}), kd_ckpt)
    with pytest.raises(ValueError, match='is a distillation checkpoint'):
        compare(teacher, kd_ckpt, 'rgb')
    with pytest.raises(ValueError, match='holds no "architecture'):
        compare(teacher, 'unused.pth', 'rgb', student=(cmkd, str(tmp_path / 'plain.pth')))


# --------------------------------------------------------------------------- end to end
def _save_init(cfg, path):
    """A randomly initialised model saved as a checkpoint (no training: fast)."""
    from mmseg.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(copy.deepcopy(cfg.model))
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


def _logits(cfg, ckpt):
    """Seg logits of the first test batch."""
    runner = Runner.from_cfg(cfg)
    runner.load_checkpoint(ckpt)
    runner.model.eval()
    batch = next(iter(runner.test_dataloader))
    with torch.no_grad():
        return torch.stack([s.seg_logits.data for s in runner.model.test_step(batch)])


def test_compare_end_to_end(mfnet_demo_root, tmp_path, single_thread):
    torch.manual_seed(0)
    teacher = tiny_cfg(TEACHER, mfnet_demo_root, str(tmp_path / 'teacher'))
    student = tiny_cfg(STUDENT, mfnet_demo_root, str(tmp_path / 'student'))
    files = {}
    for name, cfg in (('teacher', teacher), ('student', student)):
        files[name] = str(tmp_path / f'{name}.py')
        cfg.dump(files[name])
        files[name + '_ckpt'] = _save_init(cfg, str(tmp_path / f'{name}.pth'))

    out = str(tmp_path / 'results.json')
    result = load_tool('analysis_tools/modality_dropout.py').main([
        files['teacher'], files['teacher_ckpt'], '--drop', 'rgb', '--mode', 'zero', 'mean', 'noise',
        '--compare', files['student'], files['student_ckpt'], '--work-dir',
        str(tmp_path / 'md'), '--out', out
    ])
    assert [r['name'] for r in result['rows']] == ['intact', 'zero', 'mean', 'noise', 'student']
    assert {'aAcc', 'mIoU', 'mAcc'} <= set(result['columns'])
    table = failure_table(result).splitlines()
    assert table[0].startswith('| row | model | inputs | ') and len(table) == 2 + 5
    assert '| zero | teacher | rgb[zero] + thermal |' in table[3]
    assert '| student | student | thermal |' in table[6]
    with open(out) as f:
        assert json.load(f)['rows'][0]['metrics'] == result['rows'][0]['metrics']

    # the intact row is what a plain Runner.test() of the checkpoint gives
    plain = copy.deepcopy(teacher)
    plain.load_from, plain.work_dir = files['teacher_ckpt'], str(tmp_path / 'plain')
    assert {k: float(v) for k, v in Runner.from_cfg(plain).test().items()} == \
        result['rows'][0]['metrics']

    # a black RGB camera changes the teacher's prediction
    plain.load_from = None
    intact = _logits(plain, files['teacher_ckpt'])
    plain.model.data_preprocessor.failure = dict(modality='rgb', mode='zero')
    zero = _logits(plain, files['teacher_ckpt'])
    assert intact.shape == zero.shape and not torch.allclose(intact, zero)
    assert osp.isdir(str(tmp_path / 'md' / 'noise'))


def test_failure_is_deep_copied_with_its_seed():
    failure = ModalityFailure('rgb', 'noise', seed=5)
    torch.randn(3, generator=failure.generator)  # advanced
    fresh = copy.deepcopy(failure)
    assert fresh.modalities == ['rgb'] and fresh.seed == 5
    assert torch.equal(
        torch.randn(4, generator=fresh.generator),
        torch.randn(4, generator=torch.Generator().manual_seed(5)))
