"""ModalityStatsFromDataHook: per-channel mean/std of the configured training set."""
import glob
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import DATASETS, DefaultScope

from cmkd_mm.engine.hooks import ModalityStatsFromDataHook
from cmkd_mm.models.data_preprocessors import MultiModalDataPreprocessor
from cmkd_mm.utils.config import load_config
from ...conftest import ROOT

CONFIG = osp.join(ROOT, 'configs', 'classification', 'ntire2021',
                  'kd1_resnet18_sar-to-eo_mavoc2021_demo.py')


def _by_hand(root, modality):
    """Mean and population std of every training chip's pixels, read with OpenCV."""
    files = sorted(glob.glob(osp.join(root, 'train_images', '*', f'{modality.upper()}_*.png')))
    pixels = np.concatenate([cv2.imread(f, cv2.IMREAD_UNCHANGED).reshape(-1) for f in files])
    return len(files), pixels.astype(np.float64).mean(), pixels.astype(np.float64).std()


def _runner(cfg, model):
    return SimpleNamespace(cfg=cfg, model=model)


def test_auto_stats_are_those_of_the_training_chips(mavoc_demo_root):
    cfg = load_config(CONFIG)
    assert cfg.model.data_preprocessor.modalities == dict(sar='auto', eo='auto')
    assert dict(type='ModalityStatsFromDataHook') in cfg.custom_hooks
    cfg.train_dataloader.dataset.data_root = mavoc_demo_root
    pre = MultiModalDataPreprocessor(
        modalities=dict(sar='auto', eo='auto'), views=dict(student=['eo'], teacher=['sar']))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        ModalityStatsFromDataHook().before_train(_runner(cfg, torch.nn.ModuleList([pre])))
    for name in ('sar', 'eo'):
        count, mean, std = _by_hand(mavoc_demo_root, name)
        assert count == 20
        assert pre.state_dict()[f'{name}_mean'].item() == pytest.approx(mean, rel=1e-6)
        assert pre.state_dict()[f'{name}_std'].item() == pytest.approx(std, rel=1e-6)
    # measured statistics are kept: a second call (a resumed run) measures nothing
    pre.set_stats('eo', [1.], [2.])
    ModalityStatsFromDataHook().before_train(_runner(None, torch.nn.ModuleList([pre])))
    assert pre.eo_mean.item() == 1.


def test_max_samples_are_evenly_spaced(mavoc_demo_root):
    cfg = load_config(CONFIG)
    cfg.train_dataloader.dataset.data_root = mavoc_demo_root
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        stats, used, total = ModalityStatsFromDataHook(max_samples=3).measure(
            cfg.train_dataloader.dataset, ['eo'])
    assert (used, total) == (3, 20)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    picked = np.concatenate([
        cv2.imread(dataset.get_data_info(i)['modality_paths']['eo'],
                   cv2.IMREAD_UNCHANGED).reshape(-1) for i in (0, 10, 19)
    ]).astype(np.float64)
    assert stats['eo'][0][0] == pytest.approx(picked.mean(), rel=1e-6)
    assert stats['eo'][1][0] == pytest.approx(picked.std(), rel=1e-6)
