"""MFNetDataset: precomputed edge labels and clear errors on bad input files."""
import copy
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from cmkd_mm.datasets import MFNetDataset
from cmkd_mm.demo import make_mfnet_demo
from cmkd_mm.utils.config import load_config

pytestmark = pytest.mark.usefixtures('mmseg_scope')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = load_config(osp.join(ROOT, 'configs/_base_/datasets/mfnet.py'))


def pipeline(*extra):
    """The config's train pipeline with ``extra`` transforms after LoadAnnotations."""
    steps = copy.deepcopy(CFG.train_pipeline)
    steps = [s for s in steps if s['type'] != 'MultiModalRandomFlip']
    return steps[:2] + list(extra) + steps[2:]


@pytest.fixture
def root(tmp_path):
    return make_mfnet_demo(str(tmp_path), splits=dict(train=2), size=(32, 24))


def build(root, *extra):
    return MFNetDataset(data_root=root, ann_file='train.txt', pipeline=pipeline(*extra))


def name(root):
    return open(osp.join(root, 'train.txt')).read().split()[0]


def test_checked_pipeline_runs(root):
    ds = build(root, dict(type='CheckSegLabels', num_classes=9), dict(type='GenerateEdgeLabels'))
    out = ds[0]
    assert set(out['inputs']) == {'rgb', 'thermal'}
    assert tuple(out['data_samples'].gt_edge_map.data.shape) == (1, 6, 8)
    assert 'edge_map_path' not in ds.get_data_info(0)


def test_precomputed_edge_4x(root):
    os.makedirs(osp.join(root, 'edge_4x'))
    names = open(osp.join(root, 'train.txt')).read().split()
    cv2.imwrite(osp.join(root, 'edge_4x', names[0] + '.png'), np.full((6, 8), 255, np.uint8))
    with pytest.raises(FileNotFoundError, match=names[1]):
        build(root)  # edge_4x exists but misses a file: reported at build time
    cv2.imwrite(osp.join(root, 'edge_4x', names[1] + '.png'), np.zeros((6, 8), np.uint8))
    ds = build(root, dict(type='GenerateEdgeLabels'))
    assert ds.get_data_info(0)['edge_map_path'] == osp.join(root, 'edge_4x', names[0] + '.png')
    assert ds[0]['data_samples'].gt_edge_map.data.all()
    assert 'edge_map_path' not in MFNetDataset(data_root=root, edge_dir=None).get_data_info(0)


def test_rgb_without_thermal_channel(root):
    path = osp.join(root, 'images', name(root) + '.png')
    cv2.imwrite(path, np.zeros((24, 32, 3), np.uint8))
    with pytest.raises(ValueError, match=r'(?s)' + name(root) + r'\.png.*3 channel'):
        build(root)[0]


def test_label_above_class_count(root):
    path = osp.join(root, 'labels', name(root) + '.png')
    label = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    label[0, 0] = 12
    cv2.imwrite(path, label)
    with pytest.raises(ValueError, match=r'labels/' + name(root) + r'\.png: label values \[12\]'):
        build(root, dict(type='CheckSegLabels', num_classes=9))[0]


def test_label_size_mismatch(root):
    path = osp.join(root, 'labels', name(root) + '.png')
    cv2.imwrite(path, np.zeros((12, 16), np.uint8))
    with pytest.raises(ValueError) as err:
        build(root, dict(type='CheckSegLabels', num_classes=9))[0]
    msg = str(err.value)
    assert path in msg and osp.join(root, 'images', name(root) + '.png') in msg
    assert '16x12' in msg and '32x24' in msg


def test_split_names_missing_file(root):
    with open(osp.join(root, 'train.txt'), 'a') as f:
        f.write('99999N\n')
    with pytest.raises(FileNotFoundError, match='99999N.png'):
        build(root)
    with pytest.raises(FileNotFoundError, match='val.txt'):
        MFNetDataset(data_root=root, ann_file='val.txt')


def test_test_samples_tagged_day_or_night(mfnet_demo_root):
    day, night = (
        set(open(osp.join(mfnet_demo_root, f)).read().split())
        for f in ('test_day.txt', 'test_night.txt'))
    assert day and night
    ds = MFNetDataset(
        data_root=mfnet_demo_root, ann_file='test.txt', pipeline=copy.deepcopy(CFG.test_pipeline))
    assert len(ds) == len(day) + len(night)
    for i in range(len(ds)):
        name = ds.get_data_info(i)['sample_name']
        expected = 'day' if name in day else 'night'
        assert name in (day if expected == 'day' else night)
        assert ds.get_data_info(i)['subset'] == expected
        assert ds[i]['data_samples'].metainfo['subset'] == expected  # packed for the metric
    train = MFNetDataset(data_root=mfnet_demo_root, ann_file='train.txt')
    assert all('subset' not in train.get_data_info(i) for i in range(len(train)))
    untagged = MFNetDataset(data_root=mfnet_demo_root, ann_file='test.txt', subsets=None)
    assert 'subset' not in untagged.get_data_info(0)
    # A subset file that does not exist is skipped.
    custom = MFNetDataset(
        data_root=mfnet_demo_root,
        ann_file='test.txt',
        subsets=dict(night='test_night.txt', fog='test_fog.txt'))
    tags = {
        custom.get_data_info(i)['sample_name']: custom.get_data_info(i).get('subset')
        for i in range(len(custom))
    }
    assert tags == {n: ('night' if n in night else None) for n in day | night}


def test_name_in_two_subsets_raises(root):
    for split_file in ('test_day.txt', 'test_night.txt'):
        with open(osp.join(root, split_file), 'w') as f:
            f.write(name(root) + '\n')
    with pytest.raises(ValueError, match=r'(?s)' + name(root) + r'.*test_day\.txt.*test_night'):
        build(root)
