import cv2
import numpy as np
import pytest
from mmengine.registry import TRANSFORMS

from cmkd_mm.datasets.transforms import (GenerateEdgeLabels, MultiModalRandomFlip,
                                         PackMultiModalInputs, seg_to_edge)


def from_rows(rows):
    return np.array([[c == '1' for c in r] for r in rows], np.uint8)


def two_squares():
    """9x9 background with class 1 at rows/cols 1-3 and class 2 at rows/cols 5-7."""
    seg = np.zeros((9, 9), np.uint8)
    seg[1:4, 1:4] = 1
    seg[5:8, 5:8] = 2
    return seg


def naive_edge(seg, radius, ignore_index=None):
    """Pixel-by-pixel reference of the documented definition."""
    h, w = seg.shape
    out = np.zeros((h, w), np.uint8)
    for y in range(h):
        for x in range(w):
            if seg[y, x] == ignore_index:
                continue
            for v in range(h):
                for u in range(w):
                    near = (v - y)**2 + (u - x)**2 <= radius**2
                    if near and seg[v, u] != seg[y, x] and seg[v, u] != ignore_index:
                        out[y, x] = 1
    return out


def test_radius_1_exact():
    expected = from_rows([
        '.111.....',
        '11111....',
        '11.11....',
        '11111....',
        '.111.111.',
        '....11111',
        '....11.11',
        '....11111',
        '.....111.',
    ])
    np.testing.assert_array_equal(seg_to_edge(two_squares(), radius=1), expected)


def test_radius_2_exact():
    seg = two_squares()
    edge = seg_to_edge(seg, radius=2)
    np.testing.assert_array_equal(edge, naive_edge(seg, 2))
    # A 3x3 square is all edge at radius 2; background 2 px away (also diagonally) is edge.
    assert edge[1:4, 1:4].all() and edge[5:8, 5:8].all()
    assert edge[0, 0] == 1 and edge[4, 4] == 1 and edge[8, 0] == 0 and edge[0, 8] == 0
    # Straight boundary: a band of `radius` pixels on each side.
    seg = np.zeros((6, 12), np.uint8)
    seg[:, 6:] = 3
    for r in (1, 2, 3):
        cols = np.flatnonzero(seg_to_edge(seg, radius=r).all(0))
        assert cols.tolist() == list(range(6 - r, 6 + r))


def test_ignore_index():
    seg = two_squares()
    seg[5:8, 5:8] = 255  # ignored square: no edges around or inside it
    edge = seg_to_edge(seg, radius=1, ignore_index=255)
    assert edge[4:9, 4:9].sum() == 0
    np.testing.assert_array_equal(edge[:4, :5], seg_to_edge(two_squares(), radius=1)[:4, :5])
    # ignore_index=None: 255 is an ordinary class.
    assert seg_to_edge(seg, radius=1, ignore_index=None)[5:8, 5:8].sum() == 8
    # Classes separated by a 1 px ignored column still see each other at radius 2.
    seg = np.zeros((4, 9), np.uint8)
    seg[:, 4] = 255
    seg[:, 5:] = 1
    edge = seg_to_edge(seg, radius=2, ignore_index=255)
    np.testing.assert_array_equal(edge, naive_edge(seg, 2, ignore_index=255))
    assert edge[:, 4].sum() == 0 and edge[:, 3].all() and edge[:, 5].all()


@pytest.mark.parametrize('offset', range(4, 13))
def test_quarter_scale_is_one_pixel_wide(offset):
    seg = np.zeros((16, 16), np.uint8)
    seg[:, offset:] = 1
    r = GenerateEdgeLabels()(dict(gt_seg_map=seg, seg_fields=[]))
    edge = r['gt_edge_map']
    assert edge.shape == (4, 4) and edge.dtype == np.uint8
    assert set(np.unique(edge)) <= {0, 1}
    assert (edge.sum(1) == 1).all()  # radius 2 at full size -> exactly one column at 1/4
    assert r['seg_fields'] == ['gt_edge_map']


