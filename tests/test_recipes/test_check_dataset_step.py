"""The CheckDataset preparation stage checks every split the stages read, once each, and stops a
recipe whose data has a bad sample before any stage trains."""
import os
import os.path as osp

import pytest
from mmengine.config import Config

from cmkd_mm.demo import make_llvip_demo
from cmkd_mm.recipes import RecipeContext, RecipeRunner
from cmkd_mm.recipes.steps import CheckDataset
from ..conftest import ROOT

PAIR = 'configs/pairs/llvip'
TEACHER = f'{PAIR}/teacher_faster-rcnn-r50-fpn_rgb-ir_llvip.py'
BASELINE = f'{PAIR}/baseline_faster-rcnn-r50-fpn_ir_llvip.py'


def _recipe():
    return Config(
        dict(
            prepare=dict(check=dict(type='CheckDataset')),
            stages=dict(
                teacher=dict(type='Train', config=osp.join(ROOT, TEACHER)),
                baseline=dict(type='Train', config=osp.join(ROOT, BASELINE)))))


def test_every_split_is_checked_once(tmp_path):
    root = make_llvip_demo(str(tmp_path / 'llvip'), splits=dict(train=3, test=2), size=(32, 24))
    ctx = RecipeContext(_recipe(), str(tmp_path / 'work'), data_root=root)
    outputs = CheckDataset('check').run(ctx, str(tmp_path / 'work' / 'check'))['outputs']
    # teacher and baseline read the same splits; val and test are one split here
    assert outputs['samples'] == {'teacher/train': 3, 'teacher/val': 2}


def test_a_bad_sample_stops_the_recipe_before_training(tmp_path):
    root = make_llvip_demo(str(tmp_path / 'llvip'), splits=dict(train=3, test=2), size=(32, 24))
    bad = osp.join(root, 'infrared', 'train', '010002.jpg')
    with open(bad, 'wb') as f:
        f.write(b'not a jpeg')
    runner = RecipeRunner(_recipe(), work_dir=str(tmp_path / 'work'), data_root=root)
    with pytest.raises(ValueError) as error:
        runner.run()
    message = str(error.value)
    assert 'no stage was trained' in message and bad in message and '1 problem(s)' in message
    assert not osp.exists(osp.join(str(tmp_path / 'work'), 'teacher'))


def test_a_missing_partner_names_both_files(tmp_path):
    root = make_llvip_demo(str(tmp_path / 'llvip'), splits=dict(train=3, test=2), size=(32, 24))
    os.remove(osp.join(root, 'infrared', 'test', '190001.jpg'))
    ctx = RecipeContext(_recipe(), str(tmp_path / 'work'), data_root=root)
    with pytest.raises(ValueError) as error:
        CheckDataset('check', phases=('val', )).run(ctx, str(tmp_path / 'work' / 'check'))
    message = str(error.value)
    assert osp.join(root, 'infrared', 'test', '190001.jpg') in message
    assert osp.join(root, 'visible', 'test', '190001.jpg') in message
