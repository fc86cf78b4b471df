import os
import os.path as osp

import pytest

import cmkd_mm  # noqa: F401  (patches + registration before any test imports mmrazor)
from cmkd_mm.demo import make_mfnet_demo

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
os.environ.setdefault('CUDA_VISIBLE_DEVICES', '')


@pytest.fixture(scope='session')
def mfnet_demo_root(tmp_path_factory):
    """A tiny dataset in the MFNet layout (RGBA images, label maps, split files)."""
    root = tmp_path_factory.mktemp('mfnet_demo')
    return make_mfnet_demo(str(root), splits=dict(train=4, val=2, test=2), size=(64, 48))


def tiny_cfg(config: str, data_root: str, work_dir: str, iters: int = 1, val: bool = False):
    """Load a config and shrink it to a few CPU iterations on the demo data."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, config))
    for split in ('train', 'val', 'test'):
        key = f'{split}_dataloader'
        if cfg.get(key):
            cfg[key].dataset.data_root = data_root
            cfg[key].batch_size = 2
            cfg[key].num_workers = 0
            cfg[key].persistent_workers = False
    cfg.work_dir = work_dir
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters if val else iters + 1000
    if not val:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.visualization = dict(type='mmseg.SegVisualizationHook')
    cfg.log_level = 'WARNING'
    cfg.param_scheduler = []
    if 'teacher_ckpt' in cfg.get('model', {}):
        cfg.model.teacher_ckpt = None
    return cfg
