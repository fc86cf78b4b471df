"""The procedural Seeing Through Fog demo: formats, sizes, bit depth and RGB/gated geometry."""
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
from PIL import Image

from cmkd_mm.datasets.stf_format import (CAMERAS, CLASS_MAPS, camera_window, parse_label_file,
                                         project_boxes, read_split, scale_camera)
from cmkd_mm.demo import make_stf_demo
from cmkd_mm.demo.stf_demo import DEFAULT_SPLITS, GATES

SPLITS = dict(train_clear_night=10, dense_fog_night=6)
RGB_LABELS, GATED_LABELS = 'gt_labels/cam_left_labels_TMP', 'gt_labels/gated_labels_TMP'


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    return make_stf_demo(str(tmp_path_factory.mktemp('stf')), splits=SPLITS, seed=0)


def _samples(demo, split=None):
    splits = [split] if split else list(demo['splits'])
    return [s for k in splits for s in read_split(osp.join(demo['root'], 'splits', f'{k}.txt'))]


def _lines(root, folder, sample):
    with open(osp.join(root, folder, sample + '.txt')) as f:
        return [ln.split() for ln in f if ln.strip()]


def test_defaults():
    assert DEFAULT_SPLITS == dict(
        train_clear_night=120,
        light_fog_night=40,
        val_clear_night=40,
        test_clear_night=24,
        dense_fog_night=16)


def test_layout_and_return(demo):
    root = demo['root']
    assert demo['splits'] == SPLITS
    rgb, gated = demo['cameras']['cam_stereo_left'], demo['cameras']['gated']
    assert rgb == scale_camera(CAMERAS['cam_stereo_left'], 0.25)
    assert gated == scale_camera(CAMERAS['gated'], 0.25)
    np.testing.assert_allclose(demo['window'], camera_window(rgb, gated))
    for split, count in SPLITS.items():
        with open(osp.join(root, 'splits', f'{split}.txt')) as f:
            lines = f.read().split()
        assert len(lines) == count
        assert all(re.fullmatch(r'\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d,\d{5}', ln) for ln in lines)
    samples = _samples(demo)
    assert len(set(samples)) == len(samples)
    for folder in ('cam_stereo_left_lut', 'gated0_10bit', 'gated1_10bit', 'gated2_10bit'):
        assert sorted(os.listdir(osp.join(root, folder))) == sorted(s + '.png' for s in samples)


def test_images(demo):
    root = demo['root']
    top = 0
    for sample in _samples(demo)[:6]:
        img = cv2.imread(
            osp.join(root, 'cam_stereo_left_lut', sample + '.png'), cv2.IMREAD_UNCHANGED)
        assert img.dtype == np.uint8 and img.shape == (256, 480, 3)
        for k in range(3):
            path = osp.join(root, f'gated{k}_10bit', sample + '.png')
            g = cv2.imread(path, cv2.IMREAD_UNCHANGED)
            assert g.dtype == np.uint16 and g.shape == (180, 320)
            assert g.max() <= 1023
            top = max(top, g.max())
            with Image.open(path) as im:
                assert im.mode.startswith('I;16') and im.size == (320, 180)
    assert top > 255  # 10-bit values, not 8-bit ones in a 16-bit file


def test_labels_parse(demo):
    root = demo['root']
    for sample in _samples(demo):
        for folder in (RGB_LABELS, GATED_LABELS):
            rows = _lines(root, folder, sample)
            assert all(len(r) == 27 and set(r[-4:]) <= {'True', 'False'} for r in rows)
            parse_label_file(osp.join(root, folder, sample + '.txt'), CLASS_MAPS['full'])
    classes = [r[0] for s in _samples(demo) for r in _lines(root, RGB_LABELS, s)]
    assert {'Pedestrian', 'PassengerCar', 'DontCare'} <= set(classes)


def test_gated_labels_are_rgb_labels_through_the_window(demo):
    root = demo['root']
    rgb_cam, gated_cam = demo['cameras']['cam_stereo_left'], demo['cameras']['gated']
    matched = rgb_only = 0
    for sample in _samples(demo):
        rgb = {tuple(r[:1] + r[11:14]): r for r in _lines(root, RGB_LABELS, sample)}
        gated = {tuple(r[:1] + r[11:14]): r for r in _lines(root, GATED_LABELS, sample)}
        assert set(gated) <= set(rgb)
        for key, row in rgb.items():
            box = project_boxes([[float(v) for v in row[4:8]]], rgb_cam, gated_cam)[0]
            clipped = np.clip(box, 0, [320, 180, 320, 180])
            if key in gated:
                np.testing.assert_allclose([float(v) for v in gated[key][4:8]], clipped, atol=1)
                matched += 1
            elif clipped[2] <= clipped[0] or clipped[3] <= clipped[1]:
                rgb_only += 1  # outside the gated field of view
    assert matched > 10 and rgb_only > 0


def test_gates_follow_distance(demo):
    """A fully visible pedestrian is brightest in the gate that favours its distance."""
    root = demo['root']
    checked = 0
    for sample in _samples(demo, 'train_clear_night'):
        slices = [
            cv2.imread(osp.join(root, f'gated{k}_10bit', sample + '.png'), -1) for k in range(3)
        ]
        for row in _lines(root, GATED_LABELS, sample):
            if row[0] != 'Pedestrian' or row[1] != '0.00' or row[2] != '0':
                continue
            x1, y1, x2, y2 = (int(round(float(v))) for v in row[4:8])
            response = sorted(
                (np.exp(-0.5 * ((float(row[13]) - c) / w)**2), k) for k, (c, w) in enumerate(GATES))
            if response[-1][0] < 1.3 * response[-2][0]:
                continue  # between two gates
            means = [s[y1:y2, x1:x2].mean() for s in slices]
            assert int(np.argmax(means)) == response[-1][1], (sample, row[13], means)
            checked += 1
    assert checked >= 3


def test_fog_veils_rgb(demo):
    root = demo['root']

    def mean(split):
        return np.mean([
            np.asarray(Image.open(osp.join(root, 'cam_stereo_left_lut', s + '.png')),
                       np.float64).mean((0, 1)) for s in _samples(demo, split)
        ], 0)

    fog, clear = mean('dense_fog_night'), mean('train_clear_night')
    assert fog.mean() > clear.mean() + 3
    assert fog[0] > fog[2] + 2  # the veil is the orange glow of sodium lamps: files hold RGB


def test_deterministic_and_kept(demo, tmp_path):
    other = make_stf_demo(str(tmp_path), splits=dict(train_clear_night=3), seed=0)
    sample = _samples(other)[0]
    assert sample == _samples(demo)[0]
    for folder in ('cam_stereo_left_lut', 'gated2_10bit'):
        a = cv2.imread(osp.join(demo['root'], folder, sample + '.png'), -1)
        b = cv2.imread(osp.join(str(tmp_path), folder, sample + '.png'), -1)
        np.testing.assert_array_equal(a, b)
    path = osp.join(str(tmp_path), GATED_LABELS, sample + '.txt')
    stamp = os.stat(path).st_mtime_ns
    assert make_stf_demo(str(tmp_path), splits=dict(train_clear_night=3), seed=0) == other
    assert os.stat(path).st_mtime_ns == stamp
