"""PairedImageFolder against an os.walk reading of the same folders, and its bad-input errors."""
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
from mmpretrain.registry import DATASETS

from cmkd_mm.datasets import PairedImageFolder
from cmkd_mm.datasets import paired_image_folder as module

CLASSES = ('boat', 'plane', 'truck')
IDS = {'boat': ['0001', '0004'], 'plane': ['0002', '0010', '0011'], 'truck': ['0003']}


def _write(path, value=0, shape=(4, 5)):
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, np.full(shape, value, np.uint8))


@pytest.fixture
def trees(tmp_path):
    """Layout 1: ``sar/<class>/<id>.png`` + ``eo/<class>/<id>.png`` (EO chips smaller)."""
    root = str(tmp_path / 'trees')
    for cls, ids in IDS.items():
        for i in ids:
            _write(osp.join(root, 'sar', cls, f'{i}.png'), 10)
            _write(osp.join(root, 'eo', cls, f'{i}.png'), 20, (3, 3))
    open(osp.join(root, 'sar', 'boat', 'notes.txt'), 'w').close()  # not a chip
    return root


@pytest.fixture
def one_tree(tmp_path):
    """Layout 2: ``<class>/SAR_<id>.png`` + ``<class>/EO_<id>.png``."""
    root = str(tmp_path / 'one_tree')
    for cls, ids in IDS.items():
        for i in ids:
            _write(osp.join(root, cls, f'SAR_{i}.png'), 10)
            _write(osp.join(root, cls, f'EO_{i}.png'), 20)
    return root


def _walk(root, dirs, rules, classes=None):
    """The samples of a class tree read with os.walk: class folders in name order, then the
    first modality's file names in order; each partner file comes from its name rule."""
    first = next(iter(dirs))
    top = osp.join(root, dirs[first])
    folders = sorted(next(os.walk(top))[1])
    classes = classes or folders
    samples = []
    for folder in folders:
        for name in sorted(next(os.walk(osp.join(top, folder)))[2]):
            match = re.fullmatch(rules[first].replace('{}', '(.+)'), name)
            if match is None:
                continue
            paths = {
                m: osp.join(root, d, folder, rules[m].replace('{}', match.group(1)))
                for m, d in dirs.items()
            }
            samples.append(
                dict(
                    img_path=paths[first],
                    modality_paths=paths,
                    image_id=match.group(1),
                    gt_label=classes.index(folder)))
    return samples


def _build(**kwargs):
    # serialize_data=False: mmengine's serialisation runs gc.collect(), slow in a test process
    return PairedImageFolder(serialize_data=False, **kwargs)


def _infos(ds):
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    return [{k: v for k, v in info.items() if k != 'sample_idx'} for info in infos]


SAME_NAME = dict(sar='{}.png', eo='{}.png')
PATTERN = dict(sar='SAR_{}.png', eo='EO_{}.png')


# ------------------------------------------------------------------------------ layouts
def test_modality_trees_match_walk(trees):
    ds = _build(data_root=trees, modality_dirs=dict(sar='sar', eo='eo'))
    assert ds.metainfo['classes'] == CLASSES  # sorted folder names
    assert _infos(ds) == _walk(trees, dict(sar='sar', eo='eo'), SAME_NAME)
    assert len(ds) == 6 and ds.get_gt_labels().tolist() == [0, 0, 1, 1, 1, 2]


def test_metainfo_fixes_class_order(trees):
    order = ('truck', 'boat', 'plane')
    ds = _build(
        data_root=trees, modality_dirs=dict(eo='eo', sar='sar'), metainfo=dict(classes=order))
    assert ds.metainfo['classes'] == order
    assert _infos(ds) == _walk(trees, dict(eo='eo', sar='sar'), SAME_NAME, list(order))
    # a configured class without a folder is allowed: it simply has no sample
    more = order + ('tank', )
    ds = _build(
        data_root=trees, modality_dirs=dict(sar='sar', eo='eo'), metainfo=dict(classes=more))
    assert len(ds) == 6 and 3 not in ds.get_gt_labels()


def test_one_tree_with_name_patterns_matches_walk(one_tree):
    # by its registered name, in mmpretrain's scope whatever scope an earlier test left current
    ds = DATASETS.build(
        dict(
            type='mmpretrain.PairedImageFolder',
            data_root=one_tree,
            modality_dirs=dict(sar='', eo=''),
            pattern=dict(sar='SAR_{}.png', eo='EO_{}.png')))
    assert ds.metainfo['classes'] == CLASSES
    assert _infos(ds) == _walk(one_tree, dict(sar='', eo=''), PATTERN)
    assert all(i['image_id'] in IDS[CLASSES[i['gt_label']]] for i in _infos(ds))


