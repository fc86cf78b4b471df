"""load_deployable and tools/deployment/pytorch2onnx.py refuse a checkpoint of another config
with the checkpoint's name, what does not fit and the config it was trained with (torch's
load_state_dict raised its own size-mismatch error before), and export nothing."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

from cmkd_mm.deployment.onnx_export import load_deployable
from cmkd_mm.utils.checkpoint import CheckpointMismatchError
from ..conftest import ROOT, load_tool

CFG = osp.join(ROOT, 'configs', 'building_damage')
LOC = osp.join(CFG, 'loc-teacher_unet-r18_pre_xview2_demo.py')
DAMAGE = osp.join(CFG, 'damage-teacher_unet-r18_pre-post_xview2_demo.py')
LOC_KD = osp.join(CFG, 'loc-kd_unet-r18_pre_xview2_demo.py')


def _runner_checkpoint(config, path):
    """A checkpoint as the Runner saves it: weights, the config text and the run's name."""
    cfg = Config.fromfile(config)
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    stem = osp.splitext(osp.basename(config))[0]
    meta = dict(cfg=cfg.pretty_text, experiment_name=f'{stem}_20260101_000000')
    torch.save(dict(state_dict=model.state_dict(), meta=meta), path)
    return str(path)


def test_pytorch2onnx_refuses_the_checkpoint_of_another_config(tmp_path):
    ckpt = _runner_checkpoint(DAMAGE, tmp_path / 'damage_best.pth')
    out = tmp_path / 'loc.onnx'
    with pytest.raises(CheckpointMismatchError) as err:
        load_tool('deployment/pytorch2onnx.py').main(
            [LOC, ckpt, '--output-file',
             str(out), '--shape', '64', '64'])
    text = str(err.value)
    first = text.splitlines()[0]
    assert first.startswith(f'{ckpt} does not fit the model of the config '
                            '(loc-teacher_unet-r18_pre_xview2_demo.py): ')
    # the siamese damage head: 5 classes on both branches' features vs 1 class
    assert 'decode_head.conv_seg.weight (5, 32, 1, 1) vs (1, 16, 1, 1)' in first
    assert ('It was saved by the run damage-teacher_unet-r18_pre-post_xview2_demo_20260101_000000 '
            '(config damage-teacher_unet-r18_pre-post_xview2_demo.py); its saved config builds '
            'a SiameseEncoderDecoder model.') in text
    assert not out.exists()


def test_a_distillation_config_takes_its_student_and_refuses_the_teacher(tmp_path):
    cfg = Config.fromfile(LOC_KD)
    init_default_scope('mmrazor')
    algorithm = MODELS.build(cfg.model)
    kd = str(tmp_path / 'kd.pth')
    torch.save(dict(state_dict=algorithm.state_dict()), kd)
    model, _ = load_deployable(LOC_KD, kd)
    for key, value in algorithm.architecture.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    teacher = _runner_checkpoint(LOC, tmp_path / 'loc_teacher.pth')  # another (wider) model
    with pytest.raises(
            CheckpointMismatchError,
            match=r'^.*loc_teacher.pth does not fit the '
            r'model of the config \(loc-kd_unet-r18_pre_xview2_demo.py, its student\)'):
        load_deployable(LOC_KD, teacher)
