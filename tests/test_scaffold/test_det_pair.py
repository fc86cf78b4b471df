"""scaffold/det_pair: the splits and samples of Pascal VOC XML labels in split folders or with
split lists, and of COCO jsons beside split-less modality folders."""
import json
import os
import os.path as osp
import shutil

import pytest

from cmkd_mm.scaffold.det_pair import inspect_det
from cmkd_mm.scaffold.errors import ScaffoldError
from cmkd_mm.scaffold.pair_reader import PairOptions
from .test_new_pair import SPLITS, make_llvip

DIRS = dict(rgb='visible', ir='infrared')


def _flat(root):
    """LLVIP layout without split folders: every image directly in its modality folder."""
    for folder in DIRS.values():
        for split in SPLITS:
            for name in os.listdir(osp.join(root, folder, split)):
                os.rename(osp.join(root, folder, split, name), osp.join(root, folder, name))
            os.rmdir(osp.join(root, folder, split))
    return root


def test_xml_in_split_folders(tmp_path):
    root = make_llvip(tmp_path / 'data')
    for split, ids in SPLITS.items():
        os.makedirs(osp.join(root, 'Annotations', split))
        for i in ids:
            os.rename(
                osp.join(root, 'Annotations', i + '.xml'),
                osp.join(root, 'Annotations', split, i + '.xml'))
    data = inspect_det(PairOptions(root, 'det', ['rgb', 'ir'], ['ir'], dirs=DIRS))
    assert data.dataset_type == 'MultiModalVOCDataset'
    assert data.datasets['train'] == dict(
        modality_dirs=dict(rgb='visible/train', ir='infrared/train'),
        ann_dir='Annotations/train',
        suffix='.jpg')
    assert data.splits == dict(train='train', val='test', test='test')
    assert data.samples == dict(train=3, test=2)
    assert 'labels: Pascal VOC XML in 2 split folder(s) of Annotations/' in data.found[-1]


def test_split_lists_and_their_xml_files(tmp_path):
    root = _flat(make_llvip(tmp_path / 'data'))
    os.makedirs(osp.join(root, 'ImageSets', 'Main'))
    for split, ids in SPLITS.items():
        with open(osp.join(root, 'ImageSets', 'Main', split + '.txt'), 'w') as f:
            f.write('\n'.join(ids) + '\n')
    opts = PairOptions(root, 'det', ['rgb', 'ir'], ['ir'], dirs=DIRS)
    data = inspect_det(opts)
    assert data.datasets['test'] == dict(
        modality_dirs=DIRS,
        ann_dir='Annotations',
        ann_file='ImageSets/Main/test.txt',
        suffix='.jpg')
    assert data.samples == dict(train=3, test=2)
    # A listed sample without its XML file: the folder, the sample and the file named.
    os.remove(osp.join(root, 'Annotations', '190002.xml'))
    with pytest.raises(
            ScaffoldError,
            match=r'Annotations: 1 sample\(s\) of the test split have no XML file; first: '
            r'190002 \(no .*Annotations/190002.xml\)'):
        inspect_det(opts)


def test_coco_json_beside_split_less_folders(tmp_path):
    root = _flat(make_llvip(tmp_path / 'data'))
    shutil.rmtree(osp.join(root, 'Annotations'))
    os.makedirs(osp.join(root, 'annotations'))
    for split, ids in SPLITS.items():
        images = [dict(id=k, file_name=i + '.jpg', width=64, height=48) for k, i in enumerate(ids)]
        with open(osp.join(root, 'annotations', f'{split}.json'), 'w') as f:
            json.dump(dict(images=images, annotations=[], categories=[dict(id=1, name='p')]), f)
    data = inspect_det(PairOptions(root, 'det', ['rgb', 'ir'], ['ir'], dirs=DIRS))
    assert data.dataset_type == 'MultiModalCocoDataset'
    assert data.classes == ['p']
    assert data.datasets['train'] == dict(
        ann_file='annotations/train.json', modality_dirs=DIRS, suffix='.jpg')
    assert data.evaluator_files == dict(
        train='annotations/train.json', test='annotations/test.json')
    assert data.samples == dict(train=3, test=2)
