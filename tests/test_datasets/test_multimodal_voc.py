import os
import os.path as osp
import xml.etree.ElementTree as ET

import cv2
import numpy as np
import pytest
import torch
from mmdet.evaluation import VOCMetric
from mmdet.registry import DATASETS
from mmengine.registry import DefaultScope

import cmkd_mm.datasets.multimodal_voc as multimodal_voc
from cmkd_mm.datasets import MultiModalVOCDataset

W, H = 40, 30
LLVIP_DIRS = dict(rgb='visible/train', ir='infrared/train')
# sample -> objects (name, xmin, ymin, xmax, ymax, difficult)
TRAIN = {
    '010001': [('person', 5, 6, 20, 25, 0), ('person', 22, 2, 30, 12, 1)],
    '010002': [('person', 30, 20, 55, 45, 0)],  # reaches outside the 40x30 image
    '010003': [],  # no object: an empty image
}
TEST = {'190001': [('person', 1, 1, 10, 10, 0)]}


def _image(path, channels=3):
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, np.full((H, W, channels) if channels > 1 else (H, W), 100, np.uint8))


def _xml(path, objects, size=True):
    os.makedirs(osp.dirname(path), exist_ok=True)
    lines = ['<annotation>', f'<filename>{osp.basename(path)[:-4]}.jpg</filename>']
    if size:
        lines.append(f'<size><width>{W}</width><height>{H}</height><depth>3</depth></size>')
    for name, x1, y1, x2, y2, difficult in objects:
        lines.append(f'<object><name>{name}</name><difficult>{difficult}</difficult><bndbox>'
                     f'<xmin>{x1}</xmin><ymin>{y1}</ymin><xmax>{x2}</xmax><ymax>{y2}</ymax>'
                     '</bndbox></object>')
    with open(path, 'w') as f:
        f.write('\n'.join(lines + ['</annotation>']))


@pytest.fixture
def llvip(tmp_path):
    """The LLVIP layout: one annotation folder for both splits, images per split."""
    root = str(tmp_path)
    for split, samples in (('train', TRAIN), ('test', TEST)):
        for sample, objects in samples.items():
            _image(osp.join(root, 'visible', split, sample + '.jpg'))
            _image(osp.join(root, 'infrared', split, sample + '.jpg'))
            _xml(osp.join(root, 'Annotations', sample + '.xml'), objects)
    return root


def _dataset(root, **kwargs):
    kwargs.setdefault('modality_dirs', LLVIP_DIRS)
    kwargs.setdefault('metainfo', dict(classes=('person', )))
    return MultiModalVOCDataset(data_root=root, pipeline=[], **kwargs)


def _expected(root, ids, classes, dirs=LLVIP_DIRS, suffix='.jpg', ann_dir='Annotations'):
    """The samples as ElementTree reads the XML files, with mmdet's VOC rules."""
    samples = []
    for sample in ids:
        xml = ET.parse(osp.join(root, ann_dir, sample + '.xml')).getroot()
        instances = []
        for obj in xml.iter('object'):
            box = obj.find('bndbox')
            instances.append(
                dict(
                    bbox=[int(box.find(k).text) - 1 for k in ('xmin', 'ymin', 'xmax', 'ymax')],
                    bbox_label=classes.index(obj.find('name').text),
                    ignore_flag=int(obj.find('difficult').text)))
        samples.append(
            dict(
                sample=sample,
                modality_paths={
                    m: osp.join(root, d, sample + suffix)
                    for m, d in dirs.items()
                },
                size=(int(xml.find('size/width').text), int(xml.find('size/height').text)),
                instances=instances))
    return samples


def _read(ds):
    out = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        assert info['img_path'] == next(iter(info['modality_paths'].values()))
        assert info['img_id'] == info['sample']
        out.append(
            dict(
                sample=info['sample'],
                modality_paths=info['modality_paths'],
                size=(info['width'], info['height']),
                instances=info['instances']))
    return out


def test_llvip_split_from_its_image_folder(llvip):
    ds = _dataset(llvip, samples_from='rgb')
    assert _read(ds) == _expected(llvip, sorted(TRAIN), ['person'])
    # difficult -> ignored; the box reaching outside the image is kept as written (minus one)
    assert [x['ignore_flag'] for x in ds.get_data_info(0)['instances']] == [0, 1]
    assert ds.get_data_info(1)['instances'][0]['bbox'] == [29, 19, 54, 44]
    assert ds.get_data_info(2)['instances'] == []  # XML without objects: a valid empty image
    assert len(_dataset(llvip, samples_from='rgb', filter_cfg=dict(filter_empty_gt=True))) == 2


def test_every_xml_of_the_annotation_folder(tmp_path):
    """M3FD as released: Vis/, Ir/, Annotation/, PNG files, six classes."""
    root = str(tmp_path)
    classes = ('People', 'Car', 'Bus', 'Motorcycle', 'Lamp', 'Truck')
    objects = {
        '00000': [('Car', 1, 1, 9, 9, 0), ('Lamp', 3, 3, 5, 8, 0)],
        '00001': [('People', 2, 2, 6, 12, 0)],
        '00002': [('Truck', 10, 5, 39, 29, 0)],
    }
    for sample, objs in objects.items():
        _image(osp.join(root, 'Vis', sample + '.png'))
        _image(osp.join(root, 'Ir', sample + '.png'), channels=1)
        _xml(osp.join(root, 'Annotation', sample + '.xml'), objs)
    dirs = dict(rgb='Vis', ir='Ir')
    ds = _dataset(
        root,
        modality_dirs=dirs,
        suffix='.png',
        ann_dir='Annotation',
        metainfo=dict(classes=classes))
    ids = sorted(n[:-4] for n in os.listdir(osp.join(root, 'Annotation')))
    assert _read(ds) == _expected(root, ids, list(classes), dirs, '.png', 'Annotation')


