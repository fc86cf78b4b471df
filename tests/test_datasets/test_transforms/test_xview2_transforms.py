"""xView2 transforms against hand-made masks and plain reimplementations of the original code's
rules."""
import json
import os
import os.path as osp
import random
import shutil

import cv2
import numpy as np
import pytest
from shapely.geometry import MultiPolygon, Polygon

from cmkd_mm.datasets import XView2Dataset
from cmkd_mm.datasets.converters import write_xview2_masks
from cmkd_mm.datasets.transforms import (LoadModalities, LoadXView2Masks, MultiModalRandomRot90,
                                         MultiModalShiftScaleRotate, PackMultiModalInputs,
                                         ReplaceModality, XView2ContentCrop, XView2Targets)
from cmkd_mm.datasets.xview2_labels import rasterize_polygons
from cmkd_mm.demo import make_xview2_demo

pytestmark = pytest.mark.usefixtures('mmseg_scope')


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    return make_xview2_demo(
        str(tmp_path_factory.mktemp('xview2_tf')), splits=dict(train=4, test=1), size=64, seed=1)


def tiles(root, split='train'):
    ds = XView2Dataset(data_root=root, splits=[split], pipeline=[])
    return [ds.get_data_info(i) for i in range(len(ds))]


def load(info, **kwargs):
    results = LoadModalities(dict(pre={}, post={}), same_size=True)(dict(info))
    return LoadXView2Masks(**kwargs)(results)


def test_rasterize_polygon_with_hole():
    ring = [(1, 1), (8, 1), (8, 7), (1, 7)]
    hole = [(3, 3), (5, 3), (5, 5), (3, 5)]
    items = [(Polygon(ring, [hole]), 'major-damage')]
    expected = np.zeros((9, 10), np.uint8)
    expected[1:8, 1:9] = 3
    expected[3:6, 3:6] = 0  # cv2 fills the hole's boundary too
    out = rasterize_polygons((9, 10), items, lambda s: 3)
    np.testing.assert_array_equal(out, expected)
    # rounding (np.round, half to even), a MultiPolygon, a later building over an earlier one,
    # and a part outside the image
    multi = MultiPolygon([
        Polygon([(0.4, 0.4), (2.4, 0.4), (2.4, 1.6), (0.4, 1.6)]),
        Polygon([(6, 6), (12, 6), (12, 12), (6, 12)])
    ])
    out = rasterize_polygons((9, 10), [(multi, None), (Polygon(ring), None)], lambda s: 1
                             if s is None else 9)
    expected = np.zeros((9, 10), np.uint8)
    expected[0:3, 0:3] = 1
    expected[6:9, 6:10] = 1
    expected[1:8, 1:9] = 1
    np.testing.assert_array_equal(out, expected)
    values = iter([5, 6])
    out = rasterize_polygons((9, 10), [(Polygon(ring, [hole]), 'a'),
                                       (Polygon([(2, 2), (6, 2), (6, 6), (2, 6)]), 'b')],
                             lambda s: next(values))
    assert (out[2:7, 2:7] == 6).all() and out[1, 1] == 5  # the later building wins


def _reference_masks(info, shape):
    """Straight from the JSON with cv2, polygon by polygon."""
    values = {
        'no-damage': 1,
        'minor-damage': 2,
        'major-damage': 3,
        'destroyed': 4,
        'un-classified': 1
    }
    out = {}
    from shapely import wkt
    for phase in ('pre', 'post'):
        with open(info['label_paths'][phase]) as f:
            features = json.load(f)['features']['xy']
        mask = np.zeros(shape, np.uint8)
        for ft in features:
            poly = wkt.loads(ft['wkt'])
            one = np.zeros(shape, np.uint8)
            cv2.fillPoly(one, [np.round(np.array(poly.exterior.coords)).astype(np.int32)], 1)
            for r in poly.interiors:
                cv2.fillPoly(one, [np.round(np.array(r.coords)).astype(np.int32)], 0)
            mask[one > 0] = 1 if phase == 'pre' else values[ft['properties']['subtype']]
        out[phase] = mask
    return out


def test_masks_folder_and_on_the_fly_agree(demo, tmp_path):
    root = shutil.copytree(demo, str(tmp_path / 'x'))
    fly = [load(i) for i in tiles(root)]
    write_xview2_masks(root, ['train'], progress=False)
    infos = tiles(root)
    assert all(i['mask_paths']['pre'] for i in infos)
    for a, info in zip(fly, infos):
        b = load(info)
        ref = _reference_masks(info, (64, 64))
        for key, phase in (('gt_loc_map', 'pre'), ('gt_dmg_map', 'post')):
            np.testing.assert_array_equal(a[key], b[key])
            np.testing.assert_array_equal(a[key], ref[phase])
            assert a[key].dtype == np.uint8 and key in a['seg_fields']
    assert sum(int(r['gt_loc_map'].sum()) for r in fly) > 0


