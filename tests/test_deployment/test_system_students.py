"""The five systems' students, extracted (NJUST-KMG's fine-tuned SAR model: published with its
config), predict through MultiModalInferencer what ``tools/test.py`` predicts on the same files
(the MFNet CMKD thermal and xView2 damage students are compared with the test dataset's batches
in tests/test_apis/test_multimodal_inferencer.py)."""
import os.path as osp

import numpy as np
import pytest

from cmkd_mm.apis import MultiModalInferencer
from cmkd_mm.deployment import extract_student
from cmkd_mm.utils.config import load_config
from ..conftest import ROOT, _offline_tiny_model
from .test_plain_config import cmkd_mm_predictions, distilled_student, student_files

STUDENTS = {
    'stf': ('configs/detection/cmkd-adv_faster-rcnn-r18-fpn_rgb-gated-to-rgb_stf_demo.py',
            'stf_demo_root', {
                'model.architecture.test_cfg.rcnn.score_thr': 0.0,
                'test_dataloader.dataset.ann_file': 'annotations/test_night.json'
            }),
    'cekd': ('configs/segmentation/cekd_cenet-to-eknet-r18_rgb-thermal-to-thermal_mfnet_demo.py',
             'mfnet_demo_root', None),
    'ntire2021': ('configs/classification/ntire2021/kd1_resnet18_sar-to-eo_mavoc2021_demo.py',
                  'mavoc_demo_root', None),
    'xview2-loc':
    ('configs/building_damage/loc-kd_unet-r18_pre_xview2_demo.py', 'xview2_demo_root', None),
}


@pytest.mark.parametrize('system', list(STUDENTS))
def test_system_student_in_multimodal_inferencer(system, request, tmp_path):
    config, root, options = STUDENTS[system]
    root = request.getfixturevalue(root)
    cfg_file, ckpt = distilled_student(config, root, str(tmp_path), options)
    if system == 'stf':  # the COCO metric reads the demo's own annotation file
        cfg = load_config(cfg_file)
        cfg.test_evaluator.ann_file = osp.join(root, 'annotations', 'test_night.json')
        cfg.dump(cfg_file)
    written = extract_student(cfg_file, ckpt, str(tmp_path / 'student.pth'))
    assert written.plain_config is None and written.why_not_plain
    student = load_config(written.config)
    (modality, ) = student.student_inputs
    want = cmkd_mm_predictions(written.config, written.checkpoint, str(tmp_path))
    files = student_files(written.config, modality)
    samples = sorted(want)[:3]
    inferencer = MultiModalInferencer(written.config, written.checkpoint, device='cpu')
    got = inferencer([{modality: files[s]} for s in samples], return_datasamples=True)
    got = got['predictions'] if isinstance(got, dict) else got
    assert len(got) == len(samples) > 0
    for sample, pred in zip(samples, got):
        ref = want[sample]
        if 'pred_instances' in ref:
            ref_scores = np.asarray(ref['pred_instances']['scores'])
            assert len(ref_scores) > 10
            np.testing.assert_allclose(
                pred.pred_instances.bboxes.numpy(),
                np.asarray(ref['pred_instances']['bboxes']),
                atol=1e-4)
            scores = pred.pred_instances.scores.numpy()
            assert pred.metainfo['ori_shape'] == tuple(ref['ori_shape'])
        elif 'seg_logits' in ref:
            ref_scores = np.asarray(ref['seg_logits']['data'])
            scores = pred.seg_logits.data.numpy()
        else:
            ref_scores, scores = np.asarray(ref['pred_score']), pred.pred_score.numpy()
        assert np.abs(scores - ref_scores).max() <= 1e-5, files[sample]


def test_njust_kmg_sar_model_in_multimodal_inferencer(mavoc2024_demo_root, tmp_path):
    """NJUST-KMG deploys its fine-tuned SAR model (a plain config, not a distillation one):
    published with its config, it predicts through MultiModalInferencer what tools/test.py
    predicts."""
    import torch
    from mmengine.registry import MODELS, init_default_scope

    from cmkd_mm.zoo import publish_checkpoint
    config = 'configs/classification/njust-kmg/finetune-full_resnet18_sar_mavoc2024.py'
    cfg = load_config(osp.join(ROOT, config))
    cfg.test_dataloader.dataset.data_root = mavoc2024_demo_root
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False, batch_size=1)
    _offline_tiny_model(cfg.model)
    cfg_file = str(tmp_path / 'sar.py')
    cfg.dump(cfg_file)
    init_default_scope(cfg.default_scope)
    torch.manual_seed(0)
    ckpt = str(tmp_path / 'sar_raw.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict(), meta={}), ckpt)
    published = publish_checkpoint(ckpt, str(tmp_path / 'sar'), config=cfg_file)
    written = published.configs
    assert written.plain_config is None and 'LogitClsHead' in written.why_not_plain
    want = cmkd_mm_predictions(written.config, written.checkpoint, str(tmp_path))
    files = student_files(written.config, 'sar')
    samples = sorted(want)[:3]
    inferencer = MultiModalInferencer(written.config, written.checkpoint, device='cpu')
    got = inferencer([files[s] for s in samples], return_datasamples=True)
    got = got['predictions'] if isinstance(got, dict) else got
    assert len(got) == len(samples) > 0
    for sample, pred in zip(samples, got):
        ref = np.asarray(want[sample]['pred_score'])
        assert np.abs(pred.pred_score.numpy() - ref).max() <= 1e-5, files[sample]