def test_class_folders_with_other_names(tmp_path):
    root = str(tmp_path)
    for label, cls in enumerate(CLASSES):
        for m in ('sar', 'eo'):
            _write(osp.join(root, m, str(label), f'{label}7.png'))
    ds = _build(
        data_root=root,
        modality_dirs=dict(sar='sar', eo='eo'),
        class_folders=('0', '1', '2'),
        metainfo=dict(classes=CLASSES))
    assert ds.metainfo['classes'] == CLASSES
    assert [(i['image_id'], i['gt_label']) for i in _infos(ds)] == [('07', 0), ('17', 1), ('27', 2)]
    with pytest.raises(ValueError, match='class_folders names 2 folders'):
        _build(
            data_root=root,
            modality_dirs=dict(sar='sar', eo='eo'),
            class_folders=('0', '1'),
            metainfo=dict(classes=CLASSES))


def test_flat_folder_is_unlabeled_and_loads(tmp_path):
    root = str(tmp_path)
    for i in ('b', 'a', 'c'):
        _write(osp.join(root, 'chips', f'SAR_{i}.png'), 10, (6, 6))
        _write(osp.join(root, 'chips', f'EO_{i}.tif'), 20, (3, 3))
    ds = _build(
        data_root=root,
        modality_dirs=dict(sar='chips', eo='chips'),
        pattern=dict(sar='SAR_{}.png', eo='EO_{}.tif'),
        metainfo=dict(classes=CLASSES),
        pipeline=[dict(type='LoadModalities', modalities=dict(sar={}, eo={}))])
    infos = _infos(ds)
    assert [i['image_id'] for i in infos] == ['a', 'b', 'c']
    assert all('gt_label' not in i for i in infos)
    assert infos[0]['modality_paths'] == dict(
        sar=osp.join(root, 'chips', 'SAR_a.png'), eo=osp.join(root, 'chips', 'EO_a.tif'))
    out = ds[0]
    assert out['sar'].shape[:2] == (6, 6) and out['eo'].shape[:2] == (3, 3)


