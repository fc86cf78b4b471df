"""ONNX export of Faster R-CNN (cmkd_mm.deployment.detector_onnx, tools/deployment/pytorch2onnx.py):
onnxruntime's detections against mmdet's own ``predict`` on the demo images and on random
images, RoiAlign against mmcv's, the empty result, the command line and what is refused."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import DATASETS, MODELS, DefaultScope

from cmkd_mm.deployment import (NormalizedDetector, NormalizedModel, export_onnx, load_deployable,
                                postprocess_detections)
from cmkd_mm.deployment.onnx_export import onnx_session, random_view
from cmkd_mm.utils.config import load_config
from ..conftest import ROOT, load_tool

DET = osp.join(ROOT, 'configs', 'detection')
BASELINE = osp.join(DET, 'baseline_faster-rcnn-r18-fpn_rgb_stf_demo.py')
CMKD_ADV = osp.join(DET, 'cmkd-adv_faster-rcnn-r18-fpn_rgb-gated-to-rgb_stf_demo.py')
LLVIP = osp.join(ROOT, 'configs', 'pairs', 'llvip', 'baseline_faster-rcnn-r50-fpn_ir_llvip.py')
STF_DEMO = osp.join(ROOT, 'configs', '_base_', 'stf_demo.py')


def _iou(a, b):
    """IoU matrix of x1y1x2y2 boxes, written out here as the test's own reference."""
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    union = area(a)[:, None] + area(b)[None] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.)


def _assert_same_detections(expected, got, score_thr):
    """Every detection above ``score_thr`` on either side pairs with one of the other side of
    the same label, IoU >= 0.99 and scores within 1e-4."""
    for a, b in ((expected, got), (got, expected)):
        iou = _iou(a['bboxes'], b['bboxes'])
        for i in np.flatnonzero(a['scores'] > score_thr):
            ok = (a['labels'][i] == b['labels']) & (iou[i] >= 0.99) & \
                (np.abs(a['scores'][i] - b['scores']) <= 1e-4)
            assert ok.any(), f'detection {i} ({a["bboxes"][i]}, {a["scores"][i]}) unmatched'


def _mmdet(model, data):
    """mmdet's own preprocessing and ``predict`` (``rescale=True``) on packed samples."""
    with torch.no_grad():
        results = model.test_step(pseudo_collate(data))
    return [{
        k: r.pred_instances[k].numpy()
        for k in ('bboxes', 'scores', 'labels')
    } for r in results]


def test_distilled_student_on_the_demo_images(stf_demo_root, tmp_path):
    """The CMKD-Adv student (weights from a distillation checkpoint) on the STF demo frames."""
    cfg = load_config(CMKD_ADV)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmrazor'):
        algorithm = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'cmkd_adv.pth')
    torch.save(dict(state_dict=algorithm.state_dict()), ckpt)
    model, student_cfg = load_deployable(CMKD_ADV, ckpt)
    model.roi_head.test_cfg.score_thr = 0.01  # random weights: many low-scored boxes
    wrapped = NormalizedDetector(model)
    assert wrapped.modalities == [('rgb', 3)] and wrapped.rcnn_cfg['score_thr'] == 0.01
    samples = []
    for split in ('val', 'test'):
        dataset = student_cfg[f'{split}_dataloader'].dataset
        dataset.data_root = stf_demo_root
        with DefaultScope.overwrite_default_scope('mmdet'):
            samples += list(DATASETS.build(dataset))
    shape = tuple(samples[0]['data_samples'].img_shape)
    assert shape == (180, 320)  # not a multiple of 32: the graph pads like the preprocessor
    path = export_onnx(wrapped, str(tmp_path / 'student.onnx'), shape)
    session = onnx_session(path)
    expected = _mmdet(model, samples)
    for sample, reference in zip(samples, expected):
        image = sample['inputs']['rgb'][None].float().numpy()
        got = postprocess_detections(
            session.run(None, {'input': image}), sample['data_samples'].scale_factor)
        assert len(reference['scores']) >= 20  # dozens of boxes compared
        _assert_same_detections(reference, got, 0.01)


def test_random_images_and_no_detection(tmp_path):
    """Random raw images; then a score threshold that no box passes gives empty outputs."""
    torch.manual_seed(1)
    model, _ = load_deployable(BASELINE)
    model.roi_head.test_cfg.score_thr = 0.
    wrapped = NormalizedDetector(model)
    path = export_onnx(wrapped, str(tmp_path / 'det.onnx'), (100, 150))
    session = onnx_session(path)
    from mmdet.structures import DetDataSample
    for seed in range(2):
        image = random_view(wrapped, (100, 150), seed=seed)[0]
        sample = DetDataSample(
            metainfo=dict(img_shape=(100, 150), ori_shape=(100, 150), scale_factor=(1., 1.)))
        reference = _mmdet(model, [dict(inputs=dict(rgb=image), data_samples=sample)])[0]
        got = postprocess_detections(session.run(None, {'input': image[None].numpy()}))
        assert len(reference['scores']) == model.roi_head.test_cfg.max_per_img
        _assert_same_detections(reference, got, 0.)
        assert got['bboxes'][:, 2].max() <= 150 and got['bboxes'][:, 3].max() <= 100
    model.roi_head.test_cfg.score_thr = 1.
    path = export_onnx(NormalizedDetector(model), str(tmp_path / 'none.onnx'), (100, 150))
    boxes, scores, labels = onnx_session(path).run(None, {'input': image[None].numpy()})
    assert boxes.shape == (0, 4) and scores.shape == (0, ) and labels.shape == (0, )


