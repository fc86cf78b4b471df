"""ONNX export of a two-stage detector (Faster R-CNN): one graph from the raw image to the boxes.

:class:`NormalizedDetector` wraps an mmdet ``TwoStageDetector`` (``RPNHead`` + bbox-only
``StandardRoIHead``, the detectors of this project) so that the graph takes the raw view, one
image ``(1, C, H, W)`` in native units (normalised inside, as :class:`NormalizedModel` does for
segmentors and classifiers), and returns its detections in the frame of that image:

* ``boxes`` ``(K, 4)`` float32 ``x1, y1, x2, y2``, ``scores`` ``(K,)`` float32, ``labels``
  ``(K,)`` int64, best first; ``K`` varies with the image (at most ``rcnn.max_per_img``).

Everything mmdet's ``predict`` does runs inside the graph, on standard ONNX operators:

1. normalisation, then zero padding (in normalised units) to the preprocessor's
   ``pad_size_divisor``, like the data preprocessor;
2. backbone, neck and RPN head; anchors of the traced size are constants of the graph;
3. proposals: per level the ``rpn.nms_pre`` best sigmoid scores (``TopK``), mmdet's own
   ``delta2bbox`` clipped to the image, boxes no wider or taller than ``rpn.min_bbox_size``
   dropped, NMS per level (``NonMaxSuppression`` on boxes offset by level, as mmcv's
   ``batched_nms``), the first ``rpn.max_per_img``;
4. RoI features: each proposal's FPN level (mmdet's ``map_roi_levels``), ``RoiAlign`` of opset
   16 with ``half_pixel`` coordinates (mmcv's ``aligned=True``; the adaptive
   ``sampling_ratio=0`` of the config is ONNX's too) of every proposal on every level, and the
   proposal's level kept: the pooling work of mmdet times the number of levels, but no
   scatter;
5. box head, softmax, ``delta2bbox`` per class, ``rcnn.score_thr``, class-wise NMS (offset by
   label, as mmcv), the first ``rcnn.max_per_img``.

The test-time settings are read from the model's ``test_cfg`` when the wrapper is built, so
``--cfg-options model.test_cfg.rcnn.score_thr=...`` changes the exported graph. In PyTorch the
same wrapper runs mmcv's ``nms`` and ``roi_align``, which is what the graph is traced from; no
step branches on what the traced image finds (a trained detector finds nothing on the random
image :func:`export_onnx` traces), so the graph holds for any image. One graph was chosen over a
backbone graph plus proposals in numpy plus an RoI-head graph: ONNX has both operators with
mmcv's arithmetic (onnxruntime's RoiAlign matches mmcv's to float rounding), so splitting would
add a second file and numpy code without gaining exactness.

:func:`mmdet_detections` runs mmdet's own ``predict`` (the model's data preprocessor included)
on the same raw image, :func:`match_detections` pairs two sets of detections and
:func:`onnx_detection_diff` does both against onnxruntime, as ``pytorch2onnx.py`` checks.

:func:`postprocess_detections` (numpy) takes onnxruntime's outputs back to the original image
frame, multiplying by ``1 / scale_factor`` as mmdet's ``rescale=True``. mmdet rescales before
its last NMS, the graph after it: the two agree except for a pair of boxes whose IoU lies within
float rounding of the threshold. The image must have the traced size (the size after the test
pipeline's resize): the graph is not dynamic in height and width, and takes one image per run.

mmdeploy 1.3.1 is not used: on torch 2.13 its ``torch2onnx`` runs only with two patches of
torch (``torch.onnx.export`` defaults to the ``dynamo`` exporter, which needs ``onnxscript``;
its RoIAlign rewrite imports ``symbolic_opset9._cast_Long``, removed from torch), its pipeline
builder cannot load named modalities, and its graph clips boxes to the padded input instead of
the image and replaces mmdet's post-processing (score threshold, NMS, top-k) with its own.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .onnx_export import NormalizedModel, onnx_session

OUTPUT_NAMES = ('boxes', 'scores', 'labels')


class _RoIAlign(torch.autograd.Function):
    """mmcv's ``roi_align`` (avg) in PyTorch, ONNX ``RoiAlign`` (opset 16) in the graph."""

    @staticmethod
    def forward(ctx, feat, boxes, batch_inds, output_size, spatial_scale, sampling_ratio, aligned):
        from mmcv.ops import roi_align
        rois = torch.cat([batch_inds[:, None].to(boxes), boxes], 1)
        return roi_align(feat, rois, output_size, spatial_scale, sampling_ratio, 'avg', aligned)

    @staticmethod
    def symbolic(g, feat, boxes, batch_inds, output_size, spatial_scale, sampling_ratio, aligned):
        return g.op(
            'RoiAlign',
            feat,
            boxes,
            batch_inds,
            output_height_i=output_size[0],
            output_width_i=output_size[1],
            spatial_scale_f=spatial_scale,
            sampling_ratio_i=max(0, sampling_ratio),
            mode_s='avg',
            coordinate_transformation_mode_s='half_pixel' if aligned else 'output_half_pixel')


