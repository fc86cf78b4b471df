"""scaffold/folder_layout: modality folders, split folders and lists, file-name rules, splits."""
import os

import pytest

from cmkd_mm.scaffold.errors import ScaffoldError
from cmkd_mm.scaffold.folder_layout import (assign_splits, file_rule, find_split_lists,
                                            modality_folders, split_subfolders)


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'x')


def test_folders_and_split_folders(tmp_path):
    for m in ('visible', 'infrared'):
        for s in ('train', 'test'):
            _touch(tmp_path / m / s / '1.jpg')
    folders = modality_folders(str(tmp_path), ['rgb', 'ir'], dict(rgb='visible', ir='infrared'))
    assert folders == dict(rgb='visible', ir='infrared')
    assert split_subfolders(str(tmp_path), folders) == dict(train='train', test='test')
    with pytest.raises(ScaffoldError, match="--dirs names \\['depth'\\]"):
        modality_folders(str(tmp_path), ['rgb'], dict(depth='d'))
    os.rename(tmp_path / 'infrared' / 'test', tmp_path / 'infrared' / 'val')
    with pytest.raises(ScaffoldError, match='split differently'):
        split_subfolders(str(tmp_path), folders)


def test_file_rule():
    assert file_rule('rgb', ['1.jpg', '2.jpg'], 'rgb/') == ('.jpg', None)
    with pytest.raises(ScaffoldError, match=r'several extensions .*--suffix rgb=\.jpg'):
        file_rule('rgb', ['1.jpg', '2.jpg', '3.png'], 'rgb/')
    assert file_rule('rgb', ['1.jpg', '3.png'], 'rgb/', suffix='.png') == ('.png', None)
    assert file_rule('d', ['1_d.png'], 'd/', pattern='{}_d.png') == (None, '{}_d.png')
    with pytest.raises(ScaffoldError, match='no file of d/ follows it'):
        file_rule('d', ['1.png'], 'd/', pattern='{}_d.png')


def test_split_lists(tmp_path):
    _touch(tmp_path / 'ImageSets' / 'Main' / 'trainval.txt')
    _touch(tmp_path / 'ImageSets' / 'Main' / 'test.txt')
    assert find_split_lists(str(tmp_path)) == dict(
        trainval='ImageSets/Main/trainval.txt', test='ImageSets/Main/test.txt')


def test_assign_splits():
    assert assign_splits(['train', 'val', 'test'])[0] == dict(train='train', val='val', test='test')
    splits, notes = assign_splits(['train', 'test'])
    assert splits == dict(train='train', val='test', test='test') and 'test split' in notes[0]
    splits, notes = assign_splits(['trainval', 'val'])
    assert splits == dict(train='trainval', val='val', test='val') and 'no test split' in notes[0]
    with pytest.raises(ScaffoldError, match='no validation split.*--val-split train'):
        assign_splits(['train'])
    assert assign_splits(['train'], 'train')[0]['val'] == 'train'
    with pytest.raises(ScaffoldError, match='no split found.*--val-split train'):
        assign_splits([])
    assert assign_splits([], 'train')[0] == dict(train='all', val='all', test='all')
    with pytest.raises(ScaffoldError, match='no training split'):
        assign_splits(['test'])
