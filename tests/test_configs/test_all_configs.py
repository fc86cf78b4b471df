"""Every config under configs/ builds and runs one training iteration on demo-size data."""
import glob
import os.path as osp

import pytest
from mmengine.runner import Runner

from ..conftest import ROOT, tiny_cfg

CONFIGS = sorted(
    osp.relpath(p, ROOT) for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                                            recursive=True) if '_base_' not in p)


def test_configs_found():
    assert len(CONFIGS) >= 4


@pytest.mark.parametrize('config', CONFIGS)
def test_config_trains_one_iteration(config, mfnet_demo_root, tmp_path):
    cfg = tiny_cfg(config, mfnet_demo_root, str(tmp_path))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
    assert osp.isfile(osp.join(str(tmp_path), 'iter_1.pth'))
