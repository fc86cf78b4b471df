"""scaffold/cls_pair: class folders inside split folders; both modalities split alike."""
import os
import os.path as osp
import shutil

import pytest

from cmkd_mm.scaffold.cls_pair import inspect_cls
from cmkd_mm.scaffold.errors import ScaffoldError
from cmkd_mm.scaffold.pair_reader import PairOptions
from .test_new_pair import CHIP_CLASSES, make_chips


def test_class_folders_in_split_folders(tmp_path):
    root = make_chips(tmp_path / 'data')
    for modality in ('sar', 'eo'):
        os.makedirs(osp.join(root, modality, 'train'))
        for cls in CHIP_CLASSES:
            os.rename(osp.join(root, modality, cls), osp.join(root, modality, 'train', cls))
        shutil.copytree(osp.join(root, modality, 'train'), osp.join(root, modality, 'val'))
    opts = PairOptions(root, 'cls', ['sar'], ['eo'])
    data = inspect_cls(opts)
    assert data.classes == sorted(CHIP_CLASSES)
    assert data.datasets['train'] == dict(
        modality_dirs=dict(sar='sar/train', eo='eo/train'), suffix='.png')
    assert data.samples == dict(train=6, val=6)
    assert data.chip_size == dict(sar=(16, 16), eo=(12, 12))
    os.rename(osp.join(root, 'eo', 'val'), osp.join(root, 'eo', 'other'))
    with pytest.raises(
            ScaffoldError,
            match=r"split differently: sar/: \['train', 'val'\], eo/: class folders"):
        inspect_cls(opts)
