"""Classification method bases (configs/_base_/methods/*_resnet34.py) know no data: a SAR + EO set
of three classes of its own names trains on them with nothing but a data config, and the NTIRE
2021 configs built on them resolve to their sensor pair."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from cmkd_mm.utils.config import load_config
from cmkd_mm.utils.modality_pair import pair_references
from ..conftest import ROOT, tiny_cfg

METHODS = osp.join(ROOT, 'configs', '_base_', 'methods')
NTIRE2021 = osp.join(ROOT, 'configs', 'classification', 'ntire2021')
SCHEDULE = osp.join(ROOT, 'configs', '_base_', 'schedules', 'mavoc_sgd_step.py')
CLASSES = ('cargo', 'fishing', 'tanker')

# A pairing config of SAR + EO chips with classes of their own: one tree per modality and split,
# <split>/<modality>/<class>/<id>.png, the same id in both trees is one pair.
DATA_CONFIG = """
dataset_type = 'PairedImageFolder'
data_root = 'data/sar_eo_chips/'
classes = ('cargo', 'fishing', 'tanker')
modalities = dict(sar=dict(num_channels=1, bit_depth=8), eo=dict(num_channels=3, bit_depth=8))
teacher_modalities = ['sar']
student_modalities = ['eo']
modality_stats = 'auto'
input_size = (32, 32)
train_pipeline = [
    dict(type='LoadModalities', modalities='pair:modalities'),
    dict(type='MultiModalResize', scale=input_size),
    dict(type='MultiModalRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackMultiModalInputs', packer=dict(type='mmpretrain.PackInputs')),
]
test_pipeline = [
    dict(type='LoadModalities', modalities='pair:modalities'),
    dict(type='MultiModalResize', scale=input_size),
    dict(type='PackMultiModalInputs', packer=dict(type='mmpretrain.PackInputs')),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        modality_dirs=dict(sar='train/sar', eo='train/eo'),
        metainfo=dict(classes=classes),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        modality_dirs=dict(sar='val/sar', eo='val/eo'),
        metainfo=dict(classes=classes),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator
"""


def _method_config(method):
    return (f"_base_ = ['{osp.join(METHODS, method + '_resnet34.py')}', "
            f"'./sar_eo_chips.py', '{SCHEDULE}']\n")


@pytest.fixture
def chips_pair(tmp_path):
    """Tiny SAR (grey 20x20) + EO (colour 12x12) chips, two pairs per class and split, and the
    pairing configs on the method bases."""
    root = tmp_path / 'data'
    rng = np.random.default_rng(0)
    for split in ('train', 'val'):
        for c, name in enumerate(CLASSES):
            for k in range(2):
                sample = f'{c}{k:03d}'
                for modality, shape in (('sar', (20, 20)), ('eo', (12, 12, 3))):
                    folder = root / split / modality / name
                    folder.mkdir(parents=True, exist_ok=True)
                    chip = rng.integers(0, 256, shape, dtype=np.uint8)
                    cv2.imwrite(str(folder / f'{sample}.png'), chip)
    configs = tmp_path / 'configs'
    configs.mkdir()
    (configs / 'sar_eo_chips.py').write_text(DATA_CONFIG)
    for method, name in (('teacher', 'teacher_resnet34_sar_chips.py'),
                         ('baseline', 'baseline_resnet34_eo_chips.py'),
                         ('kd1', 'kd1_resnet34_sar-to-eo_chips.py')):
        (configs / name).write_text(_method_config(method))
    return str(root), str(configs)


def test_method_bases_write_every_modality_field_as_a_pair_reference():
    for method in ('teacher', 'baseline', 'kd1'):
        cfg = Config.fromfile(osp.join(METHODS, f'{method}_resnet34.py'))
        refs = set(pair_references(cfg))
        pre = 'model.data_preprocessor.'
        assert pre + 'modalities' in refs
        if method == 'kd1':
            assert {
                pre + 'views.student', pre + 'views.teacher',
                'model.architecture.backbone.in_channels', 'model.teacher.backbone.in_channels',
                'model.architecture.head.num_classes', 'model.teacher.head.num_classes'
            } <= refs
            assert cfg.val_cfg.type == 'mmrazor.CrossModalDistillValLoop'
        else:
            view = 'teacher' if method == 'teacher' else 'student'
            assert {pre + f'views.{view}', 'model.backbone.in_channels',
                    'model.head.num_classes'} <= refs
            assert cfg.val_cfg.type == 'ValLoop'
        assert 'sar' not in str(cfg.model) and "'eo'" not in str(cfg.model)


def test_a_three_class_sar_eo_pair_resolves_on_every_method_base(chips_pair):
    _, configs = chips_pair
    teacher = load_config(osp.join(configs, 'teacher_resnet34_sar_chips.py'))
    assert teacher.model.backbone.in_channels == 1
    assert teacher.model.head.num_classes == 3
    assert teacher.model.data_preprocessor.views == dict(teacher=['sar'])
    baseline = load_config(osp.join(configs, 'baseline_resnet34_eo_chips.py'))
    assert baseline.model.backbone.in_channels == 3
    assert baseline.model.head.num_classes == 3
    assert baseline.model.data_preprocessor.views == dict(student=['eo'])
    assert baseline.model.data_preprocessor.modalities == dict(sar='auto', eo='auto')
    kd1 = load_config(osp.join(configs, 'kd1_resnet34_sar-to-eo_chips.py'))
    assert kd1.model.teacher.backbone.in_channels == 1
    assert kd1.model.architecture.backbone.in_channels == 3
    assert kd1.model.architecture.head.loss.class_weight == 'auto'
    assert kd1.train_dataloader.dataset.pipeline[0].modalities == dict(
        sar=dict(num_channels=1, bit_depth=8), eo=dict(num_channels=3, bit_depth=8))


def test_a_three_class_sar_eo_pair_trains_one_kd1_iteration(chips_pair, tmp_path):
    """No --cfg-options: the head has the set's three classes and class_weight='auto' is measured
    on its training chips."""
    root, configs = chips_pair
    cfg = tiny_cfg(
        osp.join(configs, 'kd1_resnet34_sar-to-eo_chips.py'), root, str(tmp_path / 'work'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
    assert runner.train_dataloader.dataset.metainfo['classes'] == CLASSES
    model = runner.model
    assert model.architecture.head.fc.out_features == 3
    assert len(model.architecture.head.loss_module.class_weight) == 3
    assert model.teacher.backbone.conv1.in_channels == 1
    assert model.architecture.backbone.conv1.in_channels == 3
    assert osp.isfile(str(tmp_path / 'work' / 'iter_1.pth'))


@pytest.mark.parametrize('config, views, channels', [
    ('baseline_resnet34_eo_mavoc2021.py', dict(student=['eo']), 1),
    ('teacher_resnet34_sar_mavoc2021.py', dict(teacher=['sar']), 1),
    ('kd1_resnet34_sar-to-eo_mavoc2021.py', dict(student=['eo'], teacher=['sar']), None),
    ('kd1_resnet34_eo-to-sar_mavoc2021.py', dict(student=['sar'], teacher=['eo']), None),
    ('kd2-sar-step_resnet34_eo-to-sar_mavoc2021.py', dict(student=['sar'], teacher=['eo']), None),
])
def test_ntire2021_configs_take_their_pair_from_the_data_base(config, views, channels):
    cfg = load_config(osp.join(NTIRE2021, config))
    assert not pair_references(cfg)
    assert cfg.model.data_preprocessor.views == views
    assert cfg.model.data_preprocessor.modalities == dict(sar='auto', eo='auto')
    models = [cfg.model] if channels else [cfg.model.architecture, cfg.model.teacher]
    for model in models:
        assert model.backbone.in_channels == 1
        assert model.head.num_classes == 10
    assert os.path.basename(cfg.filename) == config
