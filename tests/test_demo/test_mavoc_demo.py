"""The procedural MAVOC demo: exact real layouts, chip format, lists and class cues."""
import csv
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
from PIL import Image

from cmkd_mm.demo import make_mavoc_demo
from cmkd_mm.demo.mavoc_demo import DEFAULT_SPLITS, FOLDERS_2024

SPLITS = dict(train=4, valid=2, test=1)


@pytest.fixture(scope='module')
def root21(tmp_path_factory):
    return make_mavoc_demo(str(tmp_path_factory.mktemp('demo21')), '2021', splits=SPLITS)


@pytest.fixture(scope='module')
def root24(tmp_path_factory):
    return make_mavoc_demo(str(tmp_path_factory.mktemp('demo24')), '2024', splits=SPLITS)


def _csv(path):
    with open(path, newline='') as f:
        return list(csv.reader(f))


def _files(root):
    return sorted(
        osp.relpath(osp.join(d, f), root) for d, _, fs in os.walk(root) for f in fs
        if f.endswith('.png'))


def test_defaults():
    assert DEFAULT_SPLITS == dict(train=20, valid=5, test=5)


def test_2021_layout(root21):
    assert sorted(os.listdir(osp.join(root21, 'train_images'))) == sorted(map(str, range(10)))
    ids = {}
    for cls in range(10):
        names = os.listdir(osp.join(root21, 'train_images', str(cls)))
        assert len(names) == 2 * SPLITS['train']
        sar = {m.group(1) for m in map(re.compile(r'SAR_([1-9]\d*)\.png').fullmatch, names) if m}
        eo = {m.group(1) for m in map(re.compile(r'EO_([1-9]\d*)\.png').fullmatch, names) if m}
        assert sar == eo and len(sar) == SPLITS['train']  # unpadded ids, paired
        ids.update({i: cls for i in sar})
    for split in ('valid', 'test'):
        sar = os.listdir(osp.join(root21, f'{split}_images', f'{split}_sar'))
        eo = os.listdir(osp.join(root21, f'{split}_images', f'{split}_eo'))
        assert len(sar) == 10 * SPLITS[split]
        assert sorted(n.replace('SAR_', 'EO_') for n in sar) == sorted(eo)
        rows = _csv(osp.join(root21, f'{split}_labels.csv'))
        assert rows[0] == ['image_id', 'class_id'] and len(rows) == 1 + len(sar)
        assert {f'SAR_{i}.png' for i, _ in rows[1:]} == set(sar)
    for prefix in ('SAR', 'EO'):
        rows = _csv(osp.join(root21, f'kd_train_{prefix}.csv'))
        assert rows[0] == ['img_name', 'class_id']
        assert {
            r[0]: int(r[1])
            for r in rows[1:]
        } == {
            f'{prefix}_{i}.png': c
            for i, c in ids.items()
        }
        assert sorted(os.listdir(osp.join(root21,
                                          f'kd_train_{prefix}'))) == sorted(r[0] for r in rows[1:])


def test_2021_chips_are_8bit_grey_of_real_sizes(root21):
    folder = osp.join(root21, 'train_images', '7')
    for name in os.listdir(folder):
        img = Image.open(osp.join(folder, name))
        assert img.mode == 'L' and img.size[0] == img.size[1]
        side = img.size[0]
        assert (54 <= side <= 58) if name.startswith('SAR_') else (30 <= side <= 32)


def test_2024_layout(root24):
    for tree in ('SAR_Train', 'EO_Train'):
        assert sorted(os.listdir(osp.join(root24, tree))) == sorted(FOLDERS_2024)
    for folder in FOLDERS_2024:
        sar = os.listdir(osp.join(root24, 'SAR_Train', folder))
        assert sorted(sar) == sorted(os.listdir(osp.join(root24, 'EO_Train', folder)))
        assert len(sar) == SPLITS['train'] and all(re.fullmatch(r'\d+\.png', n) for n in sar)
    test = os.listdir(osp.join(root24, 'test'))
    assert len(test) == 10 * SPLITS['test'] + 2 * SPLITS['test']
    assert all(re.fullmatch(r'Gotcha[1-9]\d*\.png', n) for n in test)
    rows = _csv(osp.join(root24, 'validation_reference.csv'))
    assert rows[0] == ['image_id', 'class', 'OOD_flag']
    assert sorted(f'{r[0]}.png' for r in rows[1:]) == sorted(os.listdir(osp.join(root24, 'val')))
    ood = [r for r in rows[1:] if r[2] == '1']
    assert len(ood) == 2 * SPLITS['valid'] and all(r[1] == 'unknown' for r in ood)
    known = [r[1] for r in rows[1:] if r[2] == '0']
    assert sorted(known) == sorted(list(FOLDERS_2024) * SPLITS['valid'])
    assert not osp.exists(osp.join(root24, 'train_images'))


def test_ids_unique_over_splits(root24):
    names = [osp.basename(p) for p in _files(root24) if not p.startswith('EO_Train')]
    ids = [re.sub(r'\D', '', n) for n in names]
    assert len(ids) == len(set(ids))


def test_idempotent_and_deterministic(root21, tmp_path):
    before = {p: os.stat(osp.join(root21, p)).st_mtime_ns for p in _files(root21)}
    assert make_mavoc_demo(root21, '2021', splits=SPLITS) == root21
    assert {p: os.stat(osp.join(root21, p)).st_mtime_ns for p in _files(root21)} == before
    again = make_mavoc_demo(str(tmp_path / 'again'), '2021', splits=dict(train=1), seed=0)
    first = _files(again)
    assert first and all(p.startswith(('train_images', 'kd_train')) for p in first)
    other = make_mavoc_demo(str(tmp_path / 'other'), '2021', splits=dict(train=1), seed=0)
    assert all(
        open(osp.join(again, p), 'rb').read() == open(osp.join(other, p), 'rb').read()
        for p in first)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match='layout'):
        make_mavoc_demo(str(tmp_path), layout='2022')
    with pytest.raises(ValueError, match='unknown splits'):
        make_mavoc_demo(str(tmp_path), splits=dict(val=2))


def test_classes_differ_in_size(root21):
    """Vehicle area (pixels well above the background) orders bus > sedan > motorcycle."""

    def area(cls, prefix):
        folder = osp.join(root21, 'train_images', str(cls))
        sizes = []
        for name in os.listdir(folder):
            if name.startswith(prefix):
                img = cv2.imread(osp.join(folder, name), cv2.IMREAD_UNCHANGED).astype(float)
                if prefix == 'SAR_':
                    img = cv2.blur(img, (5, 5))
                sizes.append((img > np.median(img) + 30).mean())
        return np.mean(sizes)

    for prefix in ('EO_', 'SAR_'):
        assert area(7, prefix) > area(0, prefix) > area(5, prefix)
