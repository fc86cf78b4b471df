"""XView2Dataset: the xBD layout, pre/post pairing, holdout, oversampling and test naming."""
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from cmkd_mm.datasets import XView2Dataset
from cmkd_mm.demo import make_xview2_demo

pytestmark = pytest.mark.usefixtures('mmseg_scope')

SPLITS = dict(train=6, hold=3, test=3)


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    return make_xview2_demo(str(tmp_path_factory.mktemp('xview2')), splits=SPLITS, size=64, seed=3)


@pytest.fixture
def root(demo, tmp_path):
    """A copy of the demo a test may change."""
    return shutil.copytree(demo, str(tmp_path / 'xview2'))


def infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def build(root, **kwargs):
    return XView2Dataset(data_root=root, pipeline=[], **kwargs)


def test_layout(demo):
    ds = build(demo, splits=['train', 'hold'])
    items = infos(ds)
    assert len(items) == 9
    assert ds.metainfo['classes'] == ('background', 'no-damage', 'minor-damage', 'major-damage',
                                      'destroyed')
    files = sorted(os.listdir(osp.join(demo, 'train', 'images')))
    assert [i['tile_id'] for i in items if i['split'] == 'train'] == \
        sorted({f.rsplit('_', 2)[0] for f in files})
    for info in items:
        base = osp.join(demo, info['split'])
        stem = {p: f'{info["tile_id"]}_{p}_disaster' for p in ('pre', 'post')}
        assert info['modality_paths'] == {
            p: osp.join(base, 'images', stem[p] + '.png')
            for p in stem
        }
        assert info['img_path'] == info['modality_paths']['pre']
        assert info['label_paths'] == {p: osp.join(base, 'labels', stem[p] + '.json') for p in stem}
        assert info['mask_paths'] == dict(pre=None, post=None)
        assert info['seg_fields'] == [] and info['reduce_zero_label'] is False


def test_test_naming(demo):
    items = infos(build(demo, splits=['test']))
    assert [i['tile_id'] for i in items] == ['00009', '00010', '00011']
    assert items[0]['modality_paths']['post'] == osp.join(demo, 'test', 'images',
                                                          'test_post_00009.png')
    assert items[0]['label_paths']['pre'] == osp.join(demo, 'test', 'labels', 'test_pre_00009.json')


def test_pairing_errors(root):
    images = osp.join(root, 'train', 'images')
    pre = sorted(f for f in os.listdir(images) if '_pre_' in f)
    os.remove(osp.join(images, pre[0].replace('_pre_', '_post_')))
    with pytest.raises(
            ValueError,
            match=r'(?s)' + pre[0] + r': pre-disaster image without '
            r'its post-disaster partner .*' + pre[0].replace('_pre_', '_post_')):
        build(root)
    os.remove(osp.join(images, pre[0]))
    os.remove(osp.join(images, pre[1]))
    with pytest.raises(ValueError, match=pre[1].replace('_pre_', '_post_') + r': post-disaster'):
        build(root)


def test_folder_errors(root, tmp_path):
    with pytest.raises(FileNotFoundError, match=r'tier3/images: split folder not found'):
        build(root, splits=['train', 'tier3'])
    os.makedirs(tmp_path / 'empty' / 'train' / 'images')
    with pytest.raises(ValueError, match=r'train/images: lists no sample'):
        build(str(tmp_path / 'empty'))
    open(osp.join(root, 'train', 'images', 'preview.png'), 'wb').close()
    with pytest.raises(ValueError, match=r'preview\.png: not an xBD image name'):
        build(root)
    with pytest.raises(ValueError, match='splits must be'):
        build(root, splits=['val'])


def test_missing_labels(root):
    label = sorted(os.listdir(osp.join(root, 'train', 'labels')))[0]
    os.rename(osp.join(root, 'train', 'labels', label), osp.join(root, label))
    with pytest.raises(FileNotFoundError, match=label + r': label file not found'):
        build(root)
    os.makedirs(osp.join(root, 'train', 'masks'))
    open(osp.join(root, 'train', 'masks', label[:-5] + '.png'), 'wb').close()
    info = infos(build(root))[0]  # a mask replaces the label
    phase = 'pre' if '_pre_' in label else 'post'
    assert info['label_paths'][phase] is None and info['mask_paths'][phase].endswith('.png')
    for name in os.listdir(osp.join(root, 'test', 'labels'))[:2]:
        os.remove(osp.join(root, 'test', 'labels', name))
    items = infos(build(root, splits=['test']))  # unlabeled test tiles are allowed
    assert sum(v is None for i in items for v in i['label_paths'].values()) == 2