def test_unclassified_ignore(demo, tmp_path):
    root = shutil.copytree(demo, str(tmp_path / 'x'))
    for info in tiles(root):
        path = info['label_paths']['post']
        with open(path) as f:
            data = json.load(f)
        if data['features']['xy']:
            break
    data['features']['xy'][0]['properties']['subtype'] = 'un-classified'
    with open(path, 'w') as f:
        json.dump(data, f)
    plain, ignored = load(info)['gt_dmg_map'], load(info, unclassified='ignore')['gt_dmg_map']
    assert (ignored == 255).any() and not (plain == 255).any()
    np.testing.assert_array_equal(plain[ignored == 255], 1)


def test_mask_errors(demo, tmp_path):
    root = shutil.copytree(demo, str(tmp_path / 'x'))
    info = tiles(root)[0]
    os.makedirs(osp.join(root, 'train', 'masks'))
    stem = osp.basename(info['label_paths']['post'])[:-5]
    mask_path = osp.join(root, 'train', 'masks', stem + '.png')
    cv2.imwrite(mask_path, np.zeros((32, 64), np.uint8))
    info = tiles(root)[0]
    with pytest.raises(
            ValueError, match=stem + r'\.png: mask is 64x32 \(w x h\) but the pre '
            r'image is 64x64'):
        load(info)
    cv2.imwrite(mask_path, np.full((64, 64), 7, np.uint8))
    with pytest.raises(ValueError, match=stem + r'\.png: post mask values \[7\]'):
        load(info)
    with pytest.raises(
            ValueError,
            match=r'_pre_disaster\.png: image is 64x64 \(w x h\), '
            r'expect_size is 1024x1024'):
        load(info, expect_size=(1024, 1024))
    test_info = tiles(root, 'test')[0]
    test_info['label_paths'] = dict(pre=None, post=None)
    with pytest.raises(FileNotFoundError, match='has no pre label or mask'):
        load(test_info)


def _dilate(mask, k):
    """Square dilation by explicit neighbourhood maximum (anchor at the centre)."""
    if k <= 0:
        return mask.copy()
    h, w = mask.shape
    r0, r1 = k // 2, k - 1 - k // 2
    padded = np.pad(mask, ((r0, r1), (r0, r1)))
    out = np.zeros_like(mask)
    for dy in range(k):
        for dx in range(k):
            out |= padded[dy:dy + h, dx:dx + w]
    return out


def _original_target(dmg, k):
    """The original code's five channels, dilation, priorities and argmax, written out."""
    msk = np.zeros(dmg.shape + (5, ), bool)
    for c in range(1, 5):
        msk[..., c] = _dilate((dmg == c).astype(np.uint8), k) > 0
    msk[..., 1][msk[..., 2:].max(axis=2)] = False
    msk[..., 3][msk[..., 2]] = False
    msk[..., 4][msk[..., 2]] = False
    msk[..., 4][msk[..., 3]] = False
    msk[..., 0] = True
    msk[..., 0][msk[..., 1:].max(axis=2)] = False
    lbl = msk.argmax(axis=2).astype(np.uint8)
    lbl[(dmg == 255) & ~msk[..., 1:].any(axis=2)] = 255
    return lbl


@pytest.mark.parametrize('dilate', [0, 3, 5])
def test_damage_targets(dilate):
    rng = np.random.default_rng(dilate)
    dmg = np.zeros((40, 48), np.uint8)
    for _ in range(25):
        y, x = rng.integers(0, 36), rng.integers(0, 44)
        dmg[y:y + rng.integers(1, 5), x:x + rng.integers(1, 5)] = rng.choice([1, 2, 3, 4, 255])
    results = dict(
        gt_dmg_map=dmg.copy(),
        gt_loc_map=(dmg > 0).astype(np.uint8),
        seg_fields=['gt_loc_map', 'gt_dmg_map'])
    out = XView2Targets('damage', dilate=dilate)(results)
    np.testing.assert_array_equal(out['gt_seg_map'], _original_target(dmg, dilate))
    np.testing.assert_array_equal(out['gt_dmg_map'], dmg)  # the raw map is kept
    assert out['seg_fields'] == ['gt_loc_map', 'gt_dmg_map', 'gt_seg_map']
    loc = XView2Targets('loc')(dict(results))
    np.testing.assert_array_equal(loc['gt_seg_map'], results['gt_loc_map'])


def _results(h=64, w=64):
    pre = np.zeros((h, w, 3), np.uint8)
    post = np.zeros((h, w, 3), np.uint8)
    loc = np.zeros((h, w), np.uint8)
    return dict(
        pre=pre,
        post=post,
        modalities=['pre', 'post'],
        ref_modality='pre',
        gt_loc_map=loc,
        gt_dmg_map=loc.copy(),
        seg_fields=['gt_loc_map', 'gt_dmg_map'],
        img_shape=(h, w))


def _best_window(score, side):
    h, w = score.shape
    return max(score[y:y + side, x:x + side].sum() for y in range(h - side + 1)
               for x in range(w - side + 1))


