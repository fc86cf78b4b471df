"""MAVOCDataset on the procedural demo data: both layouts, labels, pairing and bad input."""
import csv
import os
import os.path as osp
import re
import shutil

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmpretrain.registry import DATASETS

from cmkd_mm.datasets import MAVOC_CLASSES, MAVOCDataset
from cmkd_mm.datasets import mavoc as mavoc_module
from cmkd_mm.demo import make_mavoc_demo
from cmkd_mm.models.data_preprocessors.multimodal_data_preprocessor import \
    MultiModalDataPreprocessor

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SPLITS = dict(train=3, valid=2, test=1)  # chips per class
OFFICIAL_2024 = dict(
    sedan=0,
    SUV=1,
    pickup_truck=2,
    van=3,
    box_truck=4,
    motorcycle=5,
    flatbed_truck=6,
    bus=7,
    pickup_truck_w_trailer=8,
    semi_w_trailer=9)


@pytest.fixture(scope='module')
def root21(tmp_path_factory):
    return make_mavoc_demo(str(tmp_path_factory.mktemp('mavoc21')), '2021', splits=SPLITS)


@pytest.fixture(scope='module')
def root24(tmp_path_factory):
    return make_mavoc_demo(str(tmp_path_factory.mktemp('mavoc24')), '2024', splits=SPLITS)


@pytest.fixture
def copy21(root21, tmp_path):
    return shutil.copytree(root21, str(tmp_path / 'mavoc21'))


@pytest.fixture
def copy24(root24, tmp_path):
    return shutil.copytree(root24, str(tmp_path / 'mavoc24'))


