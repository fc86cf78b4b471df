"""scaffold/new_pair (tools/misc/new_pair.py): configs from a data folder that load, build the
dataset of its files and run their pipelines; what the folder leaves open is asked for."""
import glob
import json
import os
import os.path as osp
import xml.etree.ElementTree as ET

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from cmkd_mm.scaffold import PairOptions, ScaffoldError, new_pair, plan_pair
from cmkd_mm.utils.config import load_config
from cmkd_mm.utils.config_paths import resolve_config_path
from ..conftest import ROOT, load_tool

SPLITS = dict(train=['010001', '010002', '010003'], test=['190001', '190002'])


def _xml(path, names, size=(64, 48)):
    objects = ''.join(f'<object><name>{n}</name><difficult>0</difficult><bndbox><xmin>{4 + 9 * i}'
                      f'</xmin><ymin>5</ymin><xmax>{12 + 9 * i}</xmax><ymax>40</ymax></bndbox>'
                      '</object>' for i, n in enumerate(names))
    with open(path, 'w') as f:
        f.write(f'<annotation><size><width>{size[0]}</width><height>{size[1]}</height></size>'
                f'{objects}</annotation>')


def make_llvip(root):
    """LLVIP layout: colour visible and grey (3 equal channels) infrared JPEGs, one VOC XML
    folder for both splits."""
    rng = np.random.default_rng(0)
    os.makedirs(osp.join(root, 'Annotations'))
    for split, ids in SPLITS.items():
        for folder in ('visible', 'infrared'):
            os.makedirs(osp.join(root, folder, split))
        for k, i in enumerate(ids):
            grey = rng.integers(0, 256, (48, 64), dtype=np.uint8)
            cv2.imwrite(
                osp.join(root, 'visible', split, i + '.jpg'),
                rng.integers(0, 256, (48, 64, 3), dtype=np.uint8))
            cv2.imwrite(osp.join(root, 'infrared', split, i + '.jpg'), np.dstack([grey] * 3))
            _xml(osp.join(root, 'Annotations', i + '.xml'), ['person'] * (k % 2 + 1))
    return str(root)


def make_rgbd(root):
    """RGB + 16-bit depth PNGs, 8-bit label maps of ids 0-2, train.txt / val.txt."""
    rng = np.random.default_rng(1)
    for folder in ('rgb', 'depth', 'labels'):
        os.makedirs(osp.join(root, folder))
    names = [f'scene{i}' for i in range(5)]
    for i, name in enumerate(names):
        cv2.imwrite(
            osp.join(root, 'rgb', name + '.png'), rng.integers(0, 256, (24, 32, 3), dtype=np.uint8))
        cv2.imwrite(
            osp.join(root, 'depth', name + '.png'),
            rng.integers(0, 65536, (24, 32), dtype=np.uint16))
        label = np.zeros((24, 32), np.uint8)
        label[:, 16:] = 1 + i % 2
        cv2.imwrite(osp.join(root, 'labels', name + '.png'), label)
    with open(osp.join(root, 'train.txt'), 'w') as f:
        f.write('\n'.join(names[:3]) + '\n')
    with open(osp.join(root, 'val.txt'), 'w') as f:
        f.write('\n'.join(names[3:]) + '\n')
    return str(root)


CHIP_CLASSES = ('tanker', 'ferry', 'fishing boat')


def make_chips(root):
    """SAR (grey 16x16) and EO (colour 12x12) chips in class folders of their own names."""
    rng = np.random.default_rng(2)
    for c, cls in enumerate(CHIP_CLASSES):
        for modality in ('sar', 'eo'):
            os.makedirs(osp.join(root, modality, cls))
        for k in range(c + 1):
            name = f'{c}{k:03d}.png'
            cv2.imwrite(
                osp.join(root, 'sar', cls, name), rng.integers(0, 256, (16, 16), dtype=np.uint8))
            cv2.imwrite(
                osp.join(root, 'eo', cls, name), rng.integers(0, 256, (12, 12, 3), dtype=np.uint8))
    return str(root)


def _build(cfg, split, scope):
    with DefaultScope.overwrite_default_scope(scope):
        if scope == 'mmdet':
            from mmdet.registry import DATASETS
        elif scope == 'mmseg':
            from mmseg.registry import DATASETS
        else:
            from mmpretrain.registry import DATASETS
        return DATASETS.build(cfg[f'{split}_dataloader'].dataset)


def _infos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def _written_configs(scaffold, only=None):
    """The written model configs (``only`` those names) loaded as the tools load them."""
    configs = [p for p in scaffold.written if not p.endswith('recipe.py') and '_base_' not in p]
    configs = [p for p in configs if only is None or osp.basename(p) in only]
    return {osp.basename(p): load_config(p) for p in configs}


