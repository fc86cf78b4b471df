"""xView2 masks carry what they were made from: a mask whose label changed since is refused by
XView2Dataset (naming the mask, its label and the converter to rerun) and rewritten by the
recipes' XView2Masks step."""
import json
import os
import os.path as osp
import re
import shutil
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from cmkd_mm.datasets import XView2Dataset
from cmkd_mm.datasets.converters import write_xview2_masks
from cmkd_mm.datasets.xview2_labels import DAMAGE_VALUES
from cmkd_mm.datasets.xview2_mask_stamp import StaleMasksError
from cmkd_mm.recipes.steps import XView2Masks

pytestmark = pytest.mark.usefixtures('mmseg_scope')


@pytest.fixture
def root(xview2_demo_root, tmp_path):
    """A copy of the 64x64 demo with its train masks written."""
    root = shutil.copytree(xview2_demo_root, str(tmp_path / 'xview2'))
    write_xview2_masks(root, ['train'], progress=False)
    return root


def build(root):
    return XView2Dataset(data_root=root, splits=['train'], pipeline=[])


def post_labels(root):
    folder = osp.join(root, 'train', 'labels')
    return [osp.join(folder, n) for n in sorted(os.listdir(folder)) if '_post_' in n]


def edit(label):
    """Change the damage class of the first building: the label now disagrees with its mask."""
    with open(label) as f:
        data = json.load(f)
    properties = data['features']['xy'][0]['properties']
    properties['subtype'] = 'destroyed' if properties['subtype'] != 'destroyed' else 'no-damage'
    with open(label, 'w') as f:
        json.dump(data, f)
    return properties['subtype']


def mask_of(label):
    folder = osp.join(osp.dirname(osp.dirname(label)), 'masks')
    return osp.join(folder, osp.basename(label)[:-5] + '.png')


def test_stale_masks_are_refused(root):
    assert len(build(root)) == 3  # up to date
    labels = [p for p in post_labels(root) if json.load(open(p))['features']['xy']][:2]
    for label in labels:
        edit(label)
    with pytest.raises(StaleMasksError) as error:
        build(root)
    message = str(error.value)
    assert message.startswith(f'{mask_of(labels[0])}: stale mask, written from another version '
                              f'of {labels[0]} (the label changed after the mask was written)')
    assert f'Rerun python tools/dataset_converters/xview2_masks.py {root} --splits train' in \
        message
    assert '(2 stale mask(s) in all' in message
    assert [p['file'] for p in error.value.problems] == [mask_of(p) for p in labels]
    assert all(p['reason'].startswith(p['file'] + ': stale mask') for p in error.value.problems)
    write_xview2_masks(root, ['train'], progress=False)  # the fix named
    assert len(build(root)) == 3


def test_a_touched_or_copied_label_is_not_stale(root, tmp_path):
    label = post_labels(root)[0]
    later = osp.getmtime(mask_of(label)) + 100
    os.utime(label, (later, later))  # same bytes, newer than its mask
    assert len(build(root)) == 3
    copy = str(tmp_path / 'copy')
    shutil.copytree(root, copy, copy_function=shutil.copyfile)  # new times everywhere
    for name in os.listdir(osp.join(copy, 'train', 'labels')):
        os.utime(osp.join(copy, 'train', 'labels', name), (later, later))
    assert len(build(copy)) == 3


def test_masks_without_a_stamp_are_judged_by_their_time(root):
    """Masks from the original create_masks (no stamp): older than their label is stale."""
    os.remove(osp.join(root, 'train', 'masks', '.xview2_masks.json'))
    assert len(build(root)) == 3
    label = post_labels(root)[1]
    later = osp.getmtime(mask_of(label)) + 100
    os.utime(label, (later, later))
    with pytest.raises(
            StaleMasksError,
            match=re.escape(f'{mask_of(label)}: stale mask, older than its label {label}')):
        build(root)


def test_the_recipe_step_rewrites_stale_masks(root):
    label = next(p for p in post_labels(root) if json.load(open(p))['features']['xy'])
    subtype = edit(label)
    step = XView2Masks('masks', splits=['train', 'hold'])
    out = step.run(SimpleNamespace(data_root=root), '')
    assert out['outputs']['masks'] == {s: osp.join(root, s, 'masks') for s in ('train', 'hold')}
    mask = cv2.imread(mask_of(label), cv2.IMREAD_UNCHANGED)
    assert DAMAGE_VALUES[subtype] in np.unique(mask)
    assert len(build(root)) == 3  # up to date again
    stamp = json.load(open(osp.join(root, 'train', 'masks', '.xview2_masks.json')))
    assert stamp['options'] == dict(unclassified=1)
    assert sorted(stamp['masks']) == sorted(
        n for n in os.listdir(osp.join(root, 'train', 'masks')) if n.endswith('.png'))


def test_the_converter_lists_every_label_it_cannot_convert(root):
    labels = post_labels(root)
    for label in labels[:2]:
        with open(label) as f:
            data = json.load(f)
        data['features']['xy'].append(
            dict(
                properties=dict(uid='line', subtype='no-damage'),
                wkt='POLYGON ((10 10, 30 30, 10 10))'))
        with open(label, 'w') as f:
            json.dump(data, f)
    with pytest.raises(ValueError) as error:
        write_xview2_masks(root, ['train'], progress=False)
    message = str(error.value)
    assert message.startswith(f'2 label file(s) under {root} could not be converted')
    for label in labels[:2]:
        assert f"{label}: feature {len(json.load(open(label))['features']['xy']) - 1} of " \
            f'"features.xy" (uid \'line\') has zero area' in message
    # the others are written and recorded; the two keep their old masks, now refused as stale
    stamp = json.load(open(osp.join(root, 'train', 'masks', '.xview2_masks.json')))
    assert len(stamp['masks']) == 6
    with pytest.raises(StaleMasksError) as error:
        build(root)
    assert [p['file'] for p in error.value.problems] == [mask_of(p) for p in labels[:2]]
