"""The extracted student runs in the downstream library's own inferencer without cmkd_mm.

(and in mmdet's ``init_detector`` + ``inference_detector``, mmseg's ``init_model`` +
``inference_model``.)

Each plain case extracts a student (random weights, measured statistics) from a pair example's
distillation config, predicts with cmkd_mm's ``tools/test.py --out`` on the test split, then runs
``DetInferencer`` / ``MMSegInferencer`` / ``ImageClassificationInferencer`` on the plain config
in a subprocess where ``import cmkd_mm`` fails, on the same image files, and compares the scores.
"""
import json
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.registry import MODELS, init_default_scope

from cmkd_mm.deployment import NotPlainError, extract_student, plain_config
from cmkd_mm.deployment.plain_config import pipeline_steps, student_modality
from cmkd_mm.utils.config import load_config, student_config
from ..conftest import ROOT, _offline_tiny_model, load_tool

LLVIP = 'configs/pairs/llvip/cmkd-adv_faster-rcnn-r50-fpn_rgb-ir-to-ir_llvip.py'
RGBD = 'configs/pairs/rgbd/cmkd-mse-cwd_fcn-r18_rgb-depth-to-depth_rgbd.py'
SHIPS = 'configs/pairs/ships/kd1_resnet34_sar-eo-to-sar_ships.py'

# Runs the plain config where cmkd_mm cannot be imported. mmpretrain 1.2 imports torchvision,
# which this CPU torch has no build of: the environment's stand-in module is loaded from its
# file (not as part of cmkd_mm) only when torchvision is missing.
DOWNSTREAM = r'''
import importlib.util, json, pickle, sys
sys.modules['cmkd_mm'] = None
try:
    import cmkd_mm  # noqa
    raise SystemExit('cmkd_mm is importable')
except ImportError:
    pass
if importlib.util.find_spec('torchvision') is None:
    spec = importlib.util.spec_from_file_location('torchvision_stand_in', sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.install_torchvision_stub()
config, weights, library, images, out = sys.argv[2:7]
images = json.loads(images)
if library == 'mmdet':
    from mmdet.apis import DetInferencer, inference_detector, init_detector
    preds = DetInferencer(config, weights, device='cpu', show_progress=False)(
        images, return_datasamples=True)['predictions']
    res = [dict(scores=p.pred_instances.scores.numpy(), bboxes=p.pred_instances.bboxes.numpy(),
                labels=p.pred_instances.labels.numpy()) for p in preds]
    model = init_detector(config, weights, device='cpu')
    for r, image in zip(res, images):
        r['scores_apis'] = inference_detector(model, image).pred_instances.scores.numpy()
elif library == 'mmseg':
    from mmseg.apis import MMSegInferencer, inference_model, init_model
    preds = MMSegInferencer(config, weights, device='cpu')(images, return_datasamples=True)
    res = [dict(scores=p.seg_logits.data.numpy()) for p in preds]
    model = init_model(config, weights, device='cpu')
    for r, image in zip(res, images):
        r['scores_apis'] = inference_model(model, image).seg_logits.data.numpy()
else:
    from mmpretrain.apis import ImageClassificationInferencer
    preds = ImageClassificationInferencer(config, weights, device='cpu')(
        images, return_datasamples=True)
    res = [dict(scores=p.pred_score.numpy()) for p in preds]
with open(out, 'wb') as f:
    pickle.dump(res, f)
'''

DEMO_DETECTOR = {  # the demo-size detector of configs/_base_/stf_demo.py
    'backbone.depth': 18,
    'backbone.base_channels': 16,
    'neck.in_channels': [16, 32, 64, 128],
    'neck.out_channels': 64,
    'rpn_head.in_channels': 64,
    'rpn_head.feat_channels': 64,
    'roi_head.bbox_roi_extractor.out_channels': 64,
    'roi_head.bbox_head.in_channels': 64,
    'roi_head.bbox_head.fc_out_channels': 256,
    'test_cfg.rcnn.score_thr': 0.0,  # a random detector: compare many boxes
}


