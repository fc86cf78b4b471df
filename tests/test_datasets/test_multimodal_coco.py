import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmdet.registry import DATASETS
from mmengine.registry import DefaultScope

from cmkd_mm.datasets import MultiModalCocoDataset

W, H = 32, 24
DIRS = dict(rgb='visible/train', ir='infrared/train')


def _write(path, channels=3):
    os.makedirs(osp.dirname(path), exist_ok=True)
    shape = (H, W, channels) if channels > 1 else (H, W)
    cv2.imwrite(path, np.full(shape, 128, np.uint8))


def _coco():
    """LLVIP-like: file names with and without the modality folder, one entry with ``sample``."""
    images = [
        dict(id=1, file_name='visible/train/010001.jpg', width=W, height=H),
        dict(id=2, file_name='010002.jpg', width=W, height=H),
        dict(id=3, file_name='renamed.jpg', sample='010003', width=W, height=H),
    ]
    annotations = [
        dict(id=1, image_id=1, category_id=1, bbox=[2, 3, 10, 8], area=80, iscrowd=0),
        dict(id=2, image_id=1, category_id=2, bbox=[1, 1, 5, 5], area=25, iscrowd=1),
        dict(id=3, image_id=2, category_id=2, bbox=[20, 10, 30, 20], area=300, iscrowd=0),
        dict(id=4, image_id=2, category_id=1, bbox=[40, 30, 5, 5], area=25, iscrowd=0),  # outside
        dict(id=5, image_id=3, category_id=1, bbox=[0, 0, 4, 4], area=16, iscrowd=0),
    ]
    categories = [dict(id=1, name='person'), dict(id=2, name='car')]
    return dict(images=images, annotations=annotations, categories=categories)


@pytest.fixture
def llvip(tmp_path):
    root = str(tmp_path)
    for sample in ('010001', '010002', '010003'):
        _write(osp.join(root, 'visible/train', sample + '.jpg'))
        _write(osp.join(root, 'infrared/train', sample + '.jpg'))
    os.makedirs(osp.join(root, 'annotations'))
    with open(osp.join(root, 'annotations/train.json'), 'w') as f:
        json.dump(_coco(), f)
    return root


def _dataset(root, ann='annotations/train.json', **kwargs):
    kwargs.setdefault('modality_dirs', DIRS)
    return MultiModalCocoDataset(data_root=root, ann_file=ann, pipeline=[], **kwargs)


def _expected(root, ann, classes, dirs=DIRS, suffix=None):
    """The samples as read straight from the json, with the documented rules."""
    with open(osp.join(root, ann)) as f:
        coco = json.load(f)
    cat_name = {c['id']: c['name'] for c in coco['categories']}
    samples = []
    for img in coco['images']:
        sample = img.get('sample') or osp.splitext(osp.basename(img['file_name']))[0]
        ext = suffix if suffix is not None else osp.splitext(img['file_name'])[1]
        boxes = []
        for ann_ in coco['annotations']:
            x, y, w, h = ann_['bbox']
            name = cat_name[ann_['category_id']]
            inside = min(x + w, img['width']) > max(x, 0) and min(y + h, img['height']) > max(y, 0)
            if ann_['image_id'] != img['id'] or name not in classes or not inside:
                continue
            boxes.append((classes.index(name), [x, y, x + w, y + h], int(ann_['iscrowd'])))
        samples.append(
            dict(
                sample=sample,
                modality_paths={
                    m: osp.join(root, d, sample + ext)
                    for m, d in dirs.items()
                },
                boxes=boxes))
    return samples


def _read(ds):
    out = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        assert info['img_path'] == next(iter(info['modality_paths'].values()))
        boxes = [(x['bbox_label'], x['bbox'], x['ignore_flag']) for x in info['instances']]
        out.append(dict(sample=info['sample'], modality_paths=info['modality_paths'], boxes=boxes))
    return out


def test_samples_match_the_json(llvip):
    ds = _dataset(llvip)
    assert ds.metainfo['classes'] == ('person', 'car')  # the json's categories, in its order
    assert _read(ds) == _expected(llvip, 'annotations/train.json', ['person', 'car'])
    assert [d['sample'] for d in _read(ds)] == ['010001', '010002', '010003']
    assert ds.get_data_info(1)['modality_paths'] == {
        'rgb': osp.join(llvip, 'visible/train/010002.jpg'),
        'ir': osp.join(llvip, 'infrared/train/010002.jpg')
    }


