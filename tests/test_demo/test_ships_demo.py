"""The procedural SAR + EO ship demo: one class tree per split and modality, paired by name."""
import os
import os.path as osp

import cv2
import numpy as np

from cmkd_mm.demo import make_ships_demo
from cmkd_mm.demo.ships_demo import CLASSES


def _tree(root):
    return sorted(
        osp.relpath(osp.join(d, f), root) for d, _, files in os.walk(root) for f in files
        if f.endswith('.png'))


def test_layout_pairs_and_formats(tmp_path):
    root = make_ships_demo(str(tmp_path), splits=dict(train=3, val=1))
    assert sorted(os.listdir(root)) == ['.complete', 'train', 'val']
    ids = set()
    for split, per_class in (('train', 3), ('val', 1)):
        sar, eo = _tree(osp.join(root, split, 'sar')), _tree(osp.join(root, split, 'eo'))
        assert sar == eo  # every SAR chip has its EO partner, in the same class folder
        assert sorted(os.listdir(osp.join(root, split, 'sar'))) == list(CLASSES)
        for cls in CLASSES:
            assert len(os.listdir(osp.join(root, split, 'sar', cls))) == per_class
        for path in sar:
            ids.add(osp.basename(path))
            chip = cv2.imread(osp.join(root, split, 'sar', path), cv2.IMREAD_UNCHANGED)
            assert chip.shape == (48, 48) and chip.dtype == np.uint8
            chip = cv2.imread(osp.join(root, split, 'eo', path), cv2.IMREAD_UNCHANGED)
            assert chip.shape == (32, 32, 3) and chip.dtype == np.uint8
    assert len(ids) == 3 * (3 + 1)  # ids are unique over the splits