class _NMS(torch.autograd.Function):
    """Indices kept by greedy NMS, best first: mmcv's ``nms`` / ONNX ``NonMaxSuppression``."""

    @staticmethod
    def forward(ctx, boxes, scores, iou_threshold, max_num):
        from mmcv.ops import nms
        if boxes.shape[0] == 0:  # not traced: the graph is the symbolic below
            return boxes.new_zeros(0, dtype=torch.long)
        _, keep = nms(boxes, scores, iou_threshold)
        return keep[:max_num]

    @staticmethod
    def symbolic(g, boxes, scores, iou_threshold, max_num):

        def const(value, dtype):
            return g.op('Constant', value_t=torch.tensor(value, dtype=dtype))

        selected = g.op('NonMaxSuppression', g.op('Unsqueeze', boxes, const([0], torch.long)),
                        g.op('Unsqueeze', scores, const([0, 1], torch.long)),
                        const([max_num], torch.long), const([iou_threshold], torch.float))
        return g.op('Gather', selected, const(2, torch.long), axis_i=1)  # (class 0, box)


def _batched_nms(boxes: torch.Tensor, scores: torch.Tensor, groups: torch.Tensor, nms_cfg: dict,
                 max_num: int, where: str) -> torch.Tensor:
    """Kept indices of NMS within each group, best first, as mmcv's ``batched_nms``."""
    nms_cfg = dict(nms_cfg)
    kind = nms_cfg.pop('type', 'nms')
    if kind != 'nms' or set(nms_cfg) - {'iou_threshold', 'class_agnostic', 'split_thr'}:
        raise NotImplementedError(f'test_cfg.{where}.nms = {dict(nms_cfg, type=kind)}: only '
                                  "dict(type='nms', iou_threshold=...) exports to ONNX here")
    if nms_cfg.get('class_agnostic', False):
        shifted = boxes
    else:  # the groups moved apart by mmcv's offsets; its loop above split_thr uses them too.
        # No branch on the box count: the trace must not depend on what the traced input finds.
        top = F.pad(boxes.flatten(), (0, 1), value=float('-inf')).max()  # -inf without boxes
        shifted = boxes + (groups.to(boxes) * (top + 1))[:, None]
    max_num = max_num if max_num > 0 else 2**31 - 1
    return _NMS.apply(shifted, scores, float(nms_cfg['iou_threshold']), int(max_num))