def test_metainfo_classes_select_categories(llvip):
    ds = _dataset(llvip, metainfo=dict(classes=('car', )))
    assert ds.metainfo['classes'] == ('car', )
    assert _read(ds) == _expected(llvip, 'annotations/train.json', ['car'])


def test_class_not_in_json_or_out_of_order(llvip):
    with pytest.raises(
            ValueError,
            match=r"train.json: metainfo classes \['bus'\] are not "
            r"categories.*\('person', 'car'\)"):
        _dataset(llvip, metainfo=dict(classes=('person', 'bus')))
    with pytest.raises(ValueError, match=r"category order.*classes=\('person', 'car'\)"):
        _dataset(llvip, metainfo=dict(classes=('car', 'person')))


def test_pattern_per_modality(llvip):
    for sample in ('010001', '010002', '010003'):
        _write(osp.join(llvip, 'thermal', f'T_{sample}.png'), channels=1)
    dirs = dict(rgb='visible/train', ir='thermal')
    ds = _dataset(llvip, modality_dirs=dirs, suffix='.jpg', pattern=dict(ir='T_{}.png'))
    paths = [ds.get_data_info(i)['modality_paths'] for i in range(len(ds))]
    assert paths[2] == {
        'rgb': osp.join(llvip, 'visible/train/010003.jpg'),
        'ir': osp.join(llvip, 'thermal/T_010003.png')
    }


def test_missing_partner_names_both_paths(llvip):
    os.remove(osp.join(llvip, 'infrared/train/010002.jpg'))
    missing = osp.join(llvip, 'infrared/train/010002.jpg')
    partner = osp.join(llvip, 'visible/train/010002.jpg')
    with pytest.raises(FileNotFoundError) as error:
        _dataset(llvip)
    assert 'train.json' in str(error.value)
    assert missing in str(error.value) and partner in str(error.value)
    assert len(_dataset(llvip, check_files=False)) == 3


def test_two_entries_of_one_sample(llvip):
    coco = _coco()
    coco['images'][1]['file_name'] = 'day/010001.jpg'
    with open(osp.join(llvip, 'annotations/dup.json'), 'w') as f:
        json.dump(coco, f)
    with pytest.raises(
            ValueError,
            match=r"dup.json: image entries 'visible/train/010001.jpg' "
            r"and 'day/010001.jpg' are both sample \"010001\""):
        _dataset(llvip, ann='annotations/dup.json')


def test_empty_json_and_no_categories(llvip):
    with open(osp.join(llvip, 'annotations/empty.json'), 'w') as f:
        json.dump(dict(images=[], annotations=[], categories=[dict(id=1, name='person')]), f)
    with pytest.raises(ValueError, match=r'empty.json: lists no sample'):
        _dataset(llvip, ann='annotations/empty.json')
    with open(osp.join(llvip, 'annotations/nocat.json'), 'w') as f:
        json.dump(dict(_coco(), categories=[]), f)
    with pytest.raises(ValueError, match=r'nocat.json: the json has no categories'):
        _dataset(llvip, ann='annotations/nocat.json')


def test_registered_and_through_the_pipeline(llvip):
    pipeline = [
        dict(type='LoadModalities', modalities=dict(rgb=dict(num_channels=3), ir=dict())),
        dict(type='mmdet.LoadAnnotations', with_bbox=True),
        dict(type='PackMultiModalInputs', packer=dict(type='mmdet.PackDetInputs')),
    ]
    with DefaultScope.overwrite_default_scope('mmdet'):
        ds = DATASETS.build(
            dict(
                type='MultiModalCocoDataset',
                data_root=llvip,
                ann_file='annotations/train.json',
                modality_dirs=DIRS,
                suffix='.jpg',
                pipeline=pipeline))
        packed = ds[0]
    assert packed['inputs']['rgb'].shape == (3, H, W)
    gt = packed['data_samples'].gt_instances
    assert gt.bboxes.tensor.tolist() == [[2, 3, 12, 11]] and gt.labels.tolist() == [0]
    assert packed['data_samples'].ignored_instances.bboxes.tensor.tolist() == [[1, 1, 6, 6]]
