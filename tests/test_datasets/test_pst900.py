"""PST900Dataset in the released layout, through the config's pipeline."""
import os
import os.path as osp

import numpy as np
import pytest
from mmseg.registry import DATASETS

from cmkd_mm.datasets import PST900Dataset
from cmkd_mm.demo import make_pst900_demo
from cmkd_mm.utils.config import load_config

pytestmark = pytest.mark.usefixtures('mmseg_scope')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = load_config(osp.join(ROOT, 'configs/_base_/datasets/pst900.py'))


@pytest.fixture
def root(tmp_path):
    return make_pst900_demo(str(tmp_path), splits=dict(train=3, test=2), size=(40, 24))


def test_layout_and_metainfo(root):
    ds = PST900Dataset(data_root=root, split='train')
    assert len(ds) == 3
    assert ds.metainfo['classes'] == ('background', 'fire_extinguisher', 'backpack', 'hand_drill',
                                      'survivor')
    assert len(ds.metainfo['palette']) == 5
    info = ds.get_data_info(0)
    name = info['sample_name']
    assert name.startswith('31_bag1a_rect_rgb_frame')
    assert info['modality_paths'] == dict(
        rgb=osp.join(root, 'train', 'rgb', name + '.png'),
        thermal=osp.join(root, 'train', 'thermal', name + '.png'))
    assert info['seg_map_path'] == osp.join(root, 'train', 'labels', name + '.png')
    listed = [ds.get_data_info(i)['sample_name'] for i in range(len(ds))]
    from_file = PST900Dataset(data_root=root, split='train', ann_file='train.txt')
    assert [from_file.get_data_info(i)['sample_name'] for i in range(3)] == listed
    assert len(PST900Dataset(data_root=root, split='test')) == 2


def test_config_pipeline(root):
    cfg = CFG.val_dataloader.dataset.copy()
    cfg.data_root = root
    ds = DATASETS.build(cfg)
    out = ds[0]
    assert out['inputs']['rgb'].shape == (3, 24, 40)
    assert out['inputs']['thermal'].shape == (1, 24, 40)
    seg = out['data_samples'].gt_sem_seg.data
    assert seg.shape == (1, 24, 40) and int(seg.max()) < 5 and len(np.unique(seg)) > 1
    cfg = CFG.train_dataloader.dataset.copy()
    cfg.data_root = root
    assert len(DATASETS.build(cfg)) == 3


def test_missing_files_named(root):
    name = sorted(os.listdir(osp.join(root, 'train', 'rgb')))[1]
    os.remove(osp.join(root, 'train', 'thermal', name))
    with pytest.raises(FileNotFoundError, match=osp.join('train', 'thermal', name)):
        PST900Dataset(data_root=root, split='train')
    with pytest.raises(FileNotFoundError, match='val'):
        PST900Dataset(data_root=root, split='val')
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        PST900Dataset(data_root=root, split='test', ann_file='nope.txt')