@pytest.mark.parametrize('mode', ['loc', 'damage'])
def test_content_crop_picks_the_richest_window(mode):
    random.seed(0)
    r = _results()
    r['gt_loc_map'][5:9, 40:50] = 1
    r['gt_loc_map'][44:54, 6:16] = 1  # the biggest group of buildings
    r['gt_dmg_map'][5:9, 40:50] = 2  # minor: weight 5 * 40 beats 1 * 100
    r['gt_dmg_map'][44:54, 6:16] = 1
    r['pre'][..., 0] = r['gt_loc_map'] * 200
    r['post'][..., 1] = r['gt_dmg_map'] * 50
    crop = XView2ContentCrop(crop_size=16, prob=0., tries=(400, 400), score=mode)
    out = crop(r)
    weights = np.array([0, 1, 5, 5, 2] + [0] * 251)
    score = r['gt_loc_map'] if mode == 'loc' else weights[r['gt_dmg_map']]
    got = out['gt_loc_map'] if mode == 'loc' else weights[out['gt_dmg_map']]
    assert got.sum() == _best_window(score, 16)
    assert out['pre'].shape == (16, 16, 3) and out['img_shape'] == (16, 16)
    np.testing.assert_array_equal(out['pre'][..., 0], out['gt_loc_map'] * 200)
    np.testing.assert_array_equal(out['post'][..., 1], out['gt_dmg_map'] * 50)


def test_content_crop_resizes_and_pads():
    random.seed(1)
    r = _results(40, 40)
    r['gt_loc_map'][:] = 1
    out = XView2ContentCrop(crop_size=32, scale_range=(1.5, 1.5), prob=1.)(r)
    assert out['pre'].shape == (32, 32, 3) and out['gt_loc_map'].shape == (32, 32)
    x0, y0, x1, y1 = out['crop_window']
    assert x1 - x0 == 48  # the side exceeded the image: padded with 0 at bottom/right
    assert (out['gt_loc_map'] == 0).any() and set(np.unique(out['gt_loc_map'])) <= {0, 1}


def test_rot90_replace_and_affine_keep_alignment():
    random.seed(2)
    r = _results(32, 48)
    r['gt_loc_map'][3:10, 5:20] = 1
    r['pre'][..., 2] = r['gt_loc_map'] * 255
    r['post'][..., 2] = r['gt_loc_map'] * 255
    out = MultiModalRandomRot90(prob=1.)(r)
    assert out['rot90_k'] in (1, 2, 3) and out['img_shape'] == out['pre'].shape[:2]
    np.testing.assert_array_equal(out['pre'][..., 2], out['gt_loc_map'] * 255)
    np.testing.assert_array_equal(out['gt_dmg_map'],
                                  np.rot90(np.zeros((32, 48), np.uint8), out['rot90_k']))
    out['post'] = out['post'] + 1
    out = ReplaceModality(prob=1.)(out)
    np.testing.assert_array_equal(out['pre'], out['post'])
    warp = MultiModalShiftScaleRotate(shift=0, angle=0, prob=1.)
    np.testing.assert_array_equal(
        warp.matrix((32, 48), (32, 48), (0, 0), 0, 1, (0, 0)), [[1, 0, 0], [0, 1, 0]])
    r = _results(32, 48)
    r['gt_loc_map'][10:20, 10:30] = 1
    r['pre'][..., 0] = r['gt_loc_map'] * 255
    out = MultiModalShiftScaleRotate(shift=6, prob=1.)(r)  # a pure shift: exact
    dx, dy = out['affine']['shift']
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    moved = cv2.warpAffine(
        np.pad(np.ones((10, 20), np.uint8), ((10, 12), (10, 18))),
        m, (48, 32),
        flags=cv2.INTER_NEAREST)
    np.testing.assert_array_equal(out['gt_loc_map'], moved)
    assert ((out['pre'][..., 0] > 127) == (out['gt_loc_map'] > 0)).mean() > 0.97
    r = _results(32, 48)
    r['pre'][:] = 100
    r['gt_loc_map'][:] = 1
    out = MultiModalShiftScaleRotate(shift=8, prob=1., border='reflect101')(r)
    assert (out['pre'] == 100).all() and (out['gt_loc_map'] == 1).all()  # no empty border
    with pytest.raises(ValueError, match='border must be'):
        MultiModalShiftScaleRotate(border='wrap')


def test_pack_extra_fields(demo):
    info = tiles(demo)[0]
    r = XView2Targets('loc')(load(info))
    pack = PackMultiModalInputs(
        packer=dict(type='mmseg.PackSegInputs'),
        extra_seg_fields=dict(gt_loc_map='gt_loc', gt_dmg_map='gt_dmg'))
    out = pack(r)
    sample = out['data_samples']
    assert sample.tile_id == info['tile_id']
    assert tuple(sample.gt_loc.data.shape) == (1, 64, 64)
    np.testing.assert_array_equal(sample.gt_dmg.data[0].numpy(), r['gt_dmg_map'])
    np.testing.assert_array_equal(sample.gt_sem_seg.data[0].numpy(), r['gt_loc_map'])
    plain = PackMultiModalInputs(packer=dict(type='mmseg.PackSegInputs'))(load(info))
    assert 'gt_loc' not in plain['data_samples'] and set(plain['inputs']) == {'pre', 'post'}
