"""cmkd_mm.benchmark.benchmark_inference: the models of a distillation config on their views, FLOPs
against a hand count, the table with its ratios, and the command line."""
import os.path as osp

import pytest
import torch

from cmkd_mm.benchmark.benchmark_inference import (count_flops, inference_models, latency_table,
                                                   profile_model)
from cmkd_mm.deployment.onnx_export import NormalizedModel, load_deployable
from ..conftest import ROOT, load_tool

CFG = osp.join(ROOT, 'configs')
DAMAGE_KD = osp.join(CFG, 'building_damage', 'damage-kd_unet-r18_pre-post_xview2_demo.py')
KD1 = osp.join(CFG, 'classification', 'ntire2021', 'kd1_resnet18_eo-to-sar_mavoc2021_demo.py')


def test_teacher_and_student_on_their_views():
    models = inference_models(DAMAGE_KD)
    assert list(models) == ['teacher', 'student']
    assert [m.modalities for m in models.values()] == [[('pre', 3), ('post', 3)]] * 2
    kd1 = inference_models(KD1)  # EO teacher, SAR student, measured ('auto') statistics
    assert kd1['teacher'].modalities == [('eo', 1)] and kd1['student'].modalities == [('sar', 1)]


def test_flops_match_a_hand_count():
    """Conv FLOPs of the classifier's stem against k*k*Cin*Cout*Hout*Wout (multiply-adds)."""
    model, _ = load_deployable(KD1)
    model.data_preprocessor.set_stats('sar', [0.], [1.])
    wrapped = NormalizedModel(model)
    x = torch.zeros(1, 1, 64, 64)
    total = count_flops(wrapped, x)
    conv1 = model.backbone.conv1
    hand = (
        conv1.kernel_size[0] * conv1.kernel_size[1] * conv1.in_channels * conv1.out_channels * 32 *
        32)
    from mmengine.analysis import FlopAnalyzer
    by_module = FlopAnalyzer(wrapped, (x, )).by_module()
    assert by_module['model.backbone.conv1'] == hand
    assert total > hand
    # a fully convolutional model: 4x the pixels, about 4x the FLOPs
    loc = inference_models(
        osp.join(CFG, 'building_damage', 'loc-teacher_unet-r18_pre_xview2_demo.py'))
    small, large = (count_flops(loc['model'], torch.zeros(1, 3, s, s)) for s in (64, 128))
    assert large == pytest.approx(4 * small, rel=0.02)


def test_profile_and_table():
    models = inference_models(DAMAGE_KD)
    rows = [
        dict(
            config='c.py',
            role=role,
            shape=(64, 64),
            **profile_model(model, (64, 64), iters=2, warmup=0)) for role, model in models.items()
    ]
    for row, model in zip(rows, models.values()):
        assert row['params'] == sum(p.numel() for p in model.model.parameters())
        assert row['eager_ms'] > 0 and row['ort_ms'] > 0 and row['flops'] > 0
    table = latency_table(rows)
    student = [line for line in table.splitlines() if '| student |' in line][0]
    ratio = rows[1]['params'] / rows[0]['params']
    assert f'| {ratio:.2f} |' in student and ratio < 1


def test_command_line(tmp_path, capsys):
    tool = load_tool('analysis_tools/benchmark_inference.py')
    out = str(tmp_path / 'rows.json')
    rows, table = tool.main(
        [KD1, '--shape', '52', '52', '--iters', '1', '--warmup', '0', '--no-onnx', '--out', out])
    assert len(rows) == 2 and osp.isfile(out)
    assert 'onnxruntime' in capsys.readouterr().out


def test_get_flops_tool_side_by_side():
    tool = load_tool('analysis_tools/get_flops.py')
    rows, table = tool.main([DAMAGE_KD, '--shape', '64', '64'])
    assert [r['role'] for r in rows] == ['teacher', 'student']
    assert all(r['view'] == 'pre (3 ch) + post (3 ch)' and r['flops'] > 0 for r in rows)
    ratio = rows[1]['flops'] / rows[0]['flops']
    assert f'| {ratio:.2f} |' in table.splitlines()[-1] and ratio < 1