class NormalizedDetector(NormalizedModel):
    """Raw image in, detections out: a Faster R-CNN with pre- and post-processing in one graph.

    Args:
        model (nn.Module): An mmdet ``TwoStageDetector`` with an RPN head and a bbox-only
            ``StandardRoIHead`` (DeltaXYWH box coders, mmcv ``RoIAlign``), in eval mode.
        channels (dict, optional): See :func:`view_layout`.
    """

    tasks = ('detection', )
    output_names = OUTPUT_NAMES
    min_opset = 16  # RoiAlign with half_pixel coordinates

    def __init__(self, model: nn.Module, channels: Optional[Dict[str, int]] = None) -> None:
        super().__init__(model, channels)
        from mmdet.models.dense_heads import RPNHead
        from mmdet.models.roi_heads import BBoxHead, SingleRoIExtractor, StandardRoIHead
        from mmdet.models.task_modules.coders import DeltaXYWHBBoxCoder
        rpn, roi = getattr(model, 'rpn_head', None), model.roi_head
        parts = (type(rpn) is RPNHead, type(roi) is StandardRoIHead, not roi.with_mask,
                 not roi.with_shared_head, type(roi.bbox_roi_extractor) is SingleRoIExtractor,
                 type(roi.bbox_head)._predict_by_feat_single is BBoxHead._predict_by_feat_single)
        if not all(parts):
            raise NotImplementedError(
                f'{type(model).__name__} with {type(rpn).__name__} and {type(roi).__name__}: '
                'only Faster R-CNN (RPNHead, a box-only StandardRoIHead with SingleRoIExtractor '
                'and a BBoxHead) exports here')
        for name, coder in (('rpn_head', rpn.bbox_coder), ('bbox_head', roi.bbox_head.bbox_coder)):
            if type(coder) is not DeltaXYWHBBoxCoder:
                raise NotImplementedError(f'model.{name}.bbox_coder {type(coder).__name__}: '
                                          'only DeltaXYWHBBoxCoder exports here')
        if roi.bbox_head.custom_cls_channels:
            raise NotImplementedError('model.roi_head.bbox_head: a loss with its own activation '
                                      'does not export here (softmax scores only)')
        for layer in roi.bbox_roi_extractor.roi_layers:
            if type(layer).__name__ != 'RoIAlign' or getattr(layer, 'use_torchvision', False) \
                    or layer.pool_mode != 'avg':
                raise NotImplementedError(f'roi_layer {layer}: only mmcv RoIAlign (avg) exports')
        self.rpn_cfg, self.rcnn_cfg = dict(rpn.test_cfg), dict(roi.test_cfg)
        pre = model.data_preprocessor
        self.pad_divisor = int(getattr(pre, 'pad_size_divisor', 1) or 1)
        self.pad_value = float(getattr(getattr(pre, 'base', pre), 'pad_value', 0))

    def onnx_axes(self, dynamic_shape: bool = False) -> dict:
        """Dynamic axes of ``torch.onnx.export``: the detections' count."""
        if dynamic_shape:
            raise ValueError('detectors export at one input size (anchors, clipping and padding '
                             'are constants of the graph); export once per size')
        return {name: {0: 'detections'} for name in self.output_names}

    def _decode(self, coder, priors: torch.Tensor, deltas: torch.Tensor,
                img_shape: Tuple[int, int]) -> torch.Tensor:
        from mmdet.models.task_modules.coders.delta_xywh_bbox_coder import delta2bbox
        return delta2bbox(priors, deltas, coder.means, coder.stds, img_shape, 16 / 1000,
                          coder.clip_border, coder.add_ctr_clamp, coder.ctr_clamp)

    def _proposals(self, feats, img_shape: Tuple[int, int]) -> torch.Tensor:
        """RPN proposals ``(P, 4)`` as mmdet's ``RPNHead.predict`` (one image)."""
        rpn, cfg = self.model.rpn_head, self.rpn_cfg
        cls_scores, bbox_preds = rpn(feats)
        priors = rpn.prior_generator.grid_priors([s.shape[-2:] for s in cls_scores],
                                                 device=feats[0].device)
        nms_pre = cfg.get('nms_pre', -1)
        scores, deltas, anchors, levels = [], [], [], []
        for level, (score, delta, prior) in enumerate(zip(cls_scores, bbox_preds, priors)):
            score = score[0].permute(1, 2, 0).reshape(-1, rpn.cls_out_channels)
            score = score.sigmoid()[:, 0] if rpn.use_sigmoid_cls else score.softmax(-1)[:, 0]
            delta = delta[0].permute(1, 2, 0).reshape(-1, 4)
            if 0 < nms_pre < score.shape[0]:
                score, top = score.topk(nms_pre)
                delta, prior = delta[top], prior[top]
            scores.append(score)
            deltas.append(delta)
            anchors.append(prior)
            levels.append(torch.full_like(score, level, dtype=torch.long))
        scores, levels = torch.cat(scores), torch.cat(levels)
        boxes = self._decode(rpn.bbox_coder, torch.cat(anchors), torch.cat(deltas), img_shape)
        if cfg.get('min_bbox_size', -1) >= 0:
            size = cfg['min_bbox_size']
            valid = ((boxes[:, 2] - boxes[:, 0] > size) & (boxes[:, 3] - boxes[:, 1] > size))
            valid = valid.nonzero()[:, 0]
            boxes, scores, levels = boxes[valid], scores[valid], levels[valid]
        keep = _batched_nms(boxes, scores, levels, cfg['nms'], cfg['max_per_img'], 'rpn')
        return boxes[keep]

    def _roi_features(self, feats, proposals: torch.Tensor) -> torch.Tensor:
        """Pooled features ``(P, C, h, w)``, each proposal from its FPN level."""
        extractor = self.model.roi_head.bbox_roi_extractor
        rois = torch.cat([torch.zeros_like(proposals[:, :1]), proposals], 1)
        levels = extractor.map_roi_levels(rois, extractor.num_inputs)
        batch_inds = torch.zeros_like(levels)
        pooled = None
        for level, (feat, layer) in enumerate(zip(feats, extractor.roi_layers)):
            out = _RoIAlign.apply(feat, proposals, batch_inds, tuple(layer.output_size),
                                  float(layer.spatial_scale), int(layer.sampling_ratio),
                                  bool(layer.aligned))
            here = (levels == level).view(-1, 1, 1, 1)
            pooled = out if pooled is None else torch.where(here, out, pooled)
        return pooled

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        img_shape = (int(x.shape[2]), int(x.shape[3]))
        x = (x - self.mean) / self.std
        div = self.pad_divisor
        x = F.pad(x, (0, -img_shape[1] % div, 0, -img_shape[0] % div), value=self.pad_value)
        feats = self.model.extract_feat(x)
        proposals = self._proposals(feats, img_shape)
        head, cfg = self.model.roi_head.bbox_head, self.rcnn_cfg
        cls_score, bbox_pred = head(self._roi_features(feats, proposals))
        scores = F.softmax(cls_score, dim=-1)[:, :-1]  # (P, classes), background dropped
        num_reg = 1 if head.reg_class_agnostic else head.num_classes
        boxes = self._decode(head.bbox_coder, proposals.repeat_interleave(num_reg, dim=0),
                             bbox_pred.reshape(-1, 4), img_shape)
        boxes = boxes.reshape(-1, num_reg, 4).expand(-1, scores.shape[1], 4).reshape(-1, 4)
        labels = torch.arange(scores.shape[1]).expand_as(scores).reshape(-1)
        scores = scores.reshape(-1)
        valid = (scores > cfg['score_thr']).nonzero()[:, 0]
        boxes, scores, labels = boxes[valid], scores[valid], labels[valid]
        keep = _batched_nms(boxes, scores, labels, cfg['nms'], cfg['max_per_img'], 'rcnn')
        return boxes[keep], scores[keep], labels[keep]