def test_traced_on_an_image_without_detections(tmp_path):
    """The graph does not keep what the traced image found: traced on a flat image whose boxes
    all score below the threshold, it still detects on other images (a trained detector finds
    nothing on the random image that ``export_onnx`` traces by default)."""
    torch.manual_seed(1)
    model, _ = load_deployable(BASELINE)
    model.roi_head.test_cfg.score_thr = 0.
    wrapped = NormalizedDetector(model)
    flat = wrapped.mean.expand(1, 3, 100, 150).clone()
    image = random_view(wrapped, (100, 150), seed=0)
    from cmkd_mm.deployment import mmdet_detections
    threshold = float(mmdet_detections(wrapped, flat)['scores'].max()) + 1e-3
    model.roi_head.test_cfg.score_thr = threshold
    wrapped = NormalizedDetector(model)
    assert len(mmdet_detections(wrapped, flat)['scores']) == 0
    reference = mmdet_detections(wrapped, image)
    assert len(reference['scores']) >= 20
    path = export_onnx(wrapped, str(tmp_path / 'det.onnx'), (100, 150), sample=flat)
    session = onnx_session(path)
    assert len(session.run(None, {'input': flat.numpy()})[1]) == 0
    got = postprocess_detections(session.run(None, {'input': image.numpy()}))
    _assert_same_detections(reference, got, threshold)


@pytest.mark.parametrize('sampling_ratio', [0, 2])
def test_roi_align_matches_mmcv(tmp_path, sampling_ratio):
    """ONNX RoiAlign (opset 16, half_pixel) == mmcv's aligned RoIAlign, tiny and outside RoIs
    included."""
    from mmcv.ops import roi_align

    from cmkd_mm.deployment.detector_onnx import _RoIAlign
    gen = torch.Generator().manual_seed(0)
    feat = torch.randn(1, 4, 20, 30, generator=gen)
    xy = torch.rand(64, 2, generator=gen) * 140 - 10
    boxes = torch.cat([xy, xy + torch.rand(64, 2, generator=gen)**3 * 80], 1)

    class Pool(torch.nn.Module):

        def forward(self, feat, boxes):
            inds = torch.zeros(boxes.shape[0], dtype=torch.long)
            return _RoIAlign.apply(feat, boxes, inds, (7, 7), 0.25, sampling_ratio, True)

    path = str(tmp_path / 'roi_align.onnx')
    torch.onnx.export(
        Pool(), (feat, boxes),
        path,
        input_names=['feat', 'boxes'],
        opset_version=16,
        dynamic_axes=dict(boxes={0: 'n'}),
        dynamo=False)
    got = onnx_session(path).run(None, dict(feat=feat.numpy(), boxes=boxes[:50].numpy()))[0]
    rois = torch.cat([torch.zeros(50, 1), boxes[:50]], 1)
    expected = roi_align(feat, rois, 7, 0.25, sampling_ratio, 'avg', True).numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_what_is_refused(tmp_path):
    model, _ = load_deployable(BASELINE)
    with pytest.raises(TypeError, match='NormalizedDetector'):
        NormalizedModel(model)
    wrapped = NormalizedDetector(model)
    with pytest.raises(ValueError, match='one input size'):
        export_onnx(wrapped, str(tmp_path / 'a.onnx'), (64, 64), dynamic_shape=True)
    with pytest.raises(ValueError, match='opset >= 16'):
        export_onnx(wrapped, str(tmp_path / 'b.onnx'), (64, 64), opset=13)
    model.roi_head.test_cfg.nms = dict(type='soft_nms', iou_threshold=0.5)
    with pytest.raises(NotImplementedError, match='test_cfg.rcnn.nms'):
        NormalizedDetector(model)(random_view(wrapped, (64, 64)))
    model.roi_head.mask_head = torch.nn.Identity()  # a Mask R-CNN: its masks are not exported
    with pytest.raises(NotImplementedError, match='only Faster R-CNN'):
        NormalizedDetector(model)


def test_command_line_on_a_pair_config(tmp_path, capsys):
    """The LLVIP pair baseline with the demo detector (one infrared channel, measured statistics
    saved in the checkpoint): the tool exports it and checks onnxruntime against mmdet."""
    config = tmp_path / 'llvip_demo_baseline.py'
    config.write_text(f'_base_ = [{LLVIP!r}, {STF_DEMO!r}]\nmodel = _base_.demo_detector\n')
    torch.manual_seed(0)
    model, _ = load_deployable(str(config))
    model.data_preprocessor.set_stats('ir', [60.], [30.])
    ckpt = str(tmp_path / 'llvip.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    out = str(tmp_path / 'llvip.onnx')
    tool = load_tool('deployment/pytorch2onnx.py')
    result = tool.main([
        str(config), ckpt, '--output-file', out, '--shape', '128', '160', '--cfg-options',
        'model.test_cfg.rcnn.score_thr=0.'
    ])
    printed = capsys.readouterr().out
    assert f'{out}: detection model' in printed and 'ir (1 ch)' in printed
    assert 'detections paired' in printed
    assert result['matched'] == result['num_reference'] == result['num_other'] > 20
    assert result['max_score_diff'] <= 1e-4 and result['min_iou'] >= 0.99
    # nothing above the threshold on the random image: a copy with score_thr 0 is compared
    result = tool.main([
        str(config), ckpt, '--output-file', out, '--shape', '128', '160', '--cfg-options',
        'model.test_cfg.rcnn.score_thr=0.999'
    ])
    assert 'none above score_thr 0.999: a copy of the graph' in capsys.readouterr().out
    assert result['matched'] == result['num_reference'] == result['num_other'] > 20
