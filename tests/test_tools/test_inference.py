"""tools/inference.py: a thermal student config (MultiModalInferencer) in a subprocess on a
folder, a plain mmseg config through MMSegInferencer after the student_inputs check, and the
argument errors."""
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import MODELS, DefaultScope

from cmkd_mm.apis import MultiModalInferencer, inferencer_for
from cmkd_mm.utils.config import load_config, student_config
from ..conftest import ROOT, load_tool

TOOL = load_tool('inference.py')
MFNET_KD = osp.join(ROOT, 'configs', 'demo',
                    'cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py')

PLAIN_CONFIG = """
default_scope = 'mmseg'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor', mean=[120.] * 3, std=[60.] * 3, bgr_to_rgb=True,
        size_divisor=8),
    backbone=dict(
        type='ResNetV1c', depth=18, in_channels=3, stem_channels=16, base_channels=16,
        num_stages=4, out_indices=(0, 1, 2, 3), strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4),
        norm_cfg=norm_cfg, contract_dilation=True),
    decode_head=dict(
        type='FCNHead', in_channels=128, in_index=3, channels=32, num_convs=1,
        concat_input=False, num_classes=3, norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    test_cfg=dict(mode='whole'))
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackSegInputs')]
test_dataloader = dict(
    batch_size=1, dataset=dict(type='BaseSegDataset', pipeline=test_pipeline))
visualizer = dict(type='SegLocalVisualizer', vis_backends=[dict(type='LocalVisBackend')])
student_inputs = dict(rgb=dict(num_channels=3, bit_depth=8))
"""


def _save_model(cfg, path):
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
    torch.save(dict(state_dict=model.state_dict()), str(path))
    return str(path)


def _image(path, channels):
    img = np.random.default_rng(0).integers(0, 256, (40, 56, channels), dtype=np.uint8)
    cv2.imwrite(str(path), img if channels > 1 else img[..., 0])
    return str(path)


def test_thermal_student_on_a_folder_in_a_subprocess(mfnet_demo_root, tmp_path):
    cfg = student_config(load_config(MFNET_KD))
    cfg_path = str(tmp_path / 'student_thermal.py')
    cfg.dump(cfg_path)
    ckpt = _save_model(cfg, tmp_path / 'student_thermal.pth')
    images = osp.join(mfnet_demo_root, 'images')
    names = sorted(osp.splitext(f)[0] for f in os.listdir(images))
    out = tmp_path / 'out'
    run = subprocess.run([
        sys.executable, 'tools/inference.py', cfg_path, ckpt, '--modality', f'thermal={images}',
        '--out-dir',
        str(out), '--device', 'cpu', '--batch-size', '2'
    ],
                         cwd=ROOT,
                         capture_output=True,
                         text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert f'results written to {out}' in run.stdout
    assert sorted(os.listdir(out / 'vis')) == sorted(os.listdir(
        out / 'preds')) == [f'{n}.png' for n in names]
    label = cv2.imread(str(out / 'preds' / f'{names[0]}.png'), cv2.IMREAD_UNCHANGED)
    assert label.shape == (48, 64) and label.max() < 9


def test_plain_config_runs_the_downstream_inferencer_after_the_check(tmp_path):
    cfg_path = tmp_path / 'plain.py'
    cfg_path.write_text(PLAIN_CONFIG)
    cfg = load_config(str(cfg_path))
    ckpt = _save_model(cfg, tmp_path / 'plain.pth')
    from mmseg.apis import MMSegInferencer
    assert isinstance(inferencer_for(cfg, ckpt, device='cpu'), MMSegInferencer)
    good = _image(tmp_path / 'scene.png', 3)
    out = tmp_path / 'out'
    TOOL.main([str(cfg_path), ckpt, good, '--out-dir', str(out), '--device', 'cpu'])
    assert os.listdir(out / 'vis') == ['scene.png']
    (pred, ) = os.listdir(out / 'preds')
    assert cv2.imread(str(out / 'preds' / pred), cv2.IMREAD_UNCHANGED).shape == (40, 56)
    grey = _image(tmp_path / 'grey.png', 1)
    with pytest.raises(ValueError, match=r'grey.png: modality "rgb" must have 3 channel'):
        TOOL.main([str(cfg_path), ckpt, grey, '--out-dir', str(out), '--device', 'cpu'])


def test_plain_config_refuses_a_checkpoint_that_does_not_fit(tmp_path):
    """The downstream inferencers load what fits and warn: inferencer_for refuses instead."""
    cfg_path = tmp_path / 'plain.py'
    cfg_path.write_text(PLAIN_CONFIG)
    other = load_config(str(cfg_path), {'model.decode_head.num_classes': 5})
    ckpt = _save_model(other, tmp_path / 'five_classes.pth')
    shapes = r'five_classes.pth does not fit .*conv_seg.weight \(5, 32, 1, 1\) vs \(3,'
    with pytest.raises(ValueError, match=shapes):
        inferencer_for(str(cfg_path), ckpt, device='cpu')


def test_multimodal_config_picks_the_multimodal_inferencer(mfnet_demo_root, tmp_path):
    cfg = student_config(load_config(MFNET_KD))
    ckpt = _save_model(cfg, tmp_path / 'student.pth')
    assert isinstance(inferencer_for(cfg, ckpt, device='cpu'), MultiModalInferencer)


@pytest.mark.parametrize(
    'argv, message', [([], 'either as paths or as --modality'),
                      (['a.png', '--modality', 'pre=b.png'], 'either as paths or as --modality'),
                      (['--modality', 'pre'], 'write NAME=PATH')])
def test_argument_errors(argv, message, capsys):
    with pytest.raises(SystemExit):
        TOOL.parse_args(['cfg.py', 'ckpt.pth', *argv])
    assert message in capsys.readouterr().err
