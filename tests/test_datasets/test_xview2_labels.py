"""xView2 label JSONs whose features cannot be buildings are refused, naming the file and the
feature: zero-area polygons, polygons wholly outside the tile, one uid with two damage classes."""
import json
import os.path as osp
import re
import shutil

import cv2
import numpy as np
import pytest

from cmkd_mm.datasets import XView2Dataset, parse_xview2_label
from cmkd_mm.datasets.xview2_labels import label_to_mask

pytestmark = pytest.mark.usefixtures('mmseg_scope')

SQUARE = 'POLYGON ((5 5, 20 5, 20 20, 5 20, 5 5))'
LOAD = [
    dict(type='LoadModalities', modalities=dict(pre={}, post={}), same_size=True),
    dict(type='LoadXView2Masks')
]


def feature(wkt, uid=None, subtype=None):
    properties = dict(feature_type='building')
    if uid is not None:
        properties['uid'] = uid
    if subtype is not None:
        properties['subtype'] = subtype
    return dict(properties=properties, wkt=wkt)


def write_label(path, *features):
    with open(path, 'w') as f:
        json.dump(dict(features=dict(lng_lat=[], xy=list(features)), metadata={}), f)
    return path


@pytest.fixture
def root(xview2_demo_root, tmp_path):
    """A copy of the 64x64 demo a test may change."""
    return shutil.copytree(xview2_demo_root, str(tmp_path / 'xview2'))


def first_tile(root):
    ds = XView2Dataset(data_root=root, splits=['train'], pipeline=LOAD)
    return ds, ds.get_data_info(0)


def filled(shape, wkt_points):
    """Independent reference: the ring filled by cv2 on the whole image (cv2 clips)."""
    out = np.zeros(shape, np.uint8)
    cv2.fillPoly(out, [np.round(np.array(wkt_points, np.float64)).astype(np.int32)], 1)
    return out


@pytest.mark.parametrize(
    'wkt, part', [('POLYGON ((10 10, 30 30, 10 10))', ''),
                  ('POLYGON ((10 10, 20 10, 30 10, 10 10))', ''), ('POLYGON EMPTY', ''),
                  ('MULTIPOLYGON (((1 1, 9 1, 9 9, 1 1)), ((40 40, 50 50, 40 40)))', 'part 1 of ')])
def test_zero_area_polygon(tmp_path, wkt, part):
    path = write_label(
        str(tmp_path / 'a_00000001_post_disaster.json'), feature(SQUARE, 'ok', 'destroyed'),
        feature(wkt, 'flat-7', 'no-damage'))
    expected = (f'{path}: {part}feature 1 of "features.xy" (uid \'flat-7\') has zero area '
                f'({wkt})')
    with pytest.raises(ValueError, match=re.escape(expected)) as error:
        parse_xview2_label(path)
    assert 'Fix the polygon or remove that feature.' in str(error.value)


def test_zero_area_polygon_refused_when_a_sample_loads(root):
    ds, info = first_tile(root)
    path = write_label(info['label_paths']['pre'], feature(SQUARE, 'a'),
                       feature('POLYGON ((10 10, 30 30, 10 10))', 'b'))
    with pytest.raises(
            ValueError,
            match=re.escape(f'{path}: feature 1 of "features.xy" (uid \'b\') has zero area')):
        ds[0]


def test_a_bow_tie_is_not_zero_area(tmp_path):
    """A self-intersecting ring has a shoelace area of 0 but encloses two triangles."""
    ring = [(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)]
    wkt = 'POLYGON ((' + ', '.join(f'{x} {y}' for x, y in ring) + '))'
    path = write_label(str(tmp_path / 'a_00000001_pre_disaster.json'), feature(wkt, 'tie'))
    assert len(parse_xview2_label(path)) == 1
    np.testing.assert_array_equal(label_to_mask(path, (16, 16)), filled((16, 16), ring))


def test_polygon_wholly_outside_the_tile(root):
    ds, info = first_tile(root)
    far = 'POLYGON ((600 610, 700 610, 700 650, 600 650, 600 610))'  # a 1024 tile's pixels
    path = write_label(info['label_paths']['post'], feature(SQUARE, 'near', 'minor-damage'),
                       feature(far, 'far-1', 'destroyed'))
    expected = (f'{path}: feature 1 of "features.xy" (uid \'far-1\') lies wholly outside the '
                f'64x64 (w x h) image: x 600 to 700, y 610 to 650')
    with pytest.raises(ValueError, match=re.escape(expected)) as error:
        label_to_mask(path, (64, 64), 'damage')
    assert 'remove that feature' in str(error.value)
    with pytest.raises(ValueError, match=re.escape(expected)):
        ds[0]  # the dataset's loading pipeline refuses it too
    # two such features are counted
    write_label(path, feature(far, 'far-1', 'destroyed'), feature(far, 'far-2', 'destroyed'))
    with pytest.raises(ValueError, match=r"uid 'far-1'.*\(2 of 2 features are\)"):
        label_to_mask(path, (64, 64), 'damage')


def test_polygon_partly_outside_is_clipped(tmp_path):
    ring = [(50, 40), (90, 40), (90, 60), (50, 60), (50, 40)]
    wkt = 'POLYGON ((' + ', '.join(f'{x} {y}' for x, y in ring) + '))'
    path = write_label(str(tmp_path / 'a_00000001_pre_disaster.json'), feature(wkt, 'edge'))
    mask = label_to_mask(path, (64, 64))
    np.testing.assert_array_equal(mask, filled((64, 64), ring))
    assert mask[40:61, 50:64].all() and mask.sum() == 21 * 14


def test_one_uid_with_two_damage_classes(root):
    ds, info = first_tile(root)
    path = write_label(info['label_paths']['post'], feature(SQUARE, 'u-1', 'minor-damage'),
                       feature(SQUARE, 'u-2', 'no-damage'),
                       feature('POLYGON ((30 30, 40 30, 40 40, 30 40, 30 30))', 'u-1', 'destroyed'))
    expected = (f'{path}: uid \'u-1\' is given twice with different damage subtypes: feature 0 '
                f'(minor-damage) and feature 2 (destroyed) of "features.xy"')
    with pytest.raises(ValueError, match=re.escape(expected)) as error:
        parse_xview2_label(path)
    assert 'remove the wrong feature or give it its own uid' in str(error.value)
    with pytest.raises(ValueError, match=re.escape(expected)):
        ds[0]


def test_one_uid_twice_with_the_same_class_is_kept(tmp_path):
    """The same building listed twice does not contradict itself (pre files have no class)."""
    path = write_label(
        str(tmp_path / 'a_00000001_post_disaster.json'), feature(SQUARE, 'u-1', 'major-damage'),
        feature(SQUARE, 'u-1', 'major-damage'))
    assert [s for _, s in parse_xview2_label(path)] == ['major-damage', 'major-damage']
    pre = write_label(
        str(tmp_path / 'a_00000001_pre_disaster.json'), feature(SQUARE, 'u-1'),
        feature('POLYGON ((30 30, 40 30, 40 40, 30 40, 30 30))', 'u-1'))
    assert osp.isfile(pre) and len(parse_xview2_label(pre)) == 2