def _infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def _read_csv(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def _warnings(monkeypatch):
    logged = []
    monkeypatch.setattr(mavoc_module, 'print_log', lambda msg, **kw: logged.append(msg))
    return logged


# ------------------------------------------------------------------------------ layout 2021
def test_2021_train_pairs_and_labels(root21):
    ds = MAVOCDataset(data_root=root21)
    assert ds.metainfo['classes'] == MAVOC_CLASSES['2021']
    assert ds.metainfo['classes'][9] == 'flatbed truck w/ trailer'
    infos = _infos(ds)
    assert len(infos) == 30
    assert np.bincount([i['gt_label'] for i in infos]).tolist() == [3] * 10
    for info in infos:
        sar, eo = info['modality_paths']['sar'], info['modality_paths']['eo']
        assert info['img_path'] == sar
        assert osp.basename(sar) == f'SAR_{info["image_id"]}.png'
        assert osp.basename(eo) == f'EO_{info["image_id"]}.png'
        assert osp.dirname(sar) == osp.dirname(eo) == osp.join(root21, 'train_images',
                                                               str(info['gt_label']))
        assert isinstance(info['image_id'], str) and info['image_id'].isdigit()
        assert 'ood' not in info
    ids = [int(i['image_id']) for i in infos]
    assert ids == sorted(ids)


def test_2021_valid_and_test_unlabeled(root21):
    for split, n in (('valid', 20), ('test', 10)):
        infos = _infos(MAVOCDataset(data_root=root21, split=split))
        assert len(infos) == n
        assert all('gt_label' not in i for i in infos)
        assert all(
            osp.basename(osp.dirname(i['modality_paths']['eo'])) == f'{split}_eo' for i in infos)


def test_2021_valid_with_label_file(root21):
    rows = {
        r['image_id']: int(r['class_id'])
        for r in _read_csv(osp.join(root21, 'valid_labels.csv'))
    }
    ds = MAVOCDataset(data_root=root21, split='val', label_file='valid_labels.csv')
    assert {i['image_id']: i['gt_label'] for i in _infos(ds)} == rows
    assert ds.get_gt_labels().tolist() == [rows[i['image_id']] for i in _infos(ds)]


@pytest.mark.parametrize('listing', ['kd_train_EO.csv', 'kd_train_SAR.csv'])
def test_2021_original_csv_lists(root21, listing):
    dirs = dict(sar='kd_train_SAR', eo='kd_train_EO')
    ds = MAVOCDataset(data_root=root21, split=None, ann_file=listing, modality_dirs=dirs)
    train = {i['image_id']: i['gt_label'] for i in _infos(MAVOCDataset(data_root=root21))}
    infos = _infos(ds)
    assert {i['image_id']: i['gt_label'] for i in infos} == train
    for info in infos:
        assert info['modality_paths'] == dict(
            sar=osp.join(root21, 'kd_train_SAR', f'SAR_{info["image_id"]}.png'),
            eo=osp.join(root21, 'kd_train_EO', f'EO_{info["image_id"]}.png'))


def test_2021_single_modality_and_data_prefix(root21):
    infos = _infos(MAVOCDataset(data_root=root21, modalities=('eo', )))
    assert len(infos) == 30 and all(list(i['modality_paths']) == ['eo'] for i in infos)
    assert all(i['img_path'].endswith(f'EO_{i["image_id"]}.png') for i in infos)
    prefixed = MAVOCDataset(data_root=root21, split=None, data_prefix='train_images')
    assert _infos(prefixed) == _infos(MAVOCDataset(data_root=root21))
    assert 'Layout: \t2021' in repr(prefixed)


def test_bad_arguments(root21):
    with pytest.raises(ValueError, match='layout'):
        MAVOCDataset(data_root=root21, layout='2022')
    with pytest.raises(ValueError, match='split'):
        MAVOCDataset(data_root=root21, split='holdout')
    with pytest.raises(ValueError, match='on_missing'):
        MAVOCDataset(data_root=root21, on_missing='ignore')
    with pytest.raises(ValueError, match='modalities'):
        MAVOCDataset(data_root=root21, modalities=('rgb', ))


# ------------------------------------------------------------------------------ layout 2024
def test_2024_train_official_mapping(root24):
    ds = MAVOCDataset(data_root=root24, layout='2024')
    assert ds.metainfo['classes'] == MAVOC_CLASSES['2024']
    assert ds.metainfo['classes'][9] == 'semi truck w/ trailer'
    infos = _infos(ds)
    assert len(infos) == 30
    for info in infos:
        folder = osp.basename(osp.dirname(info['modality_paths']['sar']))
        assert info['gt_label'] == OFFICIAL_2024[folder]  # not alphabetical (SUV != 0)
        assert info['modality_paths']['eo'] == info['modality_paths']['sar'].replace(
            'SAR_Train', 'EO_Train')
        assert osp.basename(info['img_path']) == info['image_id'] + '.png'


def test_2024_val_reads_class_names_and_ood(root24):
    ds = MAVOCDataset(data_root=root24, layout='2024', split='val')
    rows = {r['image_id']: r for r in _read_csv(osp.join(root24, 'validation_reference.csv'))}
    infos = _infos(ds)
    assert len(infos) == len(rows) == 20 + 4  # 2 per class + 2 x 2 out-of-distribution
    assert all(list(i['modality_paths']) == ['sar'] for i in infos)
    assert sum(i['ood'] for i in infos) == 4
    for info in infos:
        row = rows[info['image_id']]
        assert info['ood'] == int(row['OOD_flag'])
        if info['ood']:
            assert info['gt_label'] == -1  # no known class
        else:
            assert info['gt_label'] == OFFICIAL_2024[row['class']]


def test_2024_val_without_reference_is_unlabeled(copy24):
    os.remove(osp.join(copy24, 'validation_reference.csv'))
    infos = _infos(MAVOCDataset(data_root=copy24, layout='2024', split='valid'))
    assert len(infos) == 24 and all('gt_label' not in i and 'ood' not in i for i in infos)


def test_2024_test_is_flat_sar_only(root24):
    ds = MAVOCDataset(data_root=root24, layout='2024', split='test')
    assert ds.modalities == ('sar', )
    infos = _infos(ds)
    assert len(infos) == 10 + 2
    for info in infos:
        assert 'gt_label' not in info
        assert osp.basename(info['img_path']) == f'Gotcha{info["image_id"]}.png'
    with pytest.raises(ValueError, match='no folder for modality'):
        MAVOCDataset(data_root=root24, layout='2024', split='test', modalities=('sar', 'eo'))


# ------------------------------------------------------------------------------ bad input
def _one(folder, pattern):
    return sorted(f for f in os.listdir(folder) if re.fullmatch(pattern, f))[0]


@pytest.mark.parametrize('drop', ['EO', 'SAR'])
def test_2021_unpaired_chip(copy21, drop, monkeypatch):
    folder = osp.join(copy21, 'train_images', '3')
    name = _one(folder, rf'{drop}_\d+\.png')
    partner = osp.join(folder, name.replace(drop, 'EO' if drop == 'SAR' else 'SAR', 1))
    os.remove(osp.join(folder, name))
    with pytest.raises(FileNotFoundError) as err:
        MAVOCDataset(data_root=copy21)
    assert partner in str(err.value) and 'on_missing="skip"' in str(err.value)
    logged = _warnings(monkeypatch)
    ds = MAVOCDataset(data_root=copy21, on_missing='skip')
    assert len(ds) == 29
    assert len(logged) == 1 and 'skipped 1 sample(s)' in logged[0] and partner in logged[0]


def test_2021_single_modality_ignores_missing_partner(copy21):
    folder = osp.join(copy21, 'train_images', '3')
    os.remove(osp.join(folder, _one(folder, r'SAR_\d+\.png')))
    assert len(MAVOCDataset(data_root=copy21, modalities=('eo', ))) == 30


def test_2024_unpaired_chip(copy24, monkeypatch):
    folder = osp.join(copy24, 'EO_Train', 'bus')
    name = _one(folder, r'\d+\.png')
    os.remove(osp.join(folder, name))
    sar = osp.join(copy24, 'SAR_Train', 'bus', name)
    with pytest.raises(FileNotFoundError, match=re.escape(sar)):
        MAVOCDataset(data_root=copy24, layout='2024')
    logged = _warnings(monkeypatch)
    assert len(MAVOCDataset(data_root=copy24, layout='2024', on_missing='skip')) == 29
    assert 'skipped 1 sample(s)' in logged[0]


@pytest.mark.parametrize('layout,folder', [('2021', 'train_images/10'), ('2024', 'SAR_Train/tank')])
def test_unknown_class_folder(copy21, copy24, layout, folder):
    root = copy21 if layout == '2021' else copy24
    os.makedirs(osp.join(root, folder))
    with pytest.raises(ValueError, match=re.escape(osp.join(root, folder))):
        MAVOCDataset(data_root=root, layout=layout)


def test_2024_class_folder_names_are_exact(copy24):
    os.rename(
        osp.join(copy24, 'SAR_Train', 'semi_w_trailer'),
        osp.join(copy24, 'SAR_Train', 'semi truck w trailer'))
    with pytest.raises(ValueError, match='is not one of the 2024 classes'):
        MAVOCDataset(data_root=copy24, layout='2024')


def test_pair_split_over_class_folders(copy21):
    src = osp.join(copy21, 'train_images', '2')
    name = _one(src, r'EO_\d+\.png')
    shutil.move(osp.join(src, name), osp.join(copy21, 'train_images', '4', name))
    with pytest.raises(ValueError, match='different class folders'):
        MAVOCDataset(data_root=copy21)


@pytest.mark.parametrize('line,message', [
    ('EO_1.png', 'unreadable line'),
    ('EO_1.png,3,extra', 'unreadable line'),
    (',3', 'unreadable line'),
    ('EO_1.png,12', "class '12'"),
    ('EO_1.png,lorry', "class 'lorry'"),
    ('DUPLICATE', 'already listed on line 2'),
])
def test_unreadable_csv_line(copy21, line, message):
    path = osp.join(copy21, 'kd_train_EO.csv')
    with open(path) as f:
        n = len(f.read().splitlines())
    if line == 'DUPLICATE':
        line = _read_csv(path)[0]
        line = f'{line["img_name"]},{line["class_id"]}'
    with open(path, 'a') as f:
        f.write(line + '\n')
    dirs = dict(sar='kd_train_SAR', eo='kd_train_EO')
    with pytest.raises(ValueError, match=re.escape(f'{path}:{n + 1}') + '.*' + message):
        MAVOCDataset(data_root=copy21, split=None, ann_file='kd_train_EO.csv', modality_dirs=dirs)


def test_csv_without_id_column(copy21):
    with open(osp.join(copy21, 'list.csv'), 'w') as f:
        f.write('file,label\nEO_1.png,3\n')
    with pytest.raises(ValueError, match='list.csv: header .* no img_name or image_id'):
        MAVOCDataset(
            data_root=copy21,
            split=None,
            ann_file='list.csv',
            modality_dirs=dict(sar='kd_train_SAR', eo='kd_train_EO'))


def test_csv_row_without_chip(copy21, monkeypatch):
    row = _read_csv(osp.join(copy21, 'kd_train_EO.csv'))[0]
    missing = osp.join(copy21, 'kd_train_SAR', row['img_name'].replace('EO_', 'SAR_'))
    os.remove(missing)
    kwargs = dict(
        data_root=copy21,
        split=None,
        ann_file='kd_train_EO.csv',
        modality_dirs=dict(sar='kd_train_SAR', eo='kd_train_EO'))
    with pytest.raises(FileNotFoundError, match=re.escape(missing)):
        MAVOCDataset(**kwargs)
    logged = _warnings(monkeypatch)
    assert len(MAVOCDataset(on_missing='skip', **kwargs)) == 29 and len(logged) == 1


def test_label_file_problems(copy21):
    path = osp.join(copy21, 'valid_labels.csv')
    rows = _read_csv(path)
    with open(path, 'w') as f:
        f.write('image_id,class_id\n' + ''.join(f'{r["image_id"]},{r["class_id"]}\n'
                                                for r in rows[1:]))
    with pytest.raises(ValueError, match=f'SAR_{rows[0]["image_id"]}.png: no line for image id'):
        MAVOCDataset(data_root=copy21, split='valid', label_file='valid_labels.csv')
    with pytest.raises(FileNotFoundError, match='nothere.csv: CSV file not found'):
        MAVOCDataset(data_root=copy21, split='valid', label_file='nothere.csv')
    with pytest.raises(ValueError, match='hold class folders'):
        MAVOCDataset(data_root=copy21, split='train', label_file='valid_labels.csv')


def test_empty_folder(tmp_path):
    os.makedirs(tmp_path / 'test_images' / 'test_sar')
    os.makedirs(tmp_path / 'test_images' / 'test_eo')
    with pytest.raises(ValueError, match='no MAVOC chips found'):
        MAVOCDataset(data_root=str(tmp_path), split='test')
    with pytest.raises(FileNotFoundError, match='valid_sar: folder of modality "sar" not found'):
        MAVOCDataset(data_root=str(tmp_path), split='valid')


def test_corrupt_png_named_at_load(copy21):
    ds = MAVOCDataset(
        data_root=copy21,
        split='test',
        test_mode=True,
        pipeline=[dict(type='LoadModalities', modalities=dict(sar={}, eo={}))])
    eo = ds.get_data_info(0)['modality_paths']['eo']
    with open(eo, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n truncated')
    with pytest.raises(ValueError, match=re.escape(eo) + ': not a readable image'):
        ds[0]


# ------------------------------------------------------------------------------ pipelines
def _build(config, split, data_root):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'datasets', config))
    dataset = cfg[f'{split}_dataloader'].dataset
    dataset.data_root = data_root
    return DATASETS.build(dataset), cfg