def postprocess_detections(outputs: Sequence[np.ndarray], scale_factor: tuple = (1., 1.)) -> dict:
    """onnxruntime's outputs of a detector to boxes in the original image, as mmdet's predict.

    Args:
        outputs (Sequence[np.ndarray]): ``session.run(None, {'input': image})``: boxes
            ``(K, 4)``, scores ``(K,)``, labels ``(K,)`` in the frame of the graph's input.
        scale_factor (tuple[float, float]): ``(w_scale, h_scale)`` of the test pipeline's resize
            (``img_meta['scale_factor']``): input size / original size. Defaults to no resize.

    Returns:
        dict: ``bboxes`` ``(K, 4)`` float32 in the original image, ``scores`` ``(K,)`` float32,
        ``labels`` ``(K,)`` int64, best first (mmdet's ``pred_instances``).
    """
    boxes, scores, labels = (np.asarray(out) for out in outputs)
    if boxes.ndim != 2 or boxes.shape[1] != 4 or not len(boxes) == len(scores) == len(labels):
        raise ValueError(f'expected the outputs {OUTPUT_NAMES} of a detector graph, got shapes '
                         f'{[o.shape for o in (boxes, scores, labels)]}')
    inv = np.array([1 / scale_factor[0], 1 / scale_factor[1]] * 2, dtype=np.float32)
    return dict(
        bboxes=boxes.astype(np.float32) * inv,
        scores=scores.astype(np.float32),
        labels=labels.astype(np.int64))