def test_split_list_in_its_order(llvip):
    split = osp.join(llvip, 'train.txt')
    with open(split, 'w') as f:
        f.write('010003\n010001.xml\n\n')
    ds = _dataset(llvip, ann_file='train.txt')
    assert _read(ds) == _expected(llvip, ['010003', '010001'], ['person'])
    with open(split, 'a') as f:
        f.write('010009\n')
    with pytest.raises(FileNotFoundError) as error:
        _dataset(llvip, ann_file='train.txt')
    assert split in str(error.value)
    assert osp.join(llvip, 'Annotations', '010009.xml') in str(error.value)


def test_every_xml_needs_every_partner(llvip):
    # Annotations/ also holds the test split, whose images are not in visible/train.
    with pytest.raises(FileNotFoundError) as error:
        _dataset(llvip)
    assert osp.join(llvip, 'visible/train/190001.jpg') in str(error.value)


def test_missing_partner_names_both_paths(llvip):
    os.remove(osp.join(llvip, 'infrared/train/010002.jpg'))
    with pytest.raises(FileNotFoundError) as error:
        _dataset(llvip, samples_from='rgb')
    message = str(error.value)
    assert osp.join(llvip, 'infrared/train/010002.jpg') in message
    assert osp.join(llvip, 'visible/train/010002.jpg') in message


def test_unknown_class_is_named_or_skipped(llvip, monkeypatch):
    _xml(
        osp.join(llvip, 'Annotations', '010002.xml'), [('person', 1, 1, 5, 5, 0),
                                                       ('dog', 2, 2, 9, 9, 0)])
    xml = osp.join(llvip, 'Annotations', '010002.xml')
    with pytest.raises(ValueError, match=f"{xml}: object 1 has class 'dog'"):
        _dataset(llvip, samples_from='rgb')
    logged = []
    monkeypatch.setattr(multimodal_voc, 'print_log', lambda msg, **kw: logged.append(msg))
    ds = _dataset(llvip, samples_from='rgb', ignore_unknown=True)
    assert len(ds.get_data_info(1)['instances']) == 1
    assert len(logged) == 1 and "skipped 1 object(s)" in logged[0] and "'dog': 1" in logged[0]


def test_missing_classes_lists_the_xml_classes(llvip):
    with pytest.raises(ValueError, match=r"metainfo=dict\(classes=\('person',\)\)"):
        _dataset(llvip, samples_from='rgb', metainfo=None)


def test_size_from_the_image_when_the_xml_has_none(llvip):
    _xml(osp.join(llvip, 'Annotations', '010001.xml'), TRAIN['010001'], size=False)
    info = _dataset(llvip, samples_from='rgb').get_data_info(0)
    assert (info['width'], info['height']) == (W, H)


def test_registered_pipeline_clips_and_voc_metric(llvip):
    pipeline = [
        dict(type='LoadModalities', modalities=dict(rgb=dict(num_channels=3), ir=dict())),
        dict(type='mmdet.LoadAnnotations', with_bbox=True),
        dict(type='MultiModalResize', scale=(W, H)),
        dict(type='PackMultiModalInputs', packer=dict(type='mmdet.PackDetInputs')),
    ]
    with DefaultScope.overwrite_default_scope('mmdet'):
        ds = DATASETS.build(
            dict(
                type='MultiModalVOCDataset',
                data_root=llvip,
                modality_dirs=LLVIP_DIRS,
                suffix='.jpg',
                samples_from='rgb',
                metainfo=dict(classes=('person', )),
                pipeline=pipeline))
        packed = [ds[i] for i in range(len(ds))]
    # The box reaching outside the image is clipped to it by the resize, as in mmdet.
    assert packed[1]['data_samples'].gt_instances.bboxes.tensor.tolist() == [[29, 19, W, H]]
    metric = VOCMetric()
    metric.dataset_meta = ds.metainfo
    samples = []
    for item in packed:
        sample = item['data_samples'].to_dict()
        gt = item['data_samples'].gt_instances
        sample['pred_instances'] = dict(
            bboxes=gt.bboxes.tensor, labels=gt.labels, scores=torch.ones(len(gt.labels)))
        samples.append(sample)
    metric.process({}, samples)
    assert metric.evaluate(len(samples))['pascal_voc/mAP'] == pytest.approx(1.0)


def test_broken_xml_and_box_are_named(llvip):
    xml = osp.join(llvip, 'Annotations', '010003.xml')
    with open(xml, 'w') as f:
        f.write('<annotation><object>')
    with pytest.raises(ValueError, match=f'{xml}: not a valid XML file'):
        _dataset(llvip, samples_from='rgb')
    with open(xml, 'w') as f:
        f.write('<annotation><object><name>person</name><bndbox><xmin>1</xmin></bndbox>'
                '</object></annotation>')
    with pytest.raises(ValueError, match=f"{xml}: object 0 \\('person'\\) needs a <bndbox>"):
        _dataset(llvip, samples_from='rgb')