@pytest.mark.usefixtures('mmpretrain_scope')
def test_2021_config_pipeline(root21):
    ds, cfg = _build('mavoc2021.py', 'train', root21)
    assert cfg.train_dataloader.batch_size == 512 and cfg.train_dataloader.num_workers == 2
    assert cfg.val_evaluator == dict(type='MAVOCMetric')
    samples = [ds[i] for i in range(4)]
    for i, out in enumerate(samples):
        assert out['inputs']['sar'].shape == (1, 48, 48)
        assert out['inputs']['eo'].shape == (1, 30, 30)
        assert out['inputs']['sar'].dtype == torch.uint8
        sample = out['data_samples']
        assert int(sample.gt_label) == ds.get_data_info(i)['gt_label']
        assert sample.image_id == ds.get_data_info(i)['image_id']
        assert tuple(sample.img_shape) == (48, 48)  # the reference modality (sar)
    assert cfg.modality_stats == dict(sar='auto', eo='auto')  # measured before training
    pre = MultiModalDataPreprocessor(
        modalities=cfg.original_modality_stats,
        views=dict(student=['eo'], teacher=['sar']),
        base=dict(type='mmpretrain.ClsDataPreprocessor'))
    batch = pre(pseudo_collate(samples), training=True)
    assert batch['inputs']['student'].shape == (4, 1, 30, 30)
    assert batch['inputs']['teacher'].shape == (4, 1, 48, 48)
    assert abs(float(batch['inputs']['teacher'].mean())) < 2

    for split in ('val', 'test'):
        ds, _ = _build('mavoc2021.py', split, root21)
        out = ds[0]
        assert out['inputs']['sar'].shape == (1, 48, 48)
        assert out['inputs']['eo'].shape == (1, 30, 30)
        assert (out['data_samples'].get('gt_label') is not None) == (split == 'val')


@pytest.mark.usefixtures('mmpretrain_scope')
def test_2024_config_pipeline(root24):
    ds, cfg = _build('mavoc2024.py', 'train', root24)
    out = ds[0]
    assert out['inputs']['sar'].shape == (3, 224, 224)
    assert out['inputs']['eo'].shape == (3, 224, 224)
    assert torch.equal(out['inputs']['sar'][0], out['inputs']['sar'][2])
    assert int(out['data_samples'].gt_label) == ds.get_data_info(0)['gt_label']
    ds, _ = _build('mavoc2024.py', 'val', root24)
    out = ds[0]
    assert set(out['inputs']) == {'sar'} and out['inputs']['sar'].shape == (3, 224, 224)
    assert out['data_samples'].ood == ds.get_data_info(0)['ood']
    ds, _ = _build('mavoc2024.py', 'test', root24)
    out = ds[0]
    assert out['inputs']['sar'].shape == (3, 224, 224)
    assert out['data_samples'].get('gt_label') is None
    assert out['data_samples'].image_id == ds.get_data_info(0)['image_id']
