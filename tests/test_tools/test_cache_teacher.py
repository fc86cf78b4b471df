"""tools/analysis_tools/cache_teacher.py fills the store training opens, in the work dir
training uses, and refuses a config that is not a distillation."""
import glob
import os.path as osp

import pytest

from cmkd_mm.models.algorithms.teacher_cache_store import ShardedStore
from ..conftest import load_tool, tiny_cfg

TOOL = load_tool('analysis_tools/cache_teacher.py')


def test_fills_the_store_in_the_work_dir(mfnet_demo_root, tmp_path):
    cfg = tiny_cfg('configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py',
                   mfnet_demo_root, str(tmp_path / 'unused'))
    cfg.work_dir = None
    config = str(tmp_path / 'kd.py')
    cfg.dump(config)
    work = str(tmp_path / 'work')
    got = TOOL.main([config, '--work-dir', work])
    (store, ) = glob.glob(osp.join(work, 'teacher_cache', '*'))
    assert got['directory'] == store and got['stored'] == got['computed'] == 8  # 4 x 2 flips
    assert len(ShardedStore(store)) == 8
    assert TOOL.main([config, '--work-dir', work, '--store',
                      str(tmp_path / 'elsewhere')])['computed'] == 8  # another place, another store
    with pytest.raises(ValueError, match='CrossModalDistill'):
        TOOL.main(['configs/demo/baseline_fcn-r18_thermal_mfnet_demo.py'])