def _sklearn_like_split(n, fraction, seed):
    """Independent statement of the documented split: the permutation's first ceil(f * n)."""
    rng = np.random.RandomState(seed)
    perm = rng.permutation(n)
    n_val = int(np.ceil(fraction * n))
    return set(perm[n_val:].tolist()), set(perm[:n_val].tolist())


@pytest.mark.parametrize('seed', [0, 7])
def test_holdout(demo, seed):
    splits = ['train', 'hold', 'test']
    everything = [(i['split'], i['tile_id']) for i in infos(build(demo, splits=splits))]
    assert everything == sorted(everything)
    parts = {}
    for part in ('train', 'val'):
        holdout = dict(fraction=0.25, seed=seed, part=part)
        ids = [(i['split'], i['tile_id'])
               for i in infos(build(demo, splits=splits, holdout=holdout))]
        again = [(i['split'], i['tile_id'])
                 for i in infos(build(demo, splits=splits, holdout=holdout))]
        assert ids == again  # deterministic
        parts[part] = ids
    assert not set(parts['train']) & set(parts['val'])
    assert sorted(parts['train'] + parts['val']) == everything
    train, val = _sklearn_like_split(len(everything), 0.25, seed)
    assert set(parts['val']) == {everything[i] for i in val}
    assert len(parts['val']) == 3
    with pytest.raises(ValueError, match='holdout must be'):
        build(demo, holdout=dict(fraction=1.5))


def test_oversampling(demo):
    plain = infos(build(demo, splits=['train', 'hold']))
    over = infos(build(demo, splits=['train', 'hold'], oversample=True))
    expected = []
    for info in plain:
        with open(info['label_paths']['post']) as f:
            subtypes = {ft['properties']['subtype'] for ft in json.load(f)['features']['xy']}
        times = 1
        if subtypes & {'minor-damage', 'major-damage', 'destroyed'}:
            times += 1
        if subtypes & {'minor-damage', 'major-damage'}:
            times += 1
        expected += [info['tile_id']] * times
    assert [i['tile_id'] for i in over] == expected
    assert len(over) > len(plain)  # the demo has damaged tiles


def test_oversampling_from_masks(root):
    import cv2
    info = infos(build(root))[0]
    os.makedirs(osp.join(root, 'train', 'masks'))
    post = np.zeros((64, 64), np.uint8)
    post[3, 3] = 4  # destroyed only: twice
    stem = osp.basename(info['label_paths']['post'])[:-5]
    cv2.imwrite(osp.join(root, 'train', 'masks', stem + '.png'), post)
    over = infos(build(root, oversample=True))
    assert [i['tile_id'] for i in over].count(info['tile_id']) == 2


def test_tile_list_and_expect_size(root):
    items = infos(build(root))
    with open(osp.join(root, 'keep.txt'), 'w') as f:
        f.write(f'{items[2]["tile_id"]}\n{items[0]["tile_id"]}\n')
    kept = infos(build(root, tile_list='keep.txt'))
    assert [i['tile_id'] for i in kept] == [items[0]['tile_id'], items[2]['tile_id']]
    with open(osp.join(root, 'keep.txt'), 'a') as f:
        f.write('nowhere_00000099\n')
    with pytest.raises(ValueError, match=r'keep\.txt: 1 tile id\(s\) are in none'):
        build(root, tile_list='keep.txt')
    assert len(infos(build(root, expect_size=(64, 64)))) == len(items)
    with pytest.raises(
            ValueError,
            match=r'_pre_disaster\.png: image is 64x64 \(w x h\), '
            r'expect_size is 1024x1024'):
        build(root, expect_size=(1024, 1024))


def test_demo_is_a_real_xbd_layout(demo):
    import cv2
    assert make_xview2_demo(demo, splits=SPLITS, size=64, seed=3) == demo  # kept
    empty, damaged = 0, set()
    for split in SPLITS:
        for name in os.listdir(osp.join(demo, split, 'labels')):
            with open(osp.join(demo, split, 'labels', name)) as f:
                data = json.load(f)
            xy = data['features']['xy']
            assert len(data['features']['lng_lat']) == len(xy)
            assert data['metadata']['width'] == 64 and 'disaster' in data['metadata']
            if '_pre_' in name or name.startswith('test_pre_'):
                assert all('subtype' not in f['properties'] for f in xy)
                empty += not xy
            else:
                damaged |= {f['properties']['subtype'] for f in xy}
            image = cv2.imread(osp.join(demo, split, 'images', name[:-5] + '.png'))
            assert image.shape == (64, 64, 3)
    assert empty >= 1
    assert {'no-damage', 'minor-damage', 'major-damage', 'destroyed'} <= damaged
