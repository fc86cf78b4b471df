"""The inference APIs load every weight or refuse the checkpoint: xView2's build_model (an
ensemble member given the other task's checkpoint) and the plain-config check of
inferencer_for, both through cmkd_mm.utils.checkpoint."""
import os.path as osp

import pytest
import torch
from mmengine.registry import MODELS, init_default_scope

from cmkd_mm.apis.inferencers import check_checkpoint_fits
from cmkd_mm.apis.xview2_inference import build_model
from cmkd_mm.utils.checkpoint import CheckpointMismatchError
from cmkd_mm.utils.config import load_config
from ..conftest import ROOT

CFG = osp.join(ROOT, 'configs', 'building_damage')
LOC = osp.join(CFG, 'loc-teacher_unet-r18_pre_xview2_demo.py')
DAMAGE = osp.join(CFG, 'damage-teacher_unet-r18_pre-post_xview2_demo.py')


def test_xview2_build_model_loads_every_weight_or_refuses(tmp_path):
    torch.manual_seed(0)
    damage = build_model(DAMAGE, None)
    ckpt = str(tmp_path / 'damage.pth')
    torch.save(dict(state_dict=damage.state_dict()), ckpt)
    again = build_model(DAMAGE, ckpt)
    for key, value in damage.state_dict().items():
        assert torch.equal(again.state_dict()[key], value), key
    with pytest.raises(CheckpointMismatchError) as err:
        build_model(LOC, ckpt)  # the damage teacher's checkpoint as a localisation model
    assert str(err.value).startswith(
        f'{ckpt} does not fit the model of {LOC}: 0 missing [], 0 unexpected [], 2 of another '
        'shape (checkpoint vs model) [decode_head.conv_seg.weight (5, 32, 1, 1) vs '
        '(1, 16, 1, 1), decode_head.conv_seg.bias (5,) vs (1,)]')


def test_inferencer_check_names_the_checkpoint_and_the_fix(tmp_path):
    cfg = load_config(LOC)
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'partial.pth')
    state = {k: v for k, v in model.state_dict().items() if not k.startswith('decode_head.')}
    torch.save(dict(state_dict=state), ckpt)
    with pytest.raises(CheckpointMismatchError) as err:
        check_checkpoint_fits(model, ckpt)
    missing = len([k for k in model.state_dict() if k.startswith('decode_head.')])
    text = str(err.value)
    assert text.startswith(f'{ckpt} does not fit the model of the config: {missing} missing '
                           '[decode_head.')
    assert text.endswith('Give the config the checkpoint was extracted with (extract_student '
                         'writes it next to the checkpoint).')
