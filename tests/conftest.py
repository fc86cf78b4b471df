import os
import os.path as osp

import pytest
import torch
from mmengine.registry import DefaultScope

import cmkd_mm  # noqa: F401  (patches + registration before any test imports mmrazor)
from cmkd_mm.demo import (make_llvip_demo, make_mavoc_demo, make_mfnet_demo, make_pst900_demo,
                          make_rgbd_demo, make_ships_demo, make_xview2_demo, prepare_stf_demo)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
os.environ.setdefault('CUDA_VISIBLE_DEVICES', '')


@pytest.fixture
def mmseg_scope():
    """Build in mmseg's scope, whatever default scope earlier tests left behind."""
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


@pytest.fixture
def mmpretrain_scope():
    """Build in mmpretrain's scope, whatever default scope earlier tests left behind."""
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield


@pytest.fixture(scope='module')
def single_thread():
    """Tiny tensors: one thread avoids OpenMP stalls when the CPU cores are busy."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='session')
def mfnet_demo_root(tmp_path_factory):
    """A tiny dataset in the MFNet layout (RGBA images, label maps, split files)."""
    root = tmp_path_factory.mktemp('mfnet_demo')
    return make_mfnet_demo(str(root), splits=dict(train=4, val=2, test=2), size=(64, 48))


@pytest.fixture(scope='session')
def pst900_demo_root(tmp_path_factory):
    """A tiny dataset in the PST900 layout (<split>/{rgb,thermal,labels})."""
    root = tmp_path_factory.mktemp('pst900_demo')
    return make_pst900_demo(str(root), splits=dict(train=2, test=2), size=(64, 48))


@pytest.fixture(scope='session')
def mavoc_demo_root(tmp_path_factory):
    """A tiny MAVOC dataset in the NTIRE 2021 layout (paired SAR/EO chips in class folders)."""
    root = tmp_path_factory.mktemp('mavoc2021_demo')
    return make_mavoc_demo(str(root), layout='2021', splits=dict(train=2, valid=1, test=1))


@pytest.fixture(scope='session')
def mavoc2024_demo_root(tmp_path_factory):
    """A tiny MAVOC dataset in the PBVS 2024 layout (class-name folders, Gotcha test chips)."""
    root = tmp_path_factory.mktemp('mavoc2024_demo')
    return make_mavoc_demo(str(root), layout='2024', splits=dict(train=2, valid=1, test=1))


@pytest.fixture(scope='session')
def xview2_demo_root(tmp_path_factory):
    """A tiny xBD dataset (64x64 pre/post tiles, WKT label JSONs) with every split folder."""
    root = tmp_path_factory.mktemp('xview2_demo')
    return make_xview2_demo(str(root), splits=dict(train=3, tier3=2, hold=1, test=1), size=64)


@pytest.fixture(scope='session')
def llvip_demo_root(tmp_path_factory):
    """A tiny dataset in the LLVIP layout (visible/infrared JPEG pairs, VOC XML)."""
    root = tmp_path_factory.mktemp('llvip_demo')
    return make_llvip_demo(str(root), splits=dict(train=4, test=2), size=(64, 48))


@pytest.fixture(scope='session')
def rgbd_demo_root(tmp_path_factory):
    """A tiny RGB + 16-bit depth dataset in plain folders (rgb/, depth/, labels/, split files)."""
    root = tmp_path_factory.mktemp('rgbd_demo')
    return make_rgbd_demo(str(root), splits=dict(train=4, val=2, test=2), size=(64, 48))


@pytest.fixture(scope='session')
def ships_demo_root(tmp_path_factory):
    """Tiny SAR + EO ship chips, <split>/<modality>/<class>/<id>.png, two per training class."""
    root = tmp_path_factory.mktemp('ships_demo')
    return make_ships_demo(str(root), splits=dict(train=2, val=1, test=1))


@pytest.fixture(scope='session')
def stf_demo_root(tmp_path_factory):
    """A tiny dataset in the official Seeing Through Fog layout, with its COCO annotations."""
    root = str(tmp_path_factory.mktemp('stf_demo'))
    prepare_stf_demo(
        root,
        splits=dict(
            train_clear_night=3,
            light_fog_night=1,
            val_clear_night=2,
            test_clear_night=1,
            dense_fog_night=1))
    return root


def load_tool(relpath: str):
    """Import ``tools/<relpath>`` as a module, to test a command-line script."""
    import importlib.util
    path = osp.join(ROOT, 'tools', relpath)
    name = 'cmkd_tool_' + relpath.replace('/', '_')[:-3]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _is_detection(cfg) -> bool:
    return cfg.get('default_scope') == 'mmdet'


def _offline_tiny_model(node) -> None:
    """No downloads (drop every checkpoint ``init_cfg``) and a thermal enhancement head that
    takes any input size (CEKD's fixed head needs 480x640)."""
    if isinstance(node, dict):
        if isinstance(node.get('init_cfg'), dict) and node.init_cfg.get('checkpoint'):
            node.init_cfg = None
        if node.get('type') == 'ThermalEnhancementModule' and node.get('pool_size') is None:
            node.pool_size = (2, 2)
        for value in node.values():
            _offline_tiny_model(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _offline_tiny_model(value)


def tiny_cfg(config: str, data_root: str, work_dir: str, iters: int = 1, val: bool = False):
    """Load a config and shrink it to a few CPU iterations on the demo data.

    Detection configs (epoch-based, COCO evaluation) get an iteration-based loop, their
    evaluators' ``ann_file`` moved to ``data_root`` and no early stopping.
    """
    from cmkd_mm.utils.config import load_config
    cfg = load_config(osp.join(ROOT, config))
    for split in ('train', 'val', 'test'):
        key = f'{split}_dataloader'
        if cfg.get(key):
            cfg[key].dataset.data_root = data_root
            cfg[key].batch_size = 2
            cfg[key].num_workers = 0
            cfg[key].persistent_workers = False
            evaluator = cfg.get(f'{split}_evaluator')
            if evaluator and evaluator.get('ann_file'):
                evaluator.ann_file = osp.join(data_root, cfg[key].dataset.ann_file)
    for split in ('train', 'val', 'test'):
        dataset = (cfg.get(f'{split}_dataloader') or {}).get('dataset') or {}
        if dataset.get('type') == 'XView2Dataset':  # 1024x1024 tiles, 512x512 crops
            dataset.expect_size = None
            for t in dataset.pipeline:
                if t.type == 'XView2ContentCrop':
                    t.crop_size = 32
    cfg.work_dir = work_dir
    cfg.train_cfg = dict(
        type='IterBasedTrainLoop', max_iters=iters, val_interval=iters if val else iters + 1000)
    if not val:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1, by_epoch=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    _offline_tiny_model(cfg.model)
    if _is_detection(cfg):  # no early stopping without val; 'auto' statistics still measured
        cfg.custom_hooks = [
            h for h in cfg.get('custom_hooks') or [] if h['type'] == 'ModalityStatsFromDataHook'
        ]
        cfg.train_dataloader.pop('batch_sampler', None)
        cfg.train_dataloader.sampler = dict(type='InfiniteSampler', shuffle=True)
    elif cfg.get('default_scope') == 'mmseg':
        cfg.default_hooks.visualization = dict(type='mmseg.SegVisualizationHook')
    cfg.log_level = 'WARNING'
    cfg.param_scheduler = []
    if 'teacher_ckpt' in cfg.get('model', {}):
        cfg.model.teacher_ckpt = None
    return cfg


def save_teacher(cfg, path: str) -> str:
    """Build a distillation config's model (in its scope, from the current random state) and
    save its teacher's weights to ``path``: one fixed teacher for runs that must fingerprint it
    alike (a teacher initialised at random differs each run)."""
    from mmengine.registry import init_default_scope
    from mmrazor.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    model_cfg = dict(cfg.model, teacher_ckpt=None)
    torch.save(dict(state_dict=MODELS.build(model_cfg).teacher.state_dict()), path)
    return str(path)