def test_llvip_layout(tmp_path, single_thread):
    root = make_llvip(tmp_path / 'LLVIP')
    out = str(tmp_path / 'configs')
    opts = PairOptions(root, 'det', ['rgb', 'ir'], ['ir'], dirs=dict(rgb='visible', ir='infrared'))
    scaffold = new_pair(opts, out=out)
    names = sorted(osp.relpath(p, out) for p in scaffold.written)
    assert names == sorted([
        '_base_/llvip_rgb-ir.py', 'teacher_faster-rcnn-r50-fpn_rgb-ir_llvip.py',
        'baseline_faster-rcnn-r50-fpn_ir_llvip.py',
        'cmkd-mse_faster-rcnn-r50-fpn_rgb-ir-to-ir_llvip.py',
        'cmkd-adv_faster-rcnn-r50-fpn_rgb-ir-to-ir_llvip.py', 'recipe.py'
    ])
    configs = _written_configs(scaffold)
    teacher = configs['teacher_faster-rcnn-r50-fpn_rgb-ir_llvip.py']
    # The grey infrared JPEGs (3 equal channels) are read as one channel: 3 + 1 teacher channels.
    assert teacher.model.backbone.in_channels == 4
    assert teacher.model.roi_head.bbox_head.num_classes == 1
    student = configs['cmkd-adv_faster-rcnn-r50-fpn_rgb-ir-to-ir_llvip.py']
    assert student.model.architecture.backbone.in_channels == 1
    assert student.model.data_preprocessor.views == dict(student=['ir'], teacher=['rgb', 'ir'])
    assert any(h.type == 'ModalityStatsFromDataHook' for h in student.custom_hooks)
    # Training samples: the visible train files, each with its infrared partner and XML boxes.
    dataset = _build(teacher, 'train', 'mmdet')
    ids = sorted(osp.splitext(n)[0] for n in os.listdir(osp.join(root, 'visible', 'train')))
    assert [d['img_id'] for d in _infos(dataset)] == ids
    for info in _infos(dataset):
        assert info['modality_paths'] == {
            'rgb': osp.join(root, 'visible', 'train', info['img_id'] + '.jpg'),
            'ir': osp.join(root, 'infrared', 'train', info['img_id'] + '.jpg')
        }
        xml = ET.parse(osp.join(root, 'Annotations', info['img_id'] + '.xml')).getroot()
        assert len(info['instances']) == len(xml.findall('object'))
    sample = dataset[0]
    assert sample['inputs']['rgb'].shape[0] == 3 and sample['inputs']['ir'].shape[0] == 1
    # Validation and test read the test split (LLVIP has no val split).
    val = _build(teacher, 'val', 'mmdet')
    assert [d['img_id'] for d in _infos(val)] == SPLITS['test']
    assert teacher.test_dataloader == teacher.val_dataloader
    _coco_metric_of_ground_truth_is_one(teacher, val)
    # The recipe inherits the generic one and names every written config.
    recipe = Config.fromfile(osp.join(out, 'recipe.py'))
    assert list(recipe.stages) == ['teacher', 'baseline', 'student', 'cmkd_adv']
    assert recipe.prepare.check.type == 'CheckDataset'
    for stage in recipe.stages.values():
        assert osp.isfile(resolve_config_path(stage.config))
    assert recipe.stages.cmkd_adv.inputs == {'model.teacher_ckpt': 'teacher.best'}
    assert scaffold.command == f'python tools/run_recipe.py {osp.join(out, "recipe.py")}'


def _coco_metric_of_ground_truth_is_one(cfg, dataset):
    """The written evaluator scores the ground truth as a perfect prediction (mAP 1): the COCO
    metric reads the boxes the test samples carry, no json needed."""
    import torch
    from mmdet.registry import METRICS
    with DefaultScope.overwrite_default_scope('mmdet'):
        metric = METRICS.build(cfg.val_evaluator)
    metric.dataset_meta = dataset.metainfo
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        boxes = [inst['bbox'] for inst in sample.instances]
        out = sample.to_dict()
        out['pred_instances'] = dict(
            bboxes=torch.tensor(boxes, dtype=torch.float32),
            scores=torch.ones(len(boxes)),
            labels=torch.zeros(len(boxes), dtype=torch.long))
        metric.process({}, [out])
    assert metric.evaluate(len(dataset))['coco/bbox_mAP'] == pytest.approx(1.0)