def mmdet_detections(model: NormalizedDetector, image: torch.Tensor) -> Dict[str, np.ndarray]:
    """mmdet's own detections (data preprocessor and ``predict``) on one raw image.

    Args:
        model (NormalizedDetector): The wrapped detector; its ``model`` runs.
        image (torch.Tensor): The raw view ``(C, H, W)`` (or ``(1, C, H, W)``) in native units.

    Returns:
        dict: ``bboxes``, ``scores``, ``labels`` of ``pred_instances`` as numpy arrays.
    """
    from mmdet.structures import DetDataSample
    image = image[0] if image.dim() == 4 else image
    shape = tuple(image.shape[-2:])
    sample = DetDataSample(metainfo=dict(img_shape=shape, ori_shape=shape, scale_factor=(1., 1.)))
    if hasattr(model.model.data_preprocessor, 'views'):  # {modality: [image]}
        starts = np.cumsum([0] + [num for _, num in model.modalities])
        inputs = {
            name: [image[start:start + num]]
            for (name, num), start in zip(model.modalities, starts)
        }
    else:
        inputs = [image]
    with torch.no_grad():
        pred = model.model.test_step(dict(inputs=inputs, data_samples=[sample]))[0].pred_instances
    return {key: pred[key].numpy() for key in ('bboxes', 'scores', 'labels')}


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU ``(len(a), len(b))`` of ``x1, y1, x2, y2`` boxes; two equal empty boxes count as 1."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=-1)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=-1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=-1)
    union = area_a[:, None] + area_b[None] - inter
    same = np.abs(a[:, None] - b[None]).max(-1, initial=0) < 1e-3
    with np.errstate(divide='ignore', invalid='ignore'):
        return np.where(union > 0, inter / np.where(union > 0, union, 1), same.astype(float))


def match_detections(reference: Dict[str, np.ndarray],
                     other: Dict[str, np.ndarray],
                     iou_thr: float = 0.99) -> dict:
    """Pair each reference detection, best first, with the unpaired one of its label of best IoU.

    Args:
        reference (dict): ``bboxes``, ``scores``, ``labels`` (e.g. mmdet's), best first.
        other (dict): The same keys (e.g. onnxruntime's after :func:`postprocess_detections`).
        iou_thr (float): Least IoU of a pair. Defaults to 0.99.

    Returns:
        dict: ``num_reference``, ``num_other``, ``matched`` (pairs), ``min_iou``,
        ``max_score_diff`` and ``max_box_diff`` over the pairs (0 without pairs).
    """
    iou = box_iou(reference['bboxes'], other['bboxes'])
    iou[reference['labels'][:, None] != other['labels'][None]] = -1
    pairs = []
    for i in range(len(iou)):
        j = int(np.argmax(iou[i])) if iou.shape[1] else -1
        if j >= 0 and iou[i, j] >= iou_thr:
            pairs.append((i, j, float(iou[i, j])))
            iou[:, j] = -1
    ref, oth = [p[0] for p in pairs], [p[1] for p in pairs]
    return dict(
        num_reference=len(reference['bboxes']),
        num_other=len(other['bboxes']),
        matched=len(pairs),
        min_iou=min([p[2] for p in pairs], default=0.),
        max_score_diff=float(
            np.abs(reference['scores'][ref] - other['scores'][oth]).max(initial=0)),
        max_box_diff=float(np.abs(reference['bboxes'][ref] - other['bboxes'][oth]).max(initial=0)))


def onnx_detection_diff(model: NormalizedDetector, onnx_file: str, image: torch.Tensor) -> dict:
    """:func:`match_detections` of onnxruntime's detections against mmdet's on one raw image."""
    image = image if image.dim() == 4 else image[None]
    outputs = onnx_session(onnx_file).run(None, {'input': image.numpy()})
    return match_detections(mmdet_detections(model, image), postprocess_detections(outputs))
