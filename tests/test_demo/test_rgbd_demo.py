"""The procedural RGB + depth demo: plain folders, 16-bit depth in millimetres, split files."""
import os
import os.path as osp

import cv2
import numpy as np

from cmkd_mm.demo import make_rgbd_demo
from cmkd_mm.demo.rgbd_demo import CLASSES


def test_layout_formats_and_splits(tmp_path):
    root = make_rgbd_demo(str(tmp_path), splits=dict(train=3, val=1, test=2), size=(64, 48))
    names = {}
    for split in ('train', 'val', 'test'):
        with open(osp.join(root, f'{split}.txt')) as f:
            names[split] = f.read().split()
    listed = names['train'] + names['val'] + names['test']
    assert [len(names[s]) for s in ('train', 'val', 'test')] == [3, 1, 2]
    assert len(set(listed)) == 6
    for folder in ('rgb', 'depth', 'labels'):
        assert sorted(os.listdir(osp.join(root, folder))) == sorted(n + '.png' for n in listed)
    seen = set()
    for name in listed:
        rgb = cv2.imread(osp.join(root, 'rgb', name + '.png'), cv2.IMREAD_UNCHANGED)
        depth = cv2.imread(osp.join(root, 'depth', name + '.png'), cv2.IMREAD_UNCHANGED)
        label = cv2.imread(osp.join(root, 'labels', name + '.png'), cv2.IMREAD_UNCHANGED)
        assert rgb.shape == (48, 64, 3) and rgb.dtype == np.uint8
        assert depth.shape == (48, 64) and depth.dtype == np.uint16
        assert label.shape == (48, 64) and label.dtype == np.uint8
        valid = depth[depth > 0]
        assert valid.min() > 500 and valid.max() < 7000  # millimetres of a room
        assert (depth == 0).any()  # the camera measures nothing somewhere
        seen.update(np.unique(label).tolist())
    assert seen <= set(range(len(CLASSES))) and {0, 1} <= seen
    # A complete dataset is kept.
    before = os.path.getmtime(osp.join(root, 'rgb', listed[0] + '.png'))
    make_rgbd_demo(root, splits=dict(train=3, val=1, test=2), size=(64, 48))
    assert os.path.getmtime(osp.join(root, 'rgb', listed[0] + '.png')) == before