def test_rgb_depth_segmentation(tmp_path, single_thread):
    root = make_rgbd(tmp_path / 'rgbd')
    opts = PairOptions(root, 'seg', ['rgb', 'depth'], ['depth'])
    with pytest.raises(ScaffoldError, match=r'class ids 0 .*, 1 .*, 2 .*--classes class0 class1'):
        plan_pair(opts)
    opts.classes = ['background', 'floor', 'person']
    scaffold = new_pair(opts, out=str(tmp_path / 'configs'))
    configs = _written_configs(scaffold)
    assert len(configs) == 4
    teacher = configs['teacher_fcn-r18_rgb-depth_rgbd.py']
    assert teacher.modalities == dict(
        rgb=dict(num_channels=3, bit_depth=8), depth=dict(num_channels=1, bit_depth=16))
    assert teacher.model.backbone.in_channels == 4
    dataset = _build(teacher, 'train', 'mmseg')
    with open(osp.join(root, 'train.txt')) as f:
        names = f.read().split()
    assert [osp.basename(d['seg_map_path']) for d in _infos(dataset)] == \
        [n + '.png' for n in names]
    assert [d['modality_paths'] for d in _infos(dataset)] == [
        dict(rgb=osp.join(root, 'rgb', n + '.png'), depth=osp.join(root, 'depth', n + '.png'))
        for n in names
    ]
    assert dataset.metainfo['classes'] == ('background', 'floor', 'person')
    sample = dataset[0]
    assert sample['inputs']['depth'].dtype.itemsize == 2  # 16-bit kept
    val = _build(teacher, 'val', 'mmseg')
    assert len(val) == 2


def test_chips_in_class_folders(tmp_path, single_thread):
    root = make_chips(tmp_path / 'chips')
    opts = PairOptions(root, 'cls', ['sar'], ['eo'])
    with pytest.raises(ScaffoldError, match='--val-split train'):
        plan_pair(opts)
    opts.val_split = 'train'
    scaffold = new_pair(opts, out=str(tmp_path / 'configs'))
    configs = _written_configs(scaffold)
    assert sorted(configs) == [
        'baseline_resnet34_eo_chips.py', 'kd1_resnet34_sar-to-eo_chips.py',
        'teacher_resnet34_sar_chips.py'
    ]
    kd = configs['kd1_resnet34_sar-to-eo_chips.py']
    assert kd.classes == tuple(sorted(CHIP_CLASSES))
    assert kd.model.architecture.backbone.in_channels == 3  # colour EO
    assert kd.model.teacher.backbone.in_channels == 1  # grey SAR
    dataset = _build(kd, 'train', 'mmpretrain')
    expected = []
    for label, cls in enumerate(sorted(CHIP_CLASSES)):
        for name in sorted(os.listdir(osp.join(root, 'sar', cls))):
            expected.append((label, osp.join(root, 'sar', cls,
                                             name), osp.join(root, 'eo', cls, name)))
    got = [(d['gt_label'], d['modality_paths']['sar'], d['modality_paths']['eo'])
           for d in _infos(dataset)]
    assert got == expected
    sample = dataset[0]
    assert tuple(sample['inputs']['sar'].shape) == (1, 16, 16)
    assert tuple(sample['inputs']['eo'].shape) == (3, 12, 12)
    recipe = Config.fromfile(osp.join(str(tmp_path / 'configs'), 'recipe.py'))
    # configs/recipes/pair_cls.py exists: the recipe inherits it, the KD1 student is its `student`
    assert list(recipe.stages) == ['teacher', 'baseline', 'student']
    assert recipe.stages.student.inputs == {'model.teacher_ckpt': 'teacher.best'}


def test_refusals(tmp_path):
    root = make_llvip(tmp_path / 'LLVIP')
    dirs = dict(rgb='visible', ir='infrared')
    # A modality name without its folder: the folders found and the --dirs to give.
    with pytest.raises(ScaffoldError, match=r'no folder .*/rgb.*--dirs rgb=visible ir=infrared'):
        plan_pair(PairOptions(root, 'det', ['rgb', 'ir'], ['ir']))
    # One infrared file in colour: the files disagree; --channels decides.
    cv2.imwrite(
        osp.join(root, 'infrared', 'train', '010002.jpg'),
        np.random.default_rng(3).integers(0, 256, (48, 64, 3), dtype=np.uint8))
    cv2.imwrite(osp.join(root, 'infrared', 'train', '010003.jpg'), np.zeros((48, 64), np.uint8))
    with pytest.raises(ScaffoldError, match=r'"ir": its files disagree .*--channels ir=1'):
        plan_pair(PairOptions(root, 'det', ['rgb', 'ir'], ['ir'], dirs=dirs))
    plan = plan_pair(
        PairOptions(root, 'det', ['rgb', 'ir'], ['ir'], dirs=dirs, channels=dict(ir=1)))
    assert plan.data.modalities['ir'] == dict(to_gray=True, num_channels=1, bit_depth=8)
    # A file without its partner: both paths named.
    os.remove(osp.join(root, 'infrared', 'test', '190002.jpg'))
    with pytest.raises(
            ScaffoldError,
            match=r'infrared/test/190002.jpg is missing \(its partner '
            r'.*visible/test/190002.jpg exists\)'):
        plan_pair(PairOptions(root, 'det', ['rgb', 'ir'], ['ir'], dirs=dirs, channels=dict(ir=1)))
    # No labels.
    for xml in glob.glob(osp.join(root, 'Annotations', '*.xml')):
        os.remove(xml)
    with pytest.raises(ScaffoldError, match='no labels found'):
        plan_pair(PairOptions(root, 'det', ['rgb', 'ir'], ['ir'], dirs=dirs, channels=dict(ir=1)))
    chips = make_chips(tmp_path / 'chips')
    for cls in CHIP_CLASSES:
        for name in os.listdir(osp.join(chips, 'eo', cls)):
            os.rename(osp.join(chips, 'eo', cls, name), osp.join(chips, 'eo', name))
        os.rmdir(osp.join(chips, 'eo', cls))
    with pytest.raises(ScaffoldError, match=r'no labels found: .*eo.* has no class folders'):
        plan_pair(PairOptions(chips, 'cls', ['sar'], ['eo'], val_split='train'))


