"""tools/dataset_converters/stf_to_coco.py on the STF demo (official layout) and a fixture in
the layout of the night subset packaged with the original CMKD detector code."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from pycocotools.coco import COCO

from cmkd_mm.datasets.stf_format import read_split
from cmkd_mm.demo import make_stf_demo
from cmkd_mm.utils import deprecation
from ..conftest import load_tool

DEMO_SPLITS = dict(train_clear_night=8, light_fog_night=4, val_clear_night=4)
TAIL = ('1.75 0.60 0.60 -1.82 1.50 20.40 -1.66 0.00 -1.66 0.00 1.00 0.0000 -0.7372 0.0000 '
        '0.6757 True True True False')


def _tool():
    return load_tool('dataset_converters/stf_to_coco.py')


@pytest.fixture(scope='module')
def tool():
    return _tool()


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('stf_demo'))
    return make_stf_demo(root, splits=DEMO_SPLITS, seed=1)


def _label_classes(root: str, label_dir: str, samples):
    """Class of every line of the label files of ``samples``."""
    classes = []
    for s in samples:
        with open(osp.join(root, label_dir, s + '.txt')) as f:
            classes += [ln.split()[0] for ln in f if ln.strip()]
    return classes


def test_demo_official_layout(tool, demo, tmp_path, capsys):
    root = demo['root']
    out = tool.main([
        root, '--out-dir',
        str(tmp_path), '--split', 'train=splits/train_clear_night.txt,splits/light_fog_night.txt',
        '--split', f'val={osp.join(root, "splits", "val_clear_night.txt")}'
    ])
    assert out == [str(tmp_path / 'train.json'), str(tmp_path / 'val.json')]
    samples = (
        read_split(osp.join(root, 'splits', 'train_clear_night.txt')) +
        read_split(osp.join(root, 'splits', 'light_fog_night.txt')))
    coco = COCO(out[0])
    assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == ['pedestrian']
    images = coco.loadImgs(coco.getImgIds())
    assert [im['sample'] for im in images] == samples
    assert [im['id'] for im in images] == list(range(1, 13))
    assert all(im['file_name'] == f'gated0_10bit/{im["sample"]}.png' for im in images)
    assert {(im['width'], im['height']) for im in images} == {(320, 180)}
    classes = _label_classes(root, 'gt_labels/gated_labels_TMP', samples)
    anns = coco.loadAnns(coco.getAnnIds())
    assert sum(not a['iscrowd']
               for a in anns) == sum(c in ('Pedestrian', 'Pedestrian_is_group') for c in classes)
    assert sum(a['iscrowd'] for a in anns) == classes.count('DontCare')
    assert sorted(a['id'] for a in anns) == list(range(1, len(anns) + 1))
    for a in anns:
        x, y, w, h = a['bbox']
        assert w > 0 and h > 0 and a['area'] == pytest.approx(w * h)
        assert 0 <= x and x + w <= 320 and 0 <= y and y + h <= 180
    info = json.load(open(out[0]))['info']
    assert info['layout'] == 'official' and info['frame_dir'] == 'gated0_10bit'
    assert info['skipped_objects'] == {'unmapped class PassengerCar': classes.count('PassengerCar')}
    printed = capsys.readouterr().out
    assert 'train: 12 images' in printed and 'unmapped class PassengerCar' in printed
    assert len(COCO(out[1]).getImgIds()) == 4


def test_demo_rgb_labels_full_classes(tool, demo, tmp_path):
    out = tool.main([
        demo['root'], '--out-dir',
        str(tmp_path), '--classes', 'full', '--label-dir', 'gt_labels/cam_left_labels_TMP',
        '--split', 'val=splits/val_clear_night.txt'
    ])
    coco = COCO(out[0])
    images = coco.loadImgs(coco.getImgIds())
    assert {(im['width'], im['height']) for im in images} == {(480, 256)}
    assert images[0]['file_name'].startswith('cam_stereo_left_lut/')
    assert [c['name'] for c in coco.loadCats(coco.getCatIds())
            ] == ['PassengerCar', 'Pedestrian', 'RidableVehicle', 'LargeVehicle']
    classes = _label_classes(demo['root'], 'gt_labels/cam_left_labels_TMP',
                             [im['sample'] for im in images])
    assert len(coco.getAnnIds()) == len(classes)


def test_missing_gated_slice(tool, tmp_path, capsys):
    root = str(tmp_path / 'data')
    make_stf_demo(root, splits=dict(val_clear_night=3), seed=2)
    sample = read_split(osp.join(root, 'splits', 'val_clear_night.txt'))[1]
    missing = osp.join(root, 'gated1_10bit', sample + '.png')
    os.remove(missing)
    args = [root, '--out-dir', str(tmp_path / 'ann'), '--split', 'val=splits/val_clear_night.txt']
    with pytest.raises(FileNotFoundError) as err:
        tool.main(args)
    msg = str(err.value)
    assert missing in msg and f'sample {sample}' in msg and '--on-missing skip' in msg

    out = tool.main(args + ['--on-missing', 'skip'])
    coco = json.load(open(out[0]))
    assert [im['sample'] for im in coco['images']] == [
        s for s in read_split(osp.join(root, 'splits', 'val_clear_night.txt')) if s != sample
    ]
    assert coco['info']['skipped_samples'] == {'missing gated1_10bit file': 1}
    assert 'skipped sample(s): missing gated1_10bit file: 1' in capsys.readouterr().out

    os.remove(osp.join(root, 'gt_labels', 'gated_labels_TMP', sample + '.txt'))
    with pytest.raises(FileNotFoundError, match='gated_labels_TMP'):
        tool.main(args)
    coco = json.load(open(tool.main(args + ['--on-missing', 'skip'])[0]))
    assert coco['info']['skipped_samples'] == {'missing label file': 1}


def _label(cls: str, box) -> str:
    return f'{cls} 0.00 0 -1.57 {" ".join(str(v) for v in box)} {TAIL}\n'


@pytest.fixture
def night_root(tmp_path):
    """The original code's packaged night subset: images/, gated0-2/, gated_labels/,
    train_night.txt."""
    root = tmp_path / 'night'
    for d in ('images', 'gated0', 'gated1', 'gated2', 'gated_labels'):
        (root / d).mkdir(parents=True)
    for name in ('f001', 'f002'):
        cv2.imwrite(str(root / 'images' / f'{name}.png'), np.zeros((77, 128, 3), np.uint8))
        for k in range(3):
            cv2.imwrite(str(root / f'gated{k}' / f'{name}.png'), np.zeros((72, 128), np.uint8))
    (root / 'gated_labels' / 'f001.txt').write_text(''.join([
        _label('Pedestrian', (10, 36, 20, 72)),
        _label('Pedestrian_is_group', (100, 0, 140, 36)),  # clipped at x = 128
        _label('Pedestrian', (50, 10, 50, 30)),  # x0 == x1: degenerate (the original drops these)
        _label('Pedestrian', (130, 10, 140, 30)),  # outside: degenerate after clipping
        _label('DontCare', (60, 0, 70, 9)),
        _label("Don't care region", (0, 0, 5, 5)),
        _label('PassengerCar', (30, 30, 60, 50)),
        _label('Pedestrian', (40, 30, 20, 50)),  # x1 > x2: inverted, line 8
    ]))
    (root / 'gated_labels' / 'f002.txt').write_text('')
    (root / 'train_night.txt').write_text('f001\nf002\n')
    return str(root)


def test_night_subset_layout(tool, night_root, capsys):
    out = tool.main([
        night_root, '--layout', 'night-subset', '--label-frame-size', '128', '72', '--split',
        'train=train_night.txt'
    ])
    assert out == [osp.join(night_root, 'annotations', 'train.json')]
    coco = COCO(out[0])
    images = coco.loadImgs(coco.getImgIds())
    assert [(im['file_name'], im['width'], im['height'])
            for im in images] == [('images/f001.png', 128, 77), ('images/f002.png', 128, 77)]
    anns = coco.loadAnns(coco.getAnnIds(imgIds=[1]))
    assert coco.getAnnIds(imgIds=[2]) == []
    sy = 77 / 72
    assert [a['bbox'] for a in anns] == [
        pytest.approx([10, 36 * sy, 10, 36 * sy], abs=1e-9),
        pytest.approx([100, 0, 28, 36 * sy], abs=1e-9),
        pytest.approx([60, 0, 10, 9 * sy], abs=1e-9),
        pytest.approx([0, 0, 5, 5 * sy], abs=1e-9)
    ]
    assert [a['iscrowd'] for a in anns] == [0, 0, 1, 1]
    assert {a['category_id'] for a in anns} == {1}
    info = json.load(open(out[0]))['info']
    assert info['label_frame_size'] == [128, 72]
    inverted = 'inverted box (x1 > x2 or y1 > y2)'
    assert info['skipped_objects'] == {
        'degenerate box': 2,
        'unmapped class PassengerCar': 1,
        inverted: 1
    }
    label = osp.join(night_root, 'gated_labels', 'f001.txt')
    assert info['skipped_where'] == {
        'degenerate box': [f'{label}:3', f'{label}:4'],
        inverted: [f'{label}:8']
    }
    assert info['clipped_boxes'] == 1
    printed = capsys.readouterr().out
    assert 'train: 2 images, 2 annotations (pedestrian: 2), 2 ignore regions' in printed
    assert 'degenerate box: 2' in printed and 'clipped box' in printed
    assert f'{inverted}: 1 (first: {label}:8)' in printed


def test_night_subset_layout_default_frame_size(tool, night_root):
    out = tool.main([night_root, '--layout', 'night-subset', '--split', 'train=train_night.txt'])
    ann = json.load(open(out[0]))['annotations'][0]
    assert ann['bbox'] == pytest.approx([1, 36 * 77 / 720, 1, 36 * 77 / 720])


def test_seed_is_the_deprecated_name_of_night_subset_and_pedestrian(tool, night_root, monkeypatch):
    monkeypatch.setattr(deprecation, 'WARNED', set())
    split = ['--split', 'train=train_night.txt']
    new = tool.main([night_root, '--layout', 'night-subset', '--classes', 'pedestrian'] + split)
    expected = json.load(open(new[0]))['annotations']
    with pytest.warns(FutureWarning) as record:
        old = tool.main([night_root, '--layout', 'seed', '--classes', 'seed'] + split)
    assert json.load(open(old[0]))['annotations'] == expected
    assert [str(w.message) for w in record if issubclass(w.category, FutureWarning)] == [
        "--layout: 'seed' is deprecated and will be removed, use 'night-subset' (same meaning)",
        "--classes: 'seed' is deprecated and will be removed, use 'pedestrian' (same meaning)"
    ]


def test_unknown_class_and_bad_args(tool, night_root):
    with open(osp.join(night_root, 'gated_labels', 'f002.txt'), 'w') as f:
        f.write(_label('Zebra', (1, 2, 3, 4)))
    args = [night_root, '--layout', 'night-subset', '--split', 'train=train_night.txt']
    with pytest.raises(ValueError, match=r'f002.txt:1: unknown class .*--on-unknown skip'):
        tool.main(args)
    info = json.load(open(tool.main(args + ['--on-unknown', 'skip'])[0]))['info']
    assert info['skipped_objects']['unknown class Zebra'] == 1
    with pytest.raises(SystemExit):
        tool.main([night_root, '--split', 'train'])
    with pytest.raises(SystemExit):
        tool.main([night_root, '--split', 'a=x.txt', '--split', 'a=y.txt'])


def test_listed_twice_and_no_check_dirs(tool, night_root):
    with open(osp.join(night_root, 'train_night.txt'), 'w') as f:
        f.write('f001\nf002\nf001\n')
    os.remove(osp.join(night_root, 'gated2', 'f002.png'))
    args = [night_root, '--layout', 'night-subset', '--split', 'train=train_night.txt']
    with pytest.raises(FileNotFoundError, match='gated2'):
        tool.main(args)
    coco = json.load(open(tool.main(args + ['--check-dirs'])[0]))
    assert [im['sample'] for im in coco['images']] == ['f001', 'f002']
    assert coco['info']['skipped_samples'] == {'listed twice': 1}
