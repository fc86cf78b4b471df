"""Every modality and annotation must move together under the geometric transforms.

Each sample holds one bright rectangle: in a 3-channel 8-bit ``rgb`` image, in a 1-channel 16-bit
``thermal`` image at half the resolution, in the seg map, in a quarter-resolution edge map and in
the instance mask, plus the matching box. After a transform the rectangle found in each image
(scaled by that image's resolution) must still coincide with the transformed box.
"""
import numpy as np
import pytest
from mmdet.structures.bbox import HorizontalBoxes
from mmdet.structures.mask import BitmapMasks

from cmkd_mm.datasets.transforms import (MultiModalPad, MultiModalRandomCrop, MultiModalRandomFlip,
                                         MultiModalRandomRotate, MultiModalResize)

W, H = 80, 64
BOX = (24, 16, 48, 40)  # x0, y0, x1, y1 in rgb (reference) pixels


def region(a, scale=1.0):
    """Bounds of the non-zero pixels, in reference pixels."""
    a = np.asarray(a)
    if a.ndim == 3:
        a = a.max(-1)
    ys, xs = np.nonzero((a > 0) & (a != 255))  # 255 = seg padding; objects use other values
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]) / scale


def sample():
    x0, y0, x1, y1 = BOX
    rgb = np.zeros((H, W, 3), np.uint8)
    rgb[y0:y1, x0:x1] = 200
    thermal = np.zeros((H // 2, W // 2, 1), np.uint16)
    thermal[y0 // 2:y1 // 2, x0 // 2:x1 // 2] = 900
    seg = np.zeros((H, W), np.uint8)
    seg[y0:y1, x0:x1] = 1
    edge = np.zeros((H // 4, W // 4), np.uint8)
    edge[y0 // 4:y1 // 4, x0 // 4:x1 // 4] = 1
    mask = np.zeros((1, H, W), np.uint8)
    mask[0, y0:y1, x0:x1] = 1
    return dict(
        modalities=['rgb', 'thermal'],
        ref_modality='rgb',
        rgb=rgb,
        thermal=thermal,
        img_shape=(H, W),
        ori_shape=(H, W),
        gt_seg_map=seg,
        gt_edge_map=edge,
        seg_fields=['gt_seg_map', 'gt_edge_map'],
        gt_bboxes=HorizontalBoxes(np.array([BOX], np.float32)),
        gt_bboxes_labels=np.array([1]),
        gt_ignore_flags=np.array([False]),
        gt_masks=BitmapMasks(mask, H, W))


def assert_together(r, tol=1.5):
    box = r['gt_bboxes'].tensor.numpy()[0]
    ref_w = r['rgb'].shape[1]
    np.testing.assert_allclose(region(r['rgb']), box, atol=tol)
    np.testing.assert_allclose(
        region(r['thermal'], r['thermal'].shape[1] / ref_w), box, atol=2 * tol)
    np.testing.assert_allclose(region(r['gt_seg_map']), box, atol=tol)
    np.testing.assert_allclose(
        region(r['gt_edge_map'], r['gt_edge_map'].shape[1] / ref_w), box, atol=4 * tol)
    np.testing.assert_allclose(region(r['gt_masks'].masks[0]), box, atol=tol)
    assert r['rgb'].dtype == np.uint8 and r['thermal'].dtype == np.uint16
    assert r['rgb'].ndim == 3 and r['thermal'].ndim == 3 and r['thermal'].shape[2] == 1


@pytest.mark.parametrize('direction', ['horizontal', 'vertical', 'diagonal'])
def test_flip(direction):
    r = MultiModalRandomFlip(prob=1.0, direction=direction)(sample())
    assert r['flip'] and r['flip_direction'] == direction
    x0, y0, x1, y1 = BOX
    expect = {
        'horizontal': (W - x1, y0, W - x0, y1),
        'vertical': (x0, H - y1, x1, H - y0),
        'diagonal': (W - x1, H - y1, W - x0, H - y0)
    }[direction]
    np.testing.assert_allclose(r['gt_bboxes'].tensor.numpy()[0], expect)
    assert_together(r)


def test_no_flip_keeps_sample():
    r = MultiModalRandomFlip(prob=0.0)(sample())
    assert not r['flip']
    np.testing.assert_array_equal(r['gt_bboxes'].tensor.numpy()[0], BOX)


def test_resize_with_per_modality_scales():
    t = MultiModalResize(scale=(160, 128), modality_scales=dict(thermal=(40, 32)))
    r = t(sample())
    assert r['rgb'].shape[:2] == (128, 160) and r['thermal'].shape[:2] == (32, 40)
    assert r['img_shape'] == (128, 160)
    np.testing.assert_allclose(r['scale_factor'], (2.0, 2.0))
    np.testing.assert_allclose(r['gt_bboxes'].tensor.numpy()[0], np.array(BOX) * 2)
    assert r['gt_edge_map'].shape == (32, 40)
    assert_together(r, tol=2)


def test_resize_keep_ratio():
    r = MultiModalResize(scale=(40, 40), keep_ratio=True)(sample())
    assert r['rgb'].shape[:2] == (32, 40)
    assert r['thermal'].shape[:2] == (32, 40)  # each modality fits the scale itself
    assert_together(r, tol=1)


def test_crop_moves_everything(monkeypatch):
    import random
    monkeypatch.setattr(random, 'randint', lambda a, b: min(b, 8))
    r = MultiModalRandomCrop(crop_size=(48, 40))(sample())
    assert r['rgb'].shape[:2] == (40, 48) and r['thermal'].shape[:2] == (20, 24)
    np.testing.assert_allclose(r['gt_bboxes'].tensor.numpy()[0], np.array(BOX) - 8)
    assert_together(r)


def test_crop_without_boxes_returns_none(monkeypatch):
    import random
    monkeypatch.setattr(random, 'randint', lambda a, b: 0)
    s = sample()
    s['gt_bboxes'] = HorizontalBoxes(np.array([[60, 50, 79, 63]], np.float32))
    assert MultiModalRandomCrop(crop_size=(16, 16))(s) is None
    s = sample()
    s['gt_bboxes'] = HorizontalBoxes(np.array([[60, 50, 79, 63]], np.float32))
    r = MultiModalRandomCrop(crop_size=(16, 16), allow_negative_crop=True)(s)
    assert len(r['gt_bboxes']) == 0 and len(r['gt_bboxes_labels']) == 0


def test_pad_size_divisor():
    s = sample()
    s['rgb'] = s['rgb'][:60, :75]
    s['thermal'] = s['thermal'][:30, :37]
    r = MultiModalPad(size_divisor=16, pad_val=dict(rgb=0, thermal=0))(s)
    assert r['rgb'].shape[:2] == (64, 80) and r['thermal'].shape[:2] == (32, 48)
    assert r['pad_shape'] == (64, 80)
    assert r['gt_masks'].height == 64


def test_pad_fixed_size_scales_other_modalities():
    r = MultiModalPad(size=(96, 80), seg_pad_val=255)(sample())
    assert r['rgb'].shape[:2] == (80, 96)
    assert r['thermal'].shape[:2] == (40, 48)
    assert r['gt_seg_map'].shape == (80, 96) and r['gt_seg_map'][-1, -1] == 255
    assert r['gt_edge_map'].shape == (20, 24)
    assert_together(r)


@pytest.mark.parametrize('angle', [90.0, -90.0, 30.0])
def test_rotate(angle):
    t = MultiModalRandomRotate(prob=1.0, degree=10)
    r = t.rotate(sample(), angle)
    if abs(angle) == 90:
        assert_together(r, tol=1.5)
    else:
        # the box becomes the bounds of the rotated rectangle: it contains the rotated pixels
        box = r['gt_bboxes'].tensor.numpy()[0]
        reg = region(r['rgb'])
        assert (reg[:2] >= box[:2] - 1).all() and (reg[2:] <= box[2:] + 1).all()
        np.testing.assert_allclose(region(r['gt_seg_map']), reg, atol=1.5)
        np.testing.assert_allclose(region(r['thermal'], 0.5), reg, atol=3)


def test_rotate_boxes_matches_corner_rotation():
    # independent reference: rotate the four corners about the image centre by hand
    boxes = np.array([[10, 5, 30, 25]], np.float32)
    angle = 30.0
    out = MultiModalRandomRotate.rotate_boxes(boxes, angle, (40, 60))
    cx, cy = (60 - 1) / 2, (40 - 1) / 2
    t = np.deg2rad(angle)  # clockwise in image coordinates (y down)
    xs, ys = [], []
    for x, y in [(10, 5), (30, 5), (10, 25), (30, 25)]:
        dx, dy = x - cx, y - cy
        xs.append(cx + dx * np.cos(t) - dy * np.sin(t))
        ys.append(cy + dx * np.sin(t) + dy * np.cos(t))
    np.testing.assert_allclose(out[0], [min(xs), min(ys), max(xs), max(ys)], atol=1e-3)


def test_numpy_boxes_supported():
    s = sample()
    s['gt_bboxes'] = np.array([BOX], np.float32)
    r = MultiModalRandomFlip(prob=1.0)(s)
    assert isinstance(r['gt_bboxes'], np.ndarray)
    np.testing.assert_allclose(r['gt_bboxes'][0], (W - 48, 16, W - 24, 40))
