"""tools/analysis_tools/cache_teacher.py fills the store training opens, in the work dir
training uses, resumes after a stop, and refuses a config that is not a distillation and a
pipeline the cache cannot serve."""
import glob
import os.path as osp

import pytest

from cmkd_mm.models.algorithms.teacher_cache_store import RECORD, ShardedStore
from ..conftest import load_tool, save_teacher, tiny_cfg

TOOL = load_tool('analysis_tools/cache_teacher.py')


def test_fills_the_store_in_the_work_dir(mfnet_demo_root, tmp_path):
    cfg = tiny_cfg('configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py',
                   mfnet_demo_root, str(tmp_path / 'unused'))
    cfg.work_dir = None
    cfg.model.teacher_ckpt = save_teacher(cfg, tmp_path / 'teacher.pth')  # same every run
    config = str(tmp_path / 'kd.py')
    cfg.dump(config)
    work = str(tmp_path / 'work')
    got = TOOL.main([config, '--work-dir', work])
    (store, ) = glob.glob(osp.join(work, 'teacher_cache', '*'))
    assert got['directory'] == store and got['stored'] == got['computed'] == 8  # 4 x 2 flips
    assert len(ShardedStore(store)) == 8
    # stopped after 3 entries (the rest of its index cut mid-record): the rerun does the rest
    (index, ) = glob.glob(osp.join(store, '*.idx'))
    with open(index, 'rb') as f:
        block = f.read()
    end = 0
    for _ in range(1 + 3):  # the structure record, then 3 entries
        end += RECORD.size + RECORD.unpack_from(block, end)[0]
    with open(index, 'wb') as f:
        f.write(block[:end + 5])
    assert TOOL.main([config, '--work-dir', work])['computed'] == 8 - 3
    assert len(ShardedStore(store)) == 8
    elsewhere = ['--store', str(tmp_path / 'elsewhere')]  # another place, another store
    assert TOOL.main([config, '--work-dir', work, *elsewhere])['computed'] == 8
    with pytest.raises(ValueError, match='CrossModalDistill'):
        TOOL.main(['configs/demo/baseline_fcn-r18_thermal_mfnet_demo.py'])
    crop = [
        'train_dataloader.dataset.pipeline.3.type=MultiModalRandomCrop',
        'train_dataloader.dataset.pipeline.3.crop_size=(32,32)'
    ]
    with pytest.raises(ValueError, match='MultiModalRandomCrop'):  # refused as training does
        TOOL.main([config, '--work-dir', work, '--cfg-options', *crop])
