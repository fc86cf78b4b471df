"""Every config under configs/ builds and runs one training iteration on demo-size data."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from cmkd_mm.models.architectures import TeacherGroup
from ..conftest import ROOT, tiny_cfg

# Model configs; recipes (configs/recipes/) are checked by tests/test_recipes/test_plan.py.
CONFIGS = sorted(
    osp.relpath(p, ROOT)
    for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p and osp.sep + 'recipes' + osp.sep not in p)


def test_configs_found():
    assert len(CONFIGS) >= 4
    assert 'configs/detection/cmkd_adv_stf.py' in CONFIGS


@pytest.mark.parametrize('config', CONFIGS)
def test_config_trains_one_iteration(config, request, tmp_path):
    if config.startswith('configs/detection'):
        root = request.getfixturevalue('stf_demo_root')
    elif config.startswith('configs/pairs/llvip'):
        root = request.getfixturevalue('llvip_demo_root')
    elif config.startswith('configs/pairs/rgbd'):
        root = request.getfixturevalue('rgbd_demo_root')
    elif config.startswith('configs/pairs/ships'):
        root = request.getfixturevalue('ships_demo_root')
    elif 'mavoc2024' in config:
        root = request.getfixturevalue('mavoc2024_demo_root')
    elif 'mavoc' in config:
        root = request.getfixturevalue('mavoc_demo_root')
    elif 'xview2' in config:
        root = request.getfixturevalue('xview2_demo_root')
    elif 'pst900' in config:
        root = request.getfixturevalue('pst900_demo_root')
    else:
        root = request.getfixturevalue('mfnet_demo_root')
    cfg = tiny_cfg(config, root, str(tmp_path))
    if 'xview2' in config and 'demo' not in config:
        # data, loss, schedule and metric of the full config with the demo-size encoder (the
        # full SE-ResNeXt50 / ResNet-34 models are built in tests/test_models/test_xview2_models)
        demo = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'xview2_demo.py'))
        models = [cfg.model.architecture, cfg.model.teacher] if 'architecture' in cfg.model \
            else [cfg.model]
        if models[-1].get('type') == 'TeacherGroup':  # each teacher, inline
            group = models.pop()
            for name, spec in group.teachers.items():
                spec.model = TeacherGroup.model_config(name, spec)
                spec.pop('config', None)
                models.append(spec.model)
        for model in models:
            model.backbone = demo.demo_encoder
            model.decode_head.update(demo.demo_head)
    if config.startswith('configs/detection') and 'demo' not in config:
        _half_input_size(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
    assert osp.isfile(osp.join(str(tmp_path), 'iter_1.pth'))


def _half_input_size(cfg):
    """Full-size STF detectors at half their input size (833x500 -> 416x250): every module still
    runs, in a quarter of the time. A discriminator that flattens a fixed-size map (the original
    code's head, ``pool_size=None``) keeps the size it was built for. The demo images have 1/4 of
    the real cameras' resolutions: the RGB image is registered with the demo's window and frame."""
    demo = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'stf_demo.py'))
    demo_register = next(t for t in demo.demo_pipeline if t['type'] == 'RegisterModalities')
    for transform in cfg.train_dataloader.dataset.pipeline:
        if transform.get('type') == 'RegisterModalities':
            transform.update(demo_register)
    if 'flatten_dim' in str(cfg.model.get('distiller', '')):
        return
    for transform in cfg.train_dataloader.dataset.pipeline:
        if transform.get('type') == 'MultiModalResize':
            transform.scale = tuple(s // 2 for s in transform.scale)