def distilled_student(config, data_root, work_dir, options=None, stats_seed=0):
    """A distillation config on ``data_root`` and a checkpoint of it holding a randomly
    initialised student and measured ('auto') statistics."""
    cfg = load_config(osp.join(ROOT, config), options)
    for split in ('train', 'val', 'test'):
        if cfg.get(f'{split}_dataloader'):
            cfg[f'{split}_dataloader'].dataset.data_root = data_root
            cfg[f'{split}_dataloader'].num_workers = 0
            cfg[f'{split}_dataloader'].persistent_workers = False
            cfg[f'{split}_dataloader'].batch_size = 1
            if cfg[f'{split}_dataloader'].dataset.get('expect_size'):  # xView2's 1024 px tiles
                cfg[f'{split}_dataloader'].dataset.expect_size = None
    cfg.model.teacher_ckpt = None
    _offline_tiny_model(cfg.model)
    init_default_scope(cfg.default_scope)
    torch.manual_seed(stats_seed)
    student = MODELS.build(student_config(cfg).model)
    state = {f'architecture.{k}': v for k, v in student.state_dict().items()}
    specs = cfg.test_dataloader.dataset.pipeline[0]['modalities']
    for name, stats in cfg.model.data_preprocessor.modalities.items():
        if stats == 'auto':
            spec = specs[name]
            gray = spec.get('to_gray')
            channels = spec.get('num_channels') or (1 if gray is True else gray) or len(
                spec.get('channels') or [0, 1, 2])
            state[f'data_preprocessor.{name}_mean'] = torch.rand(channels, 1, 1) * 100
            state[f'data_preprocessor.{name}_std'] = torch.rand(channels, 1, 1) * 30 + 20
    cfg_file, ckpt = osp.join(work_dir, 'distill.py'), osp.join(work_dir, 'distill.pth')
    cfg.dump(cfg_file)
    torch.save(dict(state_dict=state, meta=dict(seed=stats_seed)), ckpt)
    return cfg_file, ckpt


def cmkd_mm_predictions(student_cfg, weights, work_dir):
    """``tools/test.py --out`` predictions, by image file."""
    out = osp.join(work_dir, 'test.pkl')
    load_tool('test.py').main(
        [student_cfg, weights, '--out', out, '--work-dir',
         osp.join(work_dir, 'test')])
    with open(out, 'rb') as f:
        return {r['img_path']: r for r in pickle.load(f)}


def student_files(student_cfg, modality):
    """``img_path`` of each test sample (the reference modality's file, as tools/test.py
    reports it) -> the file of the student's modality."""
    from mmengine.registry import DATASETS
    cfg = load_config(student_cfg)
    init_default_scope(cfg.default_scope)
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, pipeline=[]))
    load = cfg.test_dataloader.dataset.pipeline[0]
    ref = load.get('ref_modality') or next(iter(load['modalities']))
    return {
        s['modality_paths'][ref]: s['modality_paths'][modality]
        for s in (dataset.get_data_info(i) for i in range(len(dataset)))
    }


def downstream_predictions(plain_cfg, weights, library, images, work_dir):
    out = osp.join(work_dir, 'downstream.pkl')
    stand_in = osp.join(ROOT, 'cmkd_mm', 'compat', 'torchvision_stub.py')
    subprocess.run([
        sys.executable, '-c', DOWNSTREAM, stand_in, plain_cfg, weights, library,
        json.dumps(images), out
    ],
                   check=True,
                   cwd=work_dir,
                   capture_output=True)
    with open(out, 'rb') as f:
        return pickle.load(f)


@pytest.mark.parametrize('case', ['det', 'seg', 'cls'])
def test_plain_student_matches_tools_test(case, llvip_demo_root, rgbd_demo_root, ships_demo_root,
                                          tmp_path):
    if case == 'det':  # LLVIP's infrared read as the 3 channels its JPEGs hold
        config, root, library = LLVIP, llvip_demo_root, 'mmdet'
        options = {f'model.architecture.{k}': v for k, v in DEMO_DETECTOR.items()}
        options.update({
            'modalities.ir': dict(_delete_=True, num_channels=3, bit_depth=8),
            'test_dataloader.dataset.pipeline.2.scale': (160, 128)
        })
    elif case == 'seg':  # 16-bit depth PNGs
        config, root, library, options = RGBD, rgbd_demo_root, 'mmseg', None
    else:  # 8-bit grey SAR chips in class folders
        config, root, library, options = SHIPS, ships_demo_root, 'mmpretrain', None
    cfg_file, ckpt = distilled_student(config, root, str(tmp_path), options)
    written = extract_student(cfg_file, ckpt, str(tmp_path / 'student.pth'))
    assert written.why_not_plain is None
    assert written.plain_config == str(tmp_path / f'student_{library}.py')
    text = open(written.plain_config).read()
    assert 'cmkd_mm' not in text and 'LoadModalities' not in text

    want = cmkd_mm_predictions(written.config, written.checkpoint, str(tmp_path))
    files = student_files(written.config, *load_config(written.plain_config).student_inputs)
    samples = sorted(want)
    got = downstream_predictions(written.plain_config, written.checkpoint, library,
                                 [files[s] for s in samples], str(tmp_path))
    assert len(got) == len(samples) > 0
    for sample, pred in zip(samples, got):
        ref = want[sample]
        if library == 'mmdet':
            ref = {k: np.asarray(ref['pred_instances'][k]) for k in ('scores', 'bboxes', 'labels')}
            assert len(pred['scores']) == len(ref['scores']) > 10
            np.testing.assert_allclose(pred['bboxes'], ref['bboxes'], atol=1e-4)
            np.testing.assert_array_equal(pred['labels'], ref['labels'])
        elif library == 'mmseg':
            ref = dict(scores=np.asarray(ref['seg_logits']['data']))
        else:
            ref = dict(scores=np.asarray(ref['pred_score']))
        assert np.abs(pred['scores'] - ref['scores']).max() <= 1e-5, files[sample]
        if 'scores_apis' in pred:  # init_detector + inference_detector, mmseg's init_model + ...
            assert np.abs(pred['scores_apis'] - ref['scores']).max() <= 1e-5, files[sample]


