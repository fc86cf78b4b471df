"""An empty split or annotation file is refused with its name, before any sampler sees it."""
import json

import pytest

from cmkd_mm.datasets import MAVOCDataset, MFNetDataset, PST900Dataset, STFDataset
from cmkd_mm.datasets.stf_format import read_split

pytestmark = pytest.mark.usefixtures('single_thread')


def test_empty_mfnet_split_file(mfnet_demo_root, tmp_path):
    (tmp_path / 'empty.txt').write_text('\n \n')
    with pytest.raises(ValueError, match=r'empty.txt: lists no sample'):
        MFNetDataset(data_root=mfnet_demo_root, ann_file=str(tmp_path / 'empty.txt'), pipeline=[])


def test_empty_pst900_split_file_and_folder(pst900_demo_root, tmp_path):
    (tmp_path / 'empty.txt').write_text('')
    with pytest.raises(ValueError, match=r'empty.txt: lists no sample'):
        PST900Dataset(data_root=pst900_demo_root, ann_file=str(tmp_path / 'empty.txt'), pipeline=[])
    (tmp_path / 'train' / 'rgb').mkdir(parents=True)
    with pytest.raises(ValueError, match=r'train/rgb: lists no sample'):
        PST900Dataset(data_root=str(tmp_path), ann_file='', pipeline=[])


def test_empty_stf_split_and_coco_files(tmp_path):
    (tmp_path / 'split.txt').write_text('\n')
    with pytest.raises(ValueError, match=r'split.txt: lists no sample'):
        read_split(str(tmp_path / 'split.txt'))
    coco = dict(images=[], annotations=[], categories=[dict(id=1, name='pedestrian')])
    (tmp_path / 'empty.json').write_text(json.dumps(coco))
    with pytest.raises(ValueError, match=r'empty.json: lists no sample'):
        STFDataset(
            data_root=str(tmp_path),
            ann_file=str(tmp_path / 'empty.json'),
            pipeline=[],
            metainfo=dict(classes=('pedestrian', )))


def test_empty_mavoc_csv(mavoc_demo_root, tmp_path):
    (tmp_path / 'list.csv').write_text('img_name,class_id\n')
    with pytest.raises(ValueError, match=r'list.csv: lists no sample'):
        MAVOCDataset(data_root=mavoc_demo_root, ann_file=str(tmp_path / 'list.csv'), pipeline=[])