def test_scale_and_rounding():
    seg = two_squares()
    r = GenerateEdgeLabels(radius=1, scale=1.0)(dict(gt_seg_map=seg))
    np.testing.assert_array_equal(r['gt_edge_map'], seg_to_edge(seg, 1))
    r = GenerateEdgeLabels(scale=0.5)(dict(gt_seg_map=np.zeros((9, 15), np.uint8)))
    assert r['gt_edge_map'].shape == (4, 8)  # round(4.5) = 4, round(7.5) = 8
    with pytest.raises(ValueError, match='scale'):
        GenerateEdgeLabels(scale=2)
    with pytest.raises(ValueError, match='radius'):
        GenerateEdgeLabels(radius=0)


def test_precomputed_file_preferred(tmp_path):
    seg = np.zeros((16, 16), np.uint8)
    seg[:, 8:] = 1
    stored = np.zeros((4, 4), np.uint8)
    stored[0, 0] = 255  # unlike anything generated; 255 counts as edge
    path = str(tmp_path / 'edge.png')
    cv2.imwrite(path, stored)
    r = GenerateEdgeLabels()(dict(gt_seg_map=seg, edge_map_path=path))
    np.testing.assert_array_equal(r['gt_edge_map'], (stored > 0).astype(np.uint8))
    r = GenerateEdgeLabels(use_precomputed=False)(dict(gt_seg_map=seg, edge_map_path=path))
    assert r['gt_edge_map'][:, 2].all()
    # A full-size stored map is brought to the requested scale.
    cv2.imwrite(path, seg_to_edge(seg) * 255)
    r = GenerateEdgeLabels()(dict(gt_seg_map=seg, edge_map_path=path))
    np.testing.assert_array_equal(r['gt_edge_map'],
                                  GenerateEdgeLabels()(dict(gt_seg_map=seg))['gt_edge_map'])
    missing = str(tmp_path / 'nope.png')
    with pytest.raises(FileNotFoundError, match='nope.png'):
        GenerateEdgeLabels()(dict(gt_seg_map=seg, edge_map_path=missing))


def sample(seg):
    h, w = seg.shape
    rgb = np.dstack([seg * 100] * 3).astype(np.uint8)
    return dict(
        modalities=['rgb'],
        ref_modality='rgb',
        rgb=rgb,
        img_shape=(h, w),
        ori_shape=(h, w),
        gt_seg_map=seg,
        seg_fields=[])


@pytest.mark.parametrize('direction', ['horizontal', 'vertical'])
def test_flip_moves_edges_with_labels(direction):
    seg = np.zeros((16, 24), np.uint8)
    seg[2:9, 3:10] = 1
    seg[10:14, 15:22] = 2
    r = GenerateEdgeLabels(scale=1.0)(sample(seg.copy()))
    r = MultiModalRandomFlip(prob=1.0, direction=direction)(r)
    np.testing.assert_array_equal(r['gt_edge_map'], seg_to_edge(r['gt_seg_map']))
    assert not np.array_equal(r['gt_edge_map'], seg_to_edge(seg))
    r = GenerateEdgeLabels()(sample(seg.copy()))
    before = r['gt_edge_map'].copy()
    r = MultiModalRandomFlip(prob=1.0, direction=direction)(r)
    axis = 1 if direction == 'horizontal' else 0
    np.testing.assert_array_equal(r['gt_edge_map'], np.flip(before, axis))


def test_packed_into_data_sample():
    seg = two_squares()
    assert TRANSFORMS.get('GenerateEdgeLabels') is GenerateEdgeLabels
    r = GenerateEdgeLabels(scale=1.0)(sample(seg))
    r['seg_map_path'] = 'x.png'
    packed = PackMultiModalInputs(packer=dict(type='mmseg.PackSegInputs'))(r)
    edge = packed['data_samples'].gt_edge_map.data
    assert tuple(edge.shape) == (1, 9, 9)
    np.testing.assert_array_equal(edge[0].numpy(), seg_to_edge(seg))
