"""mmdet's CocoMetric, as the detection configs use it, reports what pycocotools' COCOeval does.

A hand-made COCO file (one class, 320x180 images) and hand-made predictions are evaluated twice:
with ``mmdet.CocoMetric(ann_file=..., metric='bbox')`` and with ``COCOeval`` run directly.
"""
import contextlib
import io
import json

import pytest
import torch
from mmdet.evaluation import CocoMetric
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

W, H = 320, 180
NAMES = ('AP', 'AP50', 'AP75', 'APs', 'APm', 'APl')
KEYS = ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_mAP_s', 'bbox_mAP_m', 'bbox_mAP_l')
# Ground truth, x1 y1 x2 y2 in pixels. COCO sizes: small < 32^2 <= medium < 96^2 <= large.
GT = {
    1: [
        (10, 10, 110, 150),  # large (14000 px)
        (150, 40, 190, 100),  # medium (2400 px)
        (250, 20, 270, 40)
    ],  # small (400 px)
    2: [
        (40, 60, 90, 120),  # medium (3000 px), found only with a shifted box
        (200, 100, 224, 124)
    ],  # small (576 px), missed
    3: [],  # an image without objects
    4: [(100, 30, 220, 170)],  # large (16800 px)
}
CROWD = {2: [(230, 20, 310, 100)]}  # an ignore region (e.g. STF DontCare)
IGNORED_FP = (2, (240, 30, 280, 70), 0.70)  # a false positive inside the ignore region
# Predictions: image id, box, score.
PREDS = [
    (1, (10, 10, 110, 150), 0.95),  # exact hits
    (1, (150, 40, 190, 100), 0.90),
    (1, (250, 20, 270, 40), 0.60),
    (2, (50, 60, 100, 120), 0.85),  # GT (40, 60, 90, 120) shifted by 10 px: IoU 2400/3600 = 0.67
    IGNORED_FP,
    (3, (100, 50, 150, 100), 0.80),  # false positive on the empty image
    (4, (100, 30, 220, 170), 0.50),  # exact hit
    (4, (105, 35, 225, 175), 0.30),  # duplicate of the hit above: a false positive
]


def _xywh(box):
    x1, y1, x2, y2 = box
    return [x1, y1, x2 - x1, y2 - y1]


def _write_coco(path) -> str:
    images, anns = [], []
    for img_id in GT:
        images.append(dict(id=img_id, file_name=f'{img_id:06d}.png', width=W, height=H))
        boxes = [(b, 0) for b in GT[img_id]] + [(b, 1) for b in CROWD.get(img_id, [])]
        for box, crowd in boxes:
            xywh = _xywh(box)
            anns.append(
                dict(
                    id=len(anns) + 1,
                    image_id=img_id,
                    category_id=1,
                    bbox=xywh,
                    area=xywh[2] * xywh[3],
                    iscrowd=crowd))
    coco = dict(images=images, annotations=anns, categories=[dict(id=1, name='pedestrian')])
    path.write_text(json.dumps(coco))
    return str(path)


def _with_mmdet(ann_file: str, preds) -> dict:
    """Stats from ``mmdet.CocoMetric`` fed with mmdet-shaped data samples."""
    metric = CocoMetric(ann_file=ann_file, metric='bbox')
    metric.dataset_meta = dict(classes=('pedestrian', ))
    samples = []
    for img_id in GT:
        mine = [(box, score) for i, box, score in preds if i == img_id]
        bboxes = torch.tensor([box for box, _ in mine], dtype=torch.float32).reshape(-1, 4)
        samples.append(
            dict(
                img_id=img_id,
                ori_shape=(H, W),
                pred_instances=dict(
                    bboxes=bboxes,
                    scores=torch.tensor([s for _, s in mine]),
                    labels=torch.zeros(len(mine), dtype=torch.long))))
    metric.process({}, samples)
    results = metric.evaluate(len(samples))
    return {name: results[f'coco/{key}'] for name, key in zip(NAMES, KEYS)}


def _with_pycocotools(ann_file: str, preds) -> dict:
    """Stats from ``COCOeval`` run directly on the same predictions."""
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO(ann_file)
        dets = coco_gt.loadRes([
            dict(image_id=i, category_id=1, bbox=_xywh(box), score=score) for i, box, score in preds
        ])
        coco_eval = COCOeval(coco_gt, dets, 'bbox')
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
    return dict(zip(NAMES, coco_eval.stats[:6].tolist()))


@pytest.fixture(scope='module')
def ann_file(tmp_path_factory):
    return _write_coco(tmp_path_factory.mktemp('coco') / 'gt.json')


@pytest.mark.parametrize('drop_ignored_fp', [False, True])
def test_coco_metric_matches_cocoeval(ann_file, drop_ignored_fp):
    preds = [p for p in PREDS if not (drop_ignored_fp and p is IGNORED_FP)]
    got = _with_mmdet(ann_file, preds)
    want = _with_pycocotools(ann_file, preds)
    for name in NAMES:
        # CocoMetric rounds to 3 decimals.
        assert got[name] == pytest.approx(round(want[name], 3), abs=1e-9), name


def test_values_reasoned_by_hand(ann_file):
    stats = _with_pycocotools(ann_file, PREDS)
    # 101-point interpolated precision over 6 ground-truth boxes (the crowd box is not one).
    # IoU 0.5: by score TP TP TP FP TP TP FP (the FP in the ignore region is ignored):
    #   precision 1 up to recall 3/6, then 5/6 up to recall 5/6: (51 + 33 * 5/6) / 101.
    assert stats['AP50'] == pytest.approx((51 + 33 * 5 / 6) / 101)
    # IoU 0.75: the shifted hit (IoU 0.67) becomes a FP: TP TP FP FP TP TP FP,
    #   precision 1 up to recall 2/6, then 4/6 up to recall 4/6: (34 + 33 * 4/6) / 101.
    assert stats['AP75'] == pytest.approx((34 + 33 * 4 / 6) / 101)
    assert stats['AP50'] > stats['AP75'] > 0
    # Small: one of the two small boxes is found, with no small FP: precision 1 to recall 0.5.
    assert stats['APs'] == pytest.approx(51 / 101)
    # Large: both found before the (lower-scored) duplicate.
    assert stats['APl'] == pytest.approx(1.0)
    assert 0 < stats['AP'] < stats['AP50']


def test_fp_in_ignore_region_does_not_lower_ap(ann_file):
    with_fp = _with_mmdet(ann_file, PREDS)
    without_fp = _with_mmdet(ann_file, [p for p in PREDS if p is not IGNORED_FP])
    assert with_fp == without_fp
    # The same box and score away from the ignore region (and from any object) does count.
    moved = [p if p is not IGNORED_FP else (2, (240, 130, 280, 170), 0.70) for p in PREDS]
    counted = _with_mmdet(ann_file, moved)
    # It outscores the hits on images 1 and 4 (0.60, 0.50), so it lowers their precision.
    assert counted['AP50'] < with_fp['AP50']
    assert counted['AP'] < with_fp['AP']