def test_existing_files_need_force(tmp_path, capsys):
    root = make_llvip(tmp_path / 'LLVIP')
    out = str(tmp_path / 'configs')
    tool = load_tool('misc/new_pair.py')
    args = [
        root, '--task', 'det', '--teacher', 'rgb', 'ir', '--student', 'ir', '--dirs', 'rgb=visible',
        'ir=infrared', '--out', out, '--epochs', '3'
    ]
    assert tool.main(args) == 0
    printed = capsys.readouterr().out
    assert f'python tools/run_recipe.py {out}/recipe.py' in printed
    assert 'validation uses the test split' in printed
    leaf = osp.join(out, 'baseline_faster-rcnn-r50-fpn_ir_llvip.py')
    assert load_config(leaf).train_cfg.max_epochs == 3
    with open(leaf, 'w') as f:
        f.write('# edited\n')
    with pytest.raises(SystemExit) as exit_info:
        tool.main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert '6 file(s) exist' in err and leaf in err and '--force overwrites' in err
    with open(leaf) as f:
        assert f.read() == '# edited\n'  # nothing overwritten
    assert tool.main(args + ['--force']) == 0
    assert load_config(leaf).train_cfg.max_epochs == 3


def test_configs_in_the_repository_name_the_bases_relatively(tmp_path):
    root = make_llvip(tmp_path / 'LLVIP')
    out = osp.join(ROOT, 'configs', 'pairs', 'scaffold-probe')
    plan = plan_pair(
        PairOptions(root, 'det', ['rgb', 'ir'], ['ir'], dirs=dict(rgb='visible', ir='infrared')),
        out=out)
    leaf = osp.join(out, 'teacher_faster-rcnn-r50-fpn_rgb-ir_llvip.py')
    text = plan.files[leaf]
    assert "'../../_base_/methods/teacher_faster-rcnn-r50-fpn.py'" in text
    assert "'../../_base_/schedules/det_sgd_12e.py'" in text
    assert "_base_ = ['../../recipes/pair_det.py']" in plan.files[osp.join(out, 'recipe.py')]
    assert not osp.exists(out)  # planned, not written


def test_coco_json_labels(tmp_path, single_thread):
    root = make_llvip(tmp_path / 'coco')
    os.makedirs(osp.join(root, 'annotations'))
    for split, ids in SPLITS.items():
        images = [dict(id=k, file_name=i + '.jpg', width=64, height=48) for k, i in enumerate(ids)]
        anns = [
            dict(id=k, image_id=k, category_id=3, bbox=[4, 5, 8, 35], area=280, iscrowd=0)
            for k in range(len(ids))
        ]
        with open(osp.join(root, 'annotations', f'instances_{split}.json'), 'w') as f:
            json.dump(
                dict(images=images, annotations=anns, categories=[dict(id=3, name='person')]), f)
    dirs = dict(rgb='visible', ir='infrared')
    with pytest.raises(ScaffoldError, match='choose with --labels'):
        plan_pair(PairOptions(root, 'det', ['rgb', 'ir'], ['ir'], dirs=dirs))
    scaffold = new_pair(
        PairOptions(root, 'det', ['rgb', 'ir'], ['ir'], dirs=dirs, labels='annotations'),
        out=str(tmp_path / 'configs'))
    name = 'baseline_faster-rcnn-r50-fpn_ir_coco.py'
    cfg = _written_configs(scaffold, [name])[name]
    assert cfg.train_dataloader.dataset.type == 'MultiModalCocoDataset'
    assert cfg.val_evaluator.ann_file == root + '/annotations/instances_test.json'
    dataset = _build(cfg, 'train', 'mmdet')
    assert [d['sample'] for d in _infos(dataset)] == SPLITS['train']
