"""MultiModalSegDataset: samples of plain folders read as an os.walk reading gives them, the
shared decoding path (16-bit depth) and every bad input named."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmseg.registry import DATASETS, TRANSFORMS

from cmkd_mm.datasets import MFNetDataset, MultiModalSegDataset, PST900Dataset
from cmkd_mm.demo import make_mfnet_demo, make_pst900_demo

pytestmark = pytest.mark.usefixtures('mmseg_scope')

CLASSES = ('background', 'person', 'car')
H, W = 6, 8


def write_layout(root, names, depth_name='{}.png'):
    """``rgb/`` (8-bit colour), ``depth/`` (16-bit), ``labels/`` (ids 0-2) under ``root``."""
    rng = np.random.default_rng(0)
    for folder in ('rgb', 'depth', 'labels'):
        os.makedirs(osp.join(root, folder), exist_ok=True)
    for name in names:
        cv2.imwrite(osp.join(root, 'rgb', name + '.png'), rng.integers(0, 256, (H, W, 3), np.uint8))
        depth = rng.integers(0, 65536, (H, W), np.uint16)
        cv2.imwrite(osp.join(root, 'depth', depth_name.format(name)), depth)
        cv2.imwrite(osp.join(root, 'labels', name + '.png'), rng.integers(0, 3, (H, W), np.uint8))
    return str(root)


def walk_samples(root, rgb='rgb', depth_name='{}.png', names=None):
    """The samples as an independent reading of the folders gives them."""
    if names is None:
        _, _, files = next(os.walk(osp.join(root, rgb)))
        names = sorted(f[:-len('.png')] for f in files if f.endswith('.png'))
    samples = []
    for name in names:
        paths = dict(
            rgb=osp.join(root, rgb, name + '.png'),
            depth=osp.join(root, 'depth', depth_name.format(name)))
        samples.append(
            dict(
                img_path=paths['rgb'],
                seg_map_path=osp.join(root, 'labels', name + '.png'),
                modality_paths=paths,
                label_map=None,
                reduce_zero_label=False,
                seg_fields=[],
                sample_name=name))
    return samples


def build(root, **kwargs):
    cfg = dict(
        type='MultiModalSegDataset',
        data_root=root,
        modality_dirs=dict(rgb='rgb', depth='depth'),
        metainfo=dict(classes=CLASSES))
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def strip_index(samples):
    return [{k: v for k, v in s.items() if k != 'sample_idx'} for s in samples]


def test_every_file_of_the_folder_with_a_pattern(tmp_path):
    root = write_layout(tmp_path, ['b02', 'a10', 'a01'], depth_name='{}_depth.png')
    open(osp.join(root, 'rgb', 'notes.txt'), 'w').close()  # no sample: not the rgb name rule
    ds = build(root, pattern=dict(depth='{}_depth.png'))
    assert strip_index(infos(ds)) == walk_samples(root, depth_name='{}_depth.png')
    assert [s['sample_name'] for s in infos(ds)] == ['a01', 'a10', 'b02']
    assert ds.metainfo['classes'] == CLASSES


def test_split_files_and_subsets(tmp_path):
    root = write_layout(tmp_path, ['a', 'b', 'c', 'd'])
    with open(osp.join(root, 'val.txt'), 'w') as f:
        f.write('d\n\nb.png\n')  # file order kept; the rgb suffix is dropped
    with open(osp.join(root, 'night.txt'), 'w') as f:
        f.write('b\n')
    ds = build(root, ann_file='val.txt', subsets=dict(night='night.txt', fog='fog.txt'))
    expected = walk_samples(root, names=['d', 'b'])
    expected[1]['subset'] = 'night'
    assert strip_index(infos(ds)) == expected


def test_split_sub_folders_as_mmseg(tmp_path):
    for split in ('train', 'val'):
        write_layout(tmp_path / split, ['x', 'y'] if split == 'train' else ['z'])
    ds = build(
        str(tmp_path),
        modality_dirs=dict(rgb='train/rgb', depth='train/depth'),
        seg_map_dir='train/labels')
    assert [s['modality_paths']['depth'] for s in infos(ds)
            ] == [osp.join(str(tmp_path), 'train', 'depth', n + '.png') for n in ('x', 'y')]


def test_classes_palette_and_reduce_zero_label(tmp_path):
    root = write_layout(tmp_path, ['a'])
    seven = tuple(f'c{i}' for i in range(7))
    palette = build(root, metainfo=dict(classes=seven)).metainfo['palette']
    assert len(palette) == 7 and all(len(c) == 3 for c in palette)  # made by mmseg
    mine = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert build(root, metainfo=dict(classes=CLASSES, palette=mine)).metainfo['palette'] == mine
    with pytest.raises(ValueError, match='2 palette colours for 3 classes'):
        build(root, metainfo=dict(classes=CLASSES, palette=mine[:2]))
    with pytest.raises(ValueError, match='needs the class names'):
        build(root, metainfo=None)

    ds = build(root, reduce_zero_label=True)
    assert ds.get_data_info(0)['reduce_zero_label'] is True
    label = cv2.imread(osp.join(root, 'labels', 'a.png'), cv2.IMREAD_UNCHANGED)
    expected = np.where(label == 0, 255, label - 1)
    for loader in (dict(type='LoadSegLabels'), dict(type='mmseg.LoadAnnotations')):
        out = TRANSFORMS.build(loader)(ds.get_data_info(0))
        np.testing.assert_array_equal(out['gt_seg_map'], expected)


def test_16bit_depth_through_the_pipeline(tmp_path):
    root = write_layout(tmp_path, ['a', 'b'])
    depth = np.full((H, W), 40000, np.uint16)
    depth[0, 0] = 65535
    cv2.imwrite(osp.join(root, 'depth', 'a.png'), depth)
    modalities = dict(
        rgb=dict(num_channels=3, bit_depth=8), depth=dict(num_channels=1, bit_depth=16))
    pipeline = [
        dict(type='LoadModalities', modalities=modalities, same_size=True),
        dict(type='LoadSegLabels'),
        dict(type='CheckSegLabels', num_classes=3),
        dict(type='PackMultiModalInputs', packer=dict(type='mmseg.PackSegInputs')),
    ]
    out = build(root, pipeline=pipeline)[0]
    assert out['inputs']['rgb'].shape == (3, H, W)
    assert out['inputs']['depth'].shape == (1, H, W)
    np.testing.assert_array_equal(out['inputs']['depth'][0].numpy().astype(np.uint16), depth)
    label = cv2.imread(osp.join(root, 'labels', 'a.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(out['data_samples'].gt_sem_seg.data[0].numpy(), label)
    modalities['depth']['bit_depth'] = 8  # an 8-bit setting for a 16-bit file is refused
    with pytest.raises(ValueError, match=r'depth/a\.png'):
        build(root, pipeline=pipeline)[0]


@pytest.mark.parametrize('ann_file', ['', 'train.txt'])
def test_missing_partner_names_both_paths(tmp_path, ann_file):
    root = write_layout(tmp_path, ['a', 'b'])
    with open(osp.join(root, 'train.txt'), 'w') as f:
        f.write('a\nb\n')
    os.remove(osp.join(root, 'depth', 'b.png'))
    with pytest.raises(FileNotFoundError) as error:
        build(root, ann_file=ann_file)
    message = str(error.value)
    assert osp.join(root, 'depth', 'b.png') in message
    assert osp.join(root, 'rgb', 'b.png') in message
    assert (osp.join(root, 'train.txt') if ann_file else osp.join(root, 'rgb')) in message


def test_missing_label_map(tmp_path):
    root = write_layout(tmp_path, ['a', 'b'])
    os.remove(osp.join(root, 'labels', 'a.png'))
    with pytest.raises(FileNotFoundError, match='lack their label map') as error:
        build(root)
    assert osp.join(root, 'labels', 'a.png') in str(error.value)
    assert osp.join(root, 'rgb', 'a.png') in str(error.value)


def test_split_file_naming_a_missing_sample_or_missing(tmp_path):
    root = write_layout(tmp_path, ['a'])
    with open(osp.join(root, 'train.txt'), 'w') as f:
        f.write('a\nghost\n')
    with pytest.raises(FileNotFoundError) as error:
        build(root, ann_file='train.txt')
    message = str(error.value)
    assert osp.join(root, 'train.txt') in message and osp.join(root, 'rgb', 'ghost.png') in message
    with pytest.raises(FileNotFoundError, match=r'nope\.txt: split file not found'):
        build(root, ann_file='nope.txt')


def test_empty_or_missing_folder_and_bad_arguments(tmp_path):
    root = write_layout(tmp_path, [])
    with pytest.raises(ValueError, match=r'rgb: lists no sample'):
        build(root)
    with pytest.raises(FileNotFoundError, match=r'thermal: folder of modality "rgb" not found'):
        build(root, modality_dirs=dict(rgb='thermal', depth='depth'))
    with pytest.raises(ValueError, match='modality_dirs is empty'):
        build(root, modality_dirs={})
    with pytest.raises(TypeError, match='not img_suffix'):
        build(root, img_suffix='.jpg')


def test_presets_take_modality_dirs(tmp_path):
    mfnet = make_mfnet_demo(str(tmp_path / 'mfnet'), splits=dict(train=1), size=(8, 6))
    pst900 = make_pst900_demo(str(tmp_path / 'pst900'), splits=dict(train=1), size=(8, 6))
    ds = MFNetDataset(data_root=mfnet, modality_dirs=dict(thermal='images'))
    assert list(ds.get_data_info(0)['modality_paths']) == ['thermal']
    ds = PST900Dataset(data_root=pst900, modality_dirs=dict(thermal='thermal'))
    assert ds.get_data_info(0)['modality_paths']['thermal'].startswith(
        osp.join(pst900, 'train', 'thermal'))
    assert isinstance(ds, MultiModalSegDataset)
    with pytest.raises(TypeError, match='not both'):
        MFNetDataset(data_root=mfnet, modalities=dict(a='images'), modality_dirs=dict(a='images'))
