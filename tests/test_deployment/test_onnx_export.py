"""ONNX export (cmkd_mm.deployment.onnx_export, tools/deployment/pytorch2onnx.py): onnx.checker, the
onnxruntime outputs against PyTorch, the folded normalisation against the data preprocessor,
the student of a distillation checkpoint, measured statistics, and what is refused."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

from cmkd_mm.deployment.onnx_export import (NormalizedModel, export_onnx, load_deployable,
                                            onnx_max_abs_diff, random_view)
from ..conftest import ROOT, load_tool

CFG = osp.join(ROOT, 'configs')
LOC = osp.join(CFG, 'building_damage', 'loc-teacher_unet-r18_pre_xview2_demo.py')
DAMAGE_KD = osp.join(CFG, 'building_damage', 'damage-kd_unet-r18_pre-post_xview2_demo.py')
KD1 = osp.join(CFG, 'classification', 'ntire2021', 'kd1_resnet18_eo-to-sar_mavoc2021_demo.py')
EKNET = osp.join(CFG, 'segmentation', 'baseline_eknet-r18_thermal_mfnet_demo.py')
TOL = 1e-4


def _export(model, tmp_path, shape, **kwargs):
    wrapped = NormalizedModel(model)
    path = export_onnx(wrapped, str(tmp_path / 'model.onnx'), shape, **kwargs)
    return wrapped, path


def test_damage_student_of_a_distillation_checkpoint(tmp_path):
    """The distillation checkpoint gives the student's weights; the siamese graph matches."""
    cfg = Config.fromfile(DAMAGE_KD)
    init_default_scope('mmrazor')
    torch.manual_seed(0)
    algorithm = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'kd.pth')
    torch.save(dict(state_dict=algorithm.state_dict()), ckpt)
    model, student_cfg = load_deployable(DAMAGE_KD, ckpt)
    assert student_cfg.model.type == 'SiameseEncoderDecoder'
    expected = algorithm.architecture.state_dict()
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, expected[key], rtol=0, atol=0)
    wrapped, path = _export(model, tmp_path, (64, 64), dynamic_shape=True)
    assert wrapped.modalities == [('pre', 3), ('post', 3)]
    inputs = random_view(wrapped, (96, 128), batch_size=2, seed=1)
    diff, scale = onnx_max_abs_diff(wrapped, path, inputs)
    assert diff < TOL and scale > 1e-3
    import onnxruntime as ort
    out = ort.InferenceSession(path).run(None, {'input': inputs.numpy()})[0]
    assert out.shape == (2, 5, 96, 128)


def test_folded_normalisation_equals_the_data_preprocessor(tmp_path):
    """Raw image through the wrapper == the model's own preprocessing + forward, resized."""
    torch.manual_seed(0)
    model, _ = load_deployable(LOC)
    from mmseg.structures import SegDataSample
    image = torch.randint(0, 256, (3, 64, 96), dtype=torch.uint8)
    sample = SegDataSample(metainfo=dict(img_shape=(64, 96), ori_shape=(64, 96)))
    data = model.data_preprocessor(dict(inputs=dict(pre=[image]), data_samples=[sample]))
    with torch.no_grad():
        reference = model._forward(data['inputs'])
        wrapped = NormalizedModel(model)
        got = wrapped(image[None].float())
    assert reference.shape[2:] == got.shape[2:] == (64, 96)  # the UNet head is full-size
    torch.testing.assert_close(got, reference, rtol=1e-5, atol=1e-5)
    path = export_onnx(wrapped, str(tmp_path / 'loc.onnx'), (64, 96))
    diff, _ = onnx_max_abs_diff(wrapped, path, image[None].float())
    assert diff < TOL


def test_classifier_with_measured_statistics(tmp_path):
    model, _ = load_deployable(KD1)
    with pytest.raises(RuntimeError, match="statistics 'auto'"):
        NormalizedModel(model)
    model.data_preprocessor.set_stats('sar', [90.], [25.])
    wrapped, path = _export(model, tmp_path, (52, 52))
    inputs = random_view(wrapped, (52, 52), batch_size=3)
    diff, _ = onnx_max_abs_diff(wrapped, path, inputs)
    assert diff < TOL
    assert wrapped(inputs).shape == (3, 10)
    torch.testing.assert_close(wrapped.mean.flatten(), torch.tensor([90.]))


def test_eknet_exports_at_a_fixed_size(tmp_path):
    """The thermal-enhancement weight head pools adaptively: a fixed size is exported."""
    torch.manual_seed(0)
    model, _ = load_deployable(EKNET)
    wrapped, path = _export(model, tmp_path, (128, 160))
    diff, _ = onnx_max_abs_diff(wrapped, path, random_view(wrapped, (128, 160), 2))
    assert diff < TOL


def test_detectors_need_their_own_wrapper():
    model, _ = load_deployable(
        osp.join(CFG, 'detection', 'baseline_faster-rcnn-r18-fpn_rgb_stf_demo.py'))
    with pytest.raises(TypeError, match='NormalizedDetector'):
        NormalizedModel(model)


def test_command_line(tmp_path, capsys):
    tool = load_tool('deployment/pytorch2onnx.py')
    out = str(tmp_path / 'loc.onnx')
    result = tool.main([
        LOC, '--output-file', out, '--shape', '64', '64', '--dynamic-shape', '--verify-shape', '96',
        '64'
    ])
    printed = capsys.readouterr().out
    assert 'onnx.checker passed' in printed and 'max abs difference' in printed
    assert result['max_abs_diff'] < TOL and osp.getsize(out) > 0
    assert np.isfinite(result['max_abs_output'])
