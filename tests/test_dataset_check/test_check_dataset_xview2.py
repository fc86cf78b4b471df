"""tools/misc/check_dataset.py on xView2: every label that cannot be a building and every stale
mask is listed with its file and the feature (or the fix)."""
import json
import os
import shutil

from cmkd_mm.datasets.converters import write_xview2_masks
from ..conftest import ROOT, load_tool

CONFIG = f'{ROOT}/configs/building_damage/loc-teacher_unet-r18_pre_xview2_demo.py'


def _options(root):
    return ['--cfg-options'] + [
        f'{s}_dataloader.dataset.{k}' for s in ('train', 'val')
        for k in (f'data_root={root}', 'expect_size=None')
    ]


def _labels(root, split, phase):
    folder = f'{root}/{split}/labels'
    return [f'{folder}/{n}' for n in sorted(os.listdir(folder)) if f'_{phase}_' in n]


def _add(label, wkt, uid, subtype=None):
    with open(label) as f:
        data = json.load(f)
    properties = dict(feature_type='building', uid=uid)
    if subtype:
        properties['subtype'] = subtype
    data['features']['xy'].append(dict(properties=properties, wkt=wkt))
    with open(label, 'w') as f:
        json.dump(data, f)
    return len(data['features']['xy']) - 1


def test_bad_labels_each_named(xview2_demo_root, tmp_path, capsys):
    tool = load_tool('misc/check_dataset.py')
    root = str(tmp_path / 'xview2')
    shutil.copytree(xview2_demo_root, root)
    assert tool.main([CONFIG, *_options(root), '--phase', 'train', 'val']) == 0
    capsys.readouterr()
    train, hold = _labels(root, 'train', 'pre'), _labels(root, 'hold', 'post')
    flat = _add(train[0], 'POLYGON ((10 10, 30 30, 10 10))', 'flat')
    far = _add(train[1], 'POLYGON ((600 600, 700 600, 700 700, 600 700, 600 600))', 'far')
    with open(hold[0]) as f:
        first = json.load(f)['features']['xy'][0]['properties']
    uid, other = first['uid'], 'destroyed' if first['subtype'] != 'destroyed' else 'no-damage'
    twice = _add(hold[0], 'POLYGON ((1 1, 3 1, 3 3, 1 3, 1 1))', uid, other)
    assert tool.main([CONFIG, *_options(root), '--phase', 'train', 'val']) == 1
    out = capsys.readouterr().out
    assert f'{train[0]}: feature {flat} of "features.xy" (uid \'flat\') has zero area' in out
    assert f'{train[1]}: feature {far} of "features.xy" (uid \'far\') lies wholly outside ' \
        f'the 64x64 (w x h) image' in out
    assert f'{hold[0]}: uid {uid!r} is given twice with different damage subtypes: ' \
        f'feature 0 ({first["subtype"]}) and feature {twice} ({other})' in out
    assert 'train | 3 | 2' in out and 'val | 1 | 1' in out


def test_stale_masks_each_named(xview2_demo_root, tmp_path, capsys):
    tool = load_tool('misc/check_dataset.py')
    root = str(tmp_path / 'xview2')
    shutil.copytree(xview2_demo_root, root)
    write_xview2_masks(root, ['train', 'hold'], progress=False)
    assert tool.main([CONFIG, *_options(root), '--phase', 'train', 'val']) == 0
    capsys.readouterr()
    edited = [_labels(root, 'train', 'pre')[0], _labels(root, 'hold', 'post')[0]]
    _add(edited[0], 'POLYGON ((1 1, 3 1, 3 3, 1 3, 1 1))', 'new')
    _add(edited[1], 'POLYGON ((1 1, 3 1, 3 3, 1 3, 1 1))', 'new', 'destroyed')
    assert tool.main([CONFIG, *_options(root), '--phase', 'train', 'val']) == 1
    out = capsys.readouterr().out
    for label in edited:
        split = label.split('/')[-3]
        mask = label.replace('/labels/', '/masks/')[:-5] + '.png'
        assert f'{mask}: stale mask, written from another version of {label}' in out
        assert f'Rerun python tools/dataset_converters/xview2_masks.py {root} --splits {split}' \
            in out
    assert 'train | 0 | 1' in out and 'val | 0 | 1' in out
