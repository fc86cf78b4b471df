"""tools/misc/check_dataset.py: every bad sample of a split named with its file and reason."""
import shutil

import cv2
import numpy as np

from ..conftest import ROOT, load_tool

CONFIG = f'{ROOT}/configs/segmentation/cekd_cenet-to-eknet-r18_rgb-thermal-to-thermal_mfnet_demo.py'


def test_every_problem_is_collected_and_the_exit_code_says_so(mfnet_demo_root, tmp_path, capsys):
    tool = load_tool('misc/check_dataset.py')
    root = str(tmp_path / 'mfnet')
    shutil.copytree(mfnet_demo_root, root)
    options = [
        '--cfg-options', f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}', f'test_dataloader.dataset.data_root={root}'
    ]
    assert tool.main([CONFIG, *options]) == 0
    assert 'train | 4 | 0' in capsys.readouterr().out

    train = open(f'{root}/train.txt').read().split()
    open(f'{root}/images/{train[0]}.png', 'wb').close()  # zero bytes
    label = cv2.imread(f'{root}/labels/{train[1]}.png', cv2.IMREAD_UNCHANGED).astype(np.uint16)
    label[0, 0] = 257
    cv2.imwrite(f'{root}/labels/{train[1]}.png', label)  # 16-bit, id 257
    data = open(f'{root}/labels/{train[2]}.png', 'rb').read()
    open(f'{root}/labels/{train[2]}.png', 'wb').write(data[:len(data) // 2])  # truncated
    open(f'{root}/val.txt', 'w').close()  # empty split file

    assert tool.main([CONFIG, *options, '--phase', 'train', 'val']) == 1
    out = capsys.readouterr().out
    assert f'{train[0]}.png: empty file (0 bytes)' in out
    assert f'{train[1]}.png: label values [257]' in out
    assert f'{train[2]}.png: not a readable image' in out
    assert 'val.txt: lists no sample' in out
    assert 'train | 4 | 3' in out and 'val | 0 | 1' in out


def test_xview2_layout(xview2_demo_root, tmp_path, capsys):
    import glob
    tool = load_tool('misc/check_dataset.py')
    root = str(tmp_path / 'xview2')
    shutil.copytree(xview2_demo_root, root)
    config = f'{ROOT}/configs/building_damage/loc-teacher_unet-r18_pre_xview2_demo.py'
    options = ['--cfg-options'] + [
        f'{s}_dataloader.dataset.{k}' for s in ('train', 'val')
        for k in (f'data_root={root}', 'expect_size=None')
    ]
    assert tool.main([config, *options, '--phase', 'train', 'val']) == 0
    labels = sorted(glob.glob(f'{root}/train/labels/*_post_disaster.json'))
    open(labels[0], 'w').write('{"features": {"xy": [{"wkt": "POLYGON ((1 2, 3"}]}}')
    assert tool.main([config, *options, '--phase', 'train']) == 1
    out = capsys.readouterr().out
    assert f'{labels[0]}:' in out and 'WKT' in out