def test_ann_file_list(trees, monkeypatch):
    lines = ['truck/0003.png 2', 'boat/0001.png 0', '', 'plane/0010.png 1']
    with open(osp.join(trees, 'train.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    kwargs = dict(data_root=trees, modality_dirs=dict(sar='sar', eo='eo'))
    infos = _infos(_build(ann_file='train.txt', metainfo=dict(classes=CLASSES), **kwargs))
    assert [(i['image_id'], i['gt_label']) for i in infos] == [('0003', 2), ('0001', 0),
                                                               ('0010', 1)]
    assert infos[0]['modality_paths'] == dict(
        sar=osp.join(trees, 'sar', 'truck', '0003.png'),
        eo=osp.join(trees, 'eo', 'truck', '0003.png'))
    with open(osp.join(trees, 'test.txt'), 'w') as f:
        f.write('boat/0004.png\nplane/0002.png\n')
    infos = _infos(_build(ann_file='test.txt', **kwargs))
    assert [i['image_id'] for i in infos] == ['0004', '0002']
    assert all('gt_label' not in i for i in infos)
    # bad lines name the file and line
    for text, message in (('boat/0001.png 0\nboat/0004.png\n', 'test.txt:2: .* lacks a label'),
                          ('boat/0001.png 7\n', 'test.txt:1: label 7 is not a class index'),
                          ('boat/0001.png 0\nboat/0001.png 0\n', 'test.txt:2: .* already listed'),
                          ('boat/0001.jpg 0\n', 'test.txt:1: .* does not follow'), ('\n', 'empty')):
        with open(osp.join(trees, 'test.txt'), 'w') as f:
            f.write(text)
        with pytest.raises(ValueError, match=message):
            _build(ann_file='test.txt', metainfo=dict(classes=CLASSES), **kwargs)
    # a listed sample without its partner: both paths named, or skipped with a warning
    os.remove(osp.join(trees, 'eo', 'boat', '0001.png'))
    with pytest.raises(FileNotFoundError) as err:
        _build(ann_file='train.txt', **kwargs)
    assert osp.join(trees, 'eo', 'boat', '0001.png') in str(err.value)
    assert osp.join(trees, 'sar', 'boat', '0001.png') in str(err.value)
    logged = []
    monkeypatch.setattr(module, 'print_log', lambda msg, **kw: logged.append(msg))
    assert len(_build(ann_file='train.txt', on_missing='skip', **kwargs)) == 2
    assert len(logged) == 1 and 'skipped 1 sample(s)' in logged[0]


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize('layout', ['trees', 'one_tree'])
def test_file_without_partner_names_both_paths(layout, trees, one_tree, monkeypatch):
    if layout == 'trees':
        root, kwargs = trees, dict(modality_dirs=dict(sar='sar', eo='eo'))
        sar, eo = (osp.join(trees, m, 'plane', '0010.png') for m in ('sar', 'eo'))
    else:
        root, kwargs = one_tree, dict(
            modality_dirs=dict(sar='', eo=''), pattern=dict(sar='SAR_{}.png', eo='EO_{}.png'))
        sar, eo = (osp.join(one_tree, 'plane', f'{m}_0010.png') for m in ('SAR', 'EO'))
    os.remove(eo)
    with pytest.raises(FileNotFoundError) as err:
        _build(data_root=root, **kwargs)
    assert eo in str(err.value) and sar in str(err.value)
    assert 'on_missing="skip"' in str(err.value)
    logged = []
    monkeypatch.setattr(module, 'print_log', lambda msg, **kw: logged.append(msg))
    ds = _build(data_root=root, on_missing='skip', **kwargs)
    assert len(ds) == 5 and eo not in [i['modality_paths']['eo'] for i in _infos(ds)]
    assert len(logged) == 1 and 'skipped 1 sample(s)' in logged[0] and eo in logged[0]


def test_class_folders_differ_between_modalities(trees):
    os.makedirs(osp.join(trees, 'eo', 'tank'))
    with pytest.raises(ValueError) as err:
        _build(data_root=trees, modality_dirs=dict(sar='sar', eo='eo'))
    assert str(err.value).startswith(osp.join(trees, 'eo', 'tank') + ': class folder')
    assert osp.join(trees, 'sar', 'tank') in str(err.value)


def test_flat_and_tree_modalities_mixed(trees):
    os.makedirs(osp.join(trees, 'flat'))
    _write(osp.join(trees, 'flat', '0001.png'))
    with pytest.raises(ValueError, match='holds class folders but .*flat'):
        _build(data_root=trees, modality_dirs=dict(sar='sar', eo='flat'))


def test_folder_outside_configured_classes(trees):
    with pytest.raises(ValueError) as err:
        _build(
            data_root=trees,
            modality_dirs=dict(sar='sar', eo='eo'),
            metainfo=dict(classes=('boat', 'plane')))
    message = str(err.value)
    assert message.startswith(osp.join(trees, 'sar', 'truck') + ": class folder 'truck'")
    assert "['boat', 'plane']" in message


def test_pair_split_over_class_folders(trees):
    os.rename(
        osp.join(trees, 'eo', 'plane', '0011.png'), osp.join(trees, 'eo', 'truck', '0011.png'))
    with pytest.raises(ValueError, match='sample 0011 lie in different class folders'):
        _build(data_root=trees, modality_dirs=dict(sar='sar', eo='eo'))


def test_empty_and_missing_trees(tmp_path):
    root = str(tmp_path)
    for m in ('sar', 'eo'):
        os.makedirs(osp.join(root, m, 'boat'))
    with pytest.raises(ValueError, match=re.escape(osp.join(root, 'sar')) + '.*no sample'):
        _build(data_root=root, modality_dirs=dict(sar='sar', eo='eo'))
    with pytest.raises(FileNotFoundError, match='ir: folder of modality "ir" not found'):
        _build(data_root=root, modality_dirs=dict(sar='sar', ir='ir'))


def test_bad_arguments(one_tree):
    with pytest.raises(ValueError, match='read the same files'):
        _build(data_root=one_tree, modality_dirs=dict(sar='', eo=''))
    with pytest.raises(ValueError, match='on_missing'):
        _build(data_root=one_tree, modality_dirs=dict(sar=''), on_missing='ignore')
    with pytest.raises(ValueError, match='modality_dirs is empty'):
        _build(data_root=one_tree, modality_dirs={})