def _measured(config, options=None):
    """A student config (a distillation config's student, or a plain model's config) with
    statistics in place of 'auto'."""
    cfg = load_config(osp.join(ROOT, config), options)
    cfg = student_config(cfg) if 'architecture' in cfg.model else cfg
    for name, stats in cfg.model.data_preprocessor.modalities.items():
        if stats == 'auto':
            cfg.model.data_preprocessor.modalities[name] = dict(mean=[100.0], std=[50.0])
    return cfg


@pytest.mark.parametrize(
    'config, why', [
        ('configs/detection/cmkd-adv_faster-rcnn-r18-fpn_rgb-gated-to-rgb_stf_demo.py',
         r'"rgb" is resampled onto the label frame of another camera \(RegisterModalities'),
        ('configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py',
         r'"thermal" reads channel\(s\) \[3\] of its file'),
        ('configs/segmentation/cekd_cenet-to-eknet-r18_rgb-thermal-to-thermal_mfnet_demo.py',
         r"the student model uses cmkd_mm's EnhancedEncoderDecoder"),
        ('configs/classification/ntire2021/kd1_resnet18_sar-to-eo_mavoc2021_demo.py',
         r'"eo" is read with to_gray=True: colour files become grey'),
        ('configs/classification/njust-kmg/finetune-full_resnet18_sar_mavoc2024.py',
         r"the student model uses cmkd_mm's LogitClsHead"),
        ('configs/building_damage/loc-kd_unet-r18_pre_xview2_demo.py',
         r"the student model uses cmkd_mm's .*UNetResNet"),
        ('configs/building_damage/damage-kd_unet-r18_pre-post_xview2_demo.py',
         r"the student model uses cmkd_mm's SiameseEncoderDecoder"),
        (LLVIP, r'"ir" is read with to_gray=True'),
    ],
    ids=[
        'stf', 'mfnet-cmkd', 'cekd', 'ntire2021', 'njust-kmg', 'xview2-loc', 'xview2-damage',
        'llvip'
    ])
def test_why_a_student_is_not_plain(config, why):
    with pytest.raises(NotPlainError, match=why):
        plain_config(_measured(config))


def test_reasons_behind_the_first():
    """What else keeps a student from a plain config, with the model's classes set aside."""
    damage = _measured('configs/building_damage/damage-kd_unet-r18_pre-post_xview2_demo.py')
    with pytest.raises(NotPlainError, match=r'reads 2 modalities per sample \(pre, post\)'):
        student_modality(damage)
    njust = _measured('configs/classification/njust-kmg/finetune-full_resnet18_sar_mavoc2024.py')
    with pytest.raises(NotPlainError, match=r'"sar" is read with to_gray=3'):
        pipeline_steps(njust, 'sar', dict(to_gray=3, bit_depth=8), 'mmpretrain')
    with pytest.raises(NotPlainError, match="ImageClassificationInferencer reads 8-bit colour"):
        pipeline_steps(njust, 'sar', dict(num_channels=3, bit_depth=16), 'mmpretrain')


def test_plain_pipeline_follows_the_student_spec():
    """16-bit grey read unchanged; colour channels 0-2 of an RGBA file through the colour
    loader with BGR swapped back; one value for 3 channels spread over them."""
    cfg = _measured(RGBD)
    plain = plain_config(cfg)
    assert plain.test_pipeline[0] == dict(type='LoadImageFromFile', color_type='unchanged')
    assert plain.model.data_preprocessor.type == 'SegDataPreProcessor'
    assert 'bgr_to_rgb' not in plain.model.data_preprocessor
    assert plain.student_inputs == dict(depth=dict(num_channels=1, bit_depth=16))

    mfnet_rgb = _measured('configs/demo/baseline_fcn-r18_thermal_mfnet_demo.py', {
        'model.data_preprocessor.views.student': ['rgb'],
        'model.backbone.in_channels': 3
    })
    plain = plain_config(mfnet_rgb)
    assert plain.test_pipeline[0] == dict(type='LoadImageFromFile', color_type='color')
    preprocessor = plain.model.data_preprocessor
    assert preprocessor.bgr_to_rgb is True and preprocessor.mean == [123.675, 116.28, 103.53]
    assert [t['type'] for t in plain.test_pipeline] == ['LoadImageFromFile', 'PackSegInputs']
