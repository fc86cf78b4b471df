import os
import os.path as osp
import shutil

import pytest
from mmengine.config import Config

from cmkd_mm.datasets import STFDataset
from ..conftest import ROOT


def _dataset(root, split='train_night', pipeline=(), **kwargs):
    return STFDataset(
        data_root=root, ann_file=f'annotations/{split}.json', pipeline=list(pipeline), **kwargs)


def test_every_modality_of_a_frame_by_name(stf_demo_root):
    ds = _dataset(stf_demo_root)
    assert len(ds) == 4 and ds.metainfo['classes'] == ('pedestrian', )
    info = ds[0]
    sample = info['sample']
    assert info['modality_paths'] == {
        'rgb': osp.join(stf_demo_root, 'cam_stereo_left_lut', sample + '.png'),
        'gated0': osp.join(stf_demo_root, 'gated0_10bit', sample + '.png'),
        'gated1': osp.join(stf_demo_root, 'gated1_10bit', sample + '.png'),
        'gated2': osp.join(stf_demo_root, 'gated2_10bit', sample + '.png'),
    }
    assert (info['width'], info['height']) == (320, 180)  # the gated (label) frame


def test_demo_pipeline_registers_rgb_onto_the_gated_frame(stf_demo_root):
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/stf_demo.py'))
    ds = _dataset(stf_demo_root, pipeline=cfg.demo_pipeline)
    packed = ds[0]
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs['rgb'].shape == (3, 180, 320) and inputs['gated0'].shape == (1, 180, 320)
    assert not inputs['gated1'].dtype.is_floating_point and int(inputs['gated1'].int().max()) < 1024
    assert sample.ori_shape == (180, 320)
    assert sample.registration['ref'] == 'gated0'
    assert set(sample.modality_paths) == {'rgb', 'gated0', 'gated1', 'gated2'}


def test_missing_gated_slice_is_reported_with_its_path(stf_demo_root, tmp_path):
    root = str(tmp_path / 'stf')
    shutil.copytree(stf_demo_root, root)
    victim = sorted(os.listdir(osp.join(root, 'gated2_10bit')))[0]
    os.remove(osp.join(root, 'gated2_10bit', victim))
    with pytest.raises(FileNotFoundError, match=f'gated2_10bit/{victim}'):
        _dataset(root, split='train_night')


def test_night_subset_layout_folders(stf_demo_root, tmp_path):
    root = str(tmp_path / 'night')
    for src, dst in [('cam_stereo_left_lut', 'images'), ('gated0_10bit', 'gated0'),
                     ('gated1_10bit', 'gated1'), ('gated2_10bit', 'gated2')]:
        shutil.copytree(osp.join(stf_demo_root, src), osp.join(root, dst))
    shutil.copytree(osp.join(stf_demo_root, 'annotations'), osp.join(root, 'annotations'))
    ds = _dataset(
        root, modality_dirs=dict(rgb='images', gated0='gated0', gated1='gated1', gated2='gated2'))
    assert len(ds) == 4
    paths = ds[0]['modality_paths']
    assert paths['rgb'] == osp.join(root, 'images', ds[0]['sample'] + '.png')
    assert paths['gated2'] == osp.join(root, 'gated2', ds[0]['sample'] + '.png')
