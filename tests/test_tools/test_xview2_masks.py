"""tools/dataset_converters/xview2_masks.py on the xView2 demo: the original create_masks output."""
import glob
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from shapely import wkt

from cmkd_mm.demo import make_xview2_demo
from ..conftest import load_tool

VALUES = {'no-damage': 1, 'minor-damage': 2, 'major-damage': 3, 'destroyed': 4}


@pytest.fixture(scope='module')
def tool():
    return load_tool('dataset_converters/xview2_masks.py')


@pytest.fixture
def root(tmp_path):
    return make_xview2_demo(str(tmp_path / 'xview2'), splits=dict(train=3, test=2), size=48, seed=5)


def _expected(label_path, shape, unclassified):
    """create_masks, written out: polygon by polygon with cv2.fillPoly, holes back to 0."""
    with open(label_path) as f:
        features = json.load(f)['features']['xy']
    pre = '_pre_' in osp.basename(label_path)
    out = np.zeros(shape, np.uint8)
    for ft in features:
        poly = wkt.loads(ft['wkt'])
        one = np.zeros(shape, np.uint8)
        cv2.fillPoly(one, [np.array(poly.exterior.coords).round().astype(np.int32)], 1)
        cv2.fillPoly(one, [np.array(r.coords).round().astype(np.int32) for r in poly.interiors], 0)
        subtype = ft['properties'].get('subtype')
        out[one > 0] = 255 if pre else VALUES.get(subtype, unclassified)
    return out


@pytest.mark.parametrize('unclassified', ['1', 'ignore'])
def test_masks_as_create_masks(tool, root, unclassified, capsys):
    # make one building un-classified
    post = sorted(f for f in os.listdir(osp.join(root, 'train', 'labels')) if '_post_' in f)
    for name in post:
        path = osp.join(root, 'train', 'labels', name)
        with open(path) as f:
            data = json.load(f)
        if data['features']['xy']:
            data['features']['xy'][0]['properties']['subtype'] = 'un-classified'
            with open(path, 'w') as f:
                json.dump(data, f)
            break
    counts = tool.main([root, '--splits', 'train', 'test', '--unclassified', unclassified])
    assert counts == dict(
        train=dict(pre=3, post=3, unlabeled=0, kept=0),
        test=dict(pre=2, post=2, unlabeled=0, kept=0))
    assert 'train: 3 pre and 3 post masks written' in capsys.readouterr().out
    value = 255 if unclassified == 'ignore' else 1
    seen = set()
    for split in ('train', 'test'):
        labels = sorted(os.listdir(osp.join(root, split, 'labels')))
        assert sorted(os.listdir(osp.join(root, split, 'masks'))) == \
            ['.xview2_masks.json'] + [n[:-5] + '.png' for n in labels]
        for name in labels:
            mask = cv2.imread(
                osp.join(root, split, 'masks', name[:-5] + '.png'), cv2.IMREAD_UNCHANGED)
            assert mask.dtype == np.uint8 and mask.shape == (48, 48)
            expected = _expected(osp.join(root, split, 'labels', name), (48, 48), value)
            np.testing.assert_array_equal(mask, expected)
            if '_post_' in name:
                seen |= set(np.unique(mask).tolist())
    assert value in seen and {1, 2} <= seen and seen <= {0, 1, 2, 3, 4, 255}


def test_workers_and_unlabeled(tool, root):
    os.remove(osp.join(root, 'test', 'labels', 'test_post_00003.json'))
    counts = tool.main([root, '--splits', 'test', '--workers', '2'])
    assert counts == dict(test=dict(pre=2, post=1, unlabeled=1, kept=0))
    assert not osp.exists(osp.join(root, 'test', 'masks', 'test_post_00003.png'))
    with pytest.raises(SystemExit):
        tool.parse_args([root, '--unclassified', '2'])


def test_up_to_date_masks_are_kept(root):
    """skip_existing (the recipes' XView2Masks step) keeps masks made from their JSON as it is
    now and with the same options; a label edited since gets its mask written again."""
    from cmkd_mm.datasets.converters import write_xview2_masks
    write_xview2_masks(root, ['train'], progress=False)
    labels = sorted(glob.glob(osp.join(root, 'train', 'labels', '*_post_disaster.json')))
    stamp = osp.getmtime(labels[0]) + 10
    os.utime(labels[0], (stamp, stamp))  # touched, the same bytes: still up to date
    counts = write_xview2_masks(root, ['train'], progress=False, skip_existing=True)['train']
    assert (counts['kept'], counts['pre'] + counts['post']) == (6, 0)
    label = next(p for p in labels if json.load(open(p))['features']['xy'])
    with open(label) as f:
        data = json.load(f)
    old = data['features']['xy'][0]['properties']['subtype']
    data['features']['xy'][0]['properties']['subtype'] = \
        'destroyed' if old != 'destroyed' else 'minor-damage'
    with open(label, 'w') as f:
        json.dump(data, f)  # edited after its mask was written
    counts = write_xview2_masks(root, ['train'], progress=False, skip_existing=True)['train']
    assert (counts['kept'], counts['pre'] + counts['post']) == (5, 1)
    mask = cv2.imread(
        osp.join(root, 'train', 'masks',
                 osp.basename(label)[:-5] + '.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(mask, _expected(label, (48, 48), 1))
    counts = write_xview2_masks(
        root, ['train'], unclassified='ignore', progress=False, skip_existing=True)['train']
    assert (counts['kept'], counts['pre'] + counts['post']) == (0, 6)  # other options
