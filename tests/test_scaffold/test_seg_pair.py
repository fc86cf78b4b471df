"""scaffold/seg_pair: modality and label map folders in split folders."""
import os
import os.path as osp

import pytest

from cmkd_mm.scaffold.errors import ScaffoldError
from cmkd_mm.scaffold.pair_reader import PairOptions
from cmkd_mm.scaffold.seg_pair import inspect_seg
from .test_new_pair import make_rgbd


def _split_folders(root):
    """Move the samples of train.txt / val.txt into train/ and val/ of every folder."""
    for split in ('train', 'val'):
        with open(osp.join(root, split + '.txt')) as f:
            names = f.read().split()
        os.remove(osp.join(root, split + '.txt'))
        for folder in ('rgb', 'depth', 'labels'):
            os.makedirs(osp.join(root, folder, split))
            for name in names:
                os.rename(
                    osp.join(root, folder, name + '.png'),
                    osp.join(root, folder, split, name + '.png'))
    return root


def test_split_folders(tmp_path):
    root = _split_folders(make_rgbd(tmp_path / 'data'))
    opts = PairOptions(root, 'seg', ['rgb', 'depth'], ['depth'], classes=['a', 'b', 'c'])
    data = inspect_seg(opts)
    assert data.datasets['val'] == dict(
        modality_dirs=dict(rgb='rgb/val', depth='depth/val'),
        suffix='.png',
        seg_map_dir='labels/val',
        seg_map_suffix='.png')
    assert data.splits == dict(train='train', val='val', test='val')
    assert data.samples == dict(train=3, val=2)
    # The labels must have the split folders of the modality folders.
    os.rename(osp.join(root, 'labels', 'val'), osp.join(root, 'labels', 'other'))
    with pytest.raises(ScaffoldError, match=r"labels: no split folder\(s\) \['val'\]"):
        inspect_seg(opts)
