"""SegIoUMetric: mIoU/mRecall in the MFNet/RTFNet/CEKD convention, overall and per subset.

Expected numbers come from mmseg's ``IoUMetric`` on the same data samples or from confusion
matrices counted in the test.
"""
from unittest import mock

import numpy as np
import pytest
import torch
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample

from cmkd_mm.datasets import MFNetDataset
from cmkd_mm.evaluation import SegIoUMetric

CLASSES = MFNetDataset.METAINFO['classes']  # 9 classes, 0 = unlabeled


def sample(pred, gt, **metainfo) -> dict:
    """A prediction as the evaluator gets it (``SegDataSample.to_dict()``)."""
    ds = SegDataSample(metainfo=dict(img_path='x.png', **metainfo))
    ds.pred_sem_seg = PixelData(data=torch.as_tensor(np.asarray(pred), dtype=torch.int64)[None])
    ds.gt_sem_seg = PixelData(data=torch.as_tensor(np.asarray(gt), dtype=torch.int64)[None])
    return ds.to_dict()


def run(metric, samples, classes=CLASSES) -> dict:
    metric.dataset_meta = dict(classes=classes)
    metric.process(data_batch={}, data_samples=samples)
    return metric.evaluate(len(samples))


def random_samples(seed=0, n=4, absent=None):
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n):
        gt = rng.integers(0, len(CLASSES), (20, 30))
        # mostly right, so IoUs are far from 0 and differ between classes
        pred = np.where(rng.random((20, 30)) < 0.6, gt, rng.integers(0, len(CLASSES), (20, 30)))
        if absent is not None:
            gt[gt == absent] = absent + 1
            pred[pred == absent] = absent + 1
        samples.append(sample(pred, gt))
    return samples


def mmseg_per_class(samples, ignore_index=255):
    """Per-class IoU and Acc (%) from mmseg's own area accumulation."""
    areas = [
        IoUMetric.intersect_and_union(s['pred_sem_seg']['data'].squeeze(),
                                      s['gt_sem_seg']['data'].squeeze(), len(CLASSES), ignore_index)
        for s in samples
    ]
    ret = IoUMetric.total_area_to_metrics(*[sum(a[i] for a in areas) for i in range(4)], ['mIoU'])
    return ret['IoU'] * 100, ret['Acc'] * 100


def test_all_classes_present_equals_mmseg():
    samples = random_samples()
    for s in samples:
        assert set(s['gt_sem_seg']['data'].unique().tolist()) == set(range(len(CLASSES)))
    ours = run(SegIoUMetric(), samples)
    ref = run(IoUMetric(iou_metrics=['mIoU']), samples)
    assert ours['aAcc'] == pytest.approx(ref['aAcc'], abs=0.011)
    assert ours['mIoU'] == pytest.approx(ref['mIoU'], abs=0.011)
    assert ours['mRecall'] == pytest.approx(ref['mAcc'], abs=0.011)
    iou, acc = mmseg_per_class(samples)
    for i, name in enumerate(CLASSES):
        assert ours[f'IoU.{name}'] == pytest.approx(iou[i], abs=0.011)
        assert ours[f'Recall.{name}'] == pytest.approx(acc[i], abs=0.011)
    assert 20 < ours['mIoU'] < 90  # not a degenerate case


@pytest.mark.parametrize('nan_to_zero', [True, False])
def test_absent_class(nan_to_zero):
    samples = random_samples(seed=1, absent=5)
    ours = run(SegIoUMetric(nan_to_zero=nan_to_zero), samples)
    iou, acc = mmseg_per_class(samples)
    assert np.isnan(iou[5]) and np.isnan(acc[5]) and np.isfinite(np.delete(iou, 5)).all()
    if nan_to_zero:  # CEKD: nan_to_num then mean over all 9 classes
        assert ours['mIoU'] == pytest.approx(np.nan_to_num(iou).sum() / 9, abs=0.011)
        assert ours['mRecall'] == pytest.approx(np.nan_to_num(acc).sum() / 9, abs=0.011)
        assert ours[f'IoU.{CLASSES[5]}'] == 0. and ours[f'Recall.{CLASSES[5]}'] == 0.
    else:  # mmseg: nanmean over the 8 others
        ref = run(IoUMetric(iou_metrics=['mIoU']), samples)
        assert ours['mIoU'] == pytest.approx(ref['mIoU'], abs=0.011)
        assert ours['mRecall'] == pytest.approx(ref['mAcc'], abs=0.011)
        assert np.isnan(ours[f'IoU.{CLASSES[5]}'])
    assert ours['mIoU'] != pytest.approx(
        np.nanmean(iou) if nan_to_zero else np.nan_to_num(iou).mean(), abs=0.5)


# 3x3 image, classes 0 (unlabeled), 1, 2.
GT = np.array([[0, 1, 1], [1, 2, 2], [2, 2, 0]])
PRED = np.array([[1, 1, 0], [1, 2, 1], [2, 0, 0]])
# rows: ground truth, columns: prediction, counted by hand from GT/PRED above
CONFUSION = np.array([[1, 1, 0], [1, 2, 0], [1, 1, 2]])


def test_confusion_matrix_by_hand():
    counted = np.zeros((3, 3), int)
    for g, p in zip(GT.ravel(), PRED.ravel()):
        counted[g, p] += 1
    assert (counted == CONFUSION).all()
    metric = SegIoUMetric()
    assert (metric.confusion_matrix(torch.tensor(PRED), torch.tensor(GT), 3) == CONFUSION).all()


def test_exclude_unlabeled_drops_row_and_column():
    names = ('unlabeled', 'a', 'b')
    ours = run(SegIoUMetric(include_unlabeled=False), [sample(PRED, GT)], names)
    cm = CONFUSION[1:, 1:]  # [[2, 0], [1, 2]]
    tp = np.diag(cm)
    iou = tp / (cm.sum(0) + cm.sum(1) - tp)  # a: 2/3, b: 2/3
    recall = tp / cm.sum(1)  # a: 2/2, b: 2/3
    assert ours['aAcc'] == pytest.approx(100 * tp.sum() / cm.sum(), abs=0.006) == 80.
    assert ours['mIoU'] == pytest.approx(100 * iou.mean(), abs=0.006) == 66.67
    assert ours['mRecall'] == pytest.approx(100 * recall.mean(), abs=0.006) == 83.33
    assert ours['IoU.a'] == 66.67 and ours['Recall.a'] == 100. and ours['Recall.b'] == 66.67
    assert 'IoU.unlabeled' not in ours and 'Recall.unlabeled' not in ours

    full = run(SegIoUMetric(include_unlabeled=True), [sample(PRED, GT)], names)
    tp = np.diag(CONFUSION)
    iou = tp / (CONFUSION.sum(0) + CONFUSION.sum(1) - tp)  # 1/4, 2/4, 2/4
    assert full['aAcc'] == pytest.approx(100 * 5 / 9, abs=0.006)
    assert full['mIoU'] == pytest.approx(100 * iou.mean(), abs=0.006)
    assert full['IoU.unlabeled'] == 25.


def test_subsets_equal_metric_on_each_subset():
    day = random_samples(seed=2, n=2)
    night = random_samples(seed=3, n=3)
    for s in day:
        s['subset'] = 'day'
    for s in night:
        s['subset'] = 'night'
    with mock.patch('cmkd_mm.evaluation.metrics.seg_iou_metric.print_log') as log:
        ours = run(SegIoUMetric(), day + night)
    logged = ' '.join(str(c.args[0]) for c in log.call_args_list)
    assert 'subset "day"' in logged and 'subset "night"' in logged and 'car_stop' in logged

    def plain(samples):
        return run(SegIoUMetric(), [{k: v for k, v in s.items() if k != 'subset'} for s in samples])

    for prefix, part in (('', day + night), ('day/', day), ('night/', night)):
        alone = plain(part)
        assert set(alone) == {'aAcc', 'mIoU', 'mRecall'
                              } | {f'{m}.{c}'
                                   for m in ('IoU', 'Recall')
                                   for c in CLASSES}
        for key, value in alone.items():
            assert ours[prefix + key] == value, prefix + key
    assert ours['day/mIoU'] != ours['night/mIoU']
    assert len(ours) == 3 * len(alone)


def test_ignore_index_pixels_excluded():
    gt = np.array([[255, 1, 2, 255], [0, 255, 1, 1]])
    pred = np.array([[1, 1, 0, 2], [0, 2, 1, 2]])
    keep = gt != 255
    ours = run(SegIoUMetric(), [sample(pred, gt)], ('unlabeled', 'a', 'b'))
    without = run(SegIoUMetric(), [sample(pred[keep][None], gt[keep][None])],
                  ('unlabeled', 'a', 'b'))
    assert ours == without
    assert ours['aAcc'] == pytest.approx(100 * 3 / 5, abs=0.006)
    ref = run(IoUMetric(iou_metrics=['mIoU']), [sample(pred, gt)], ('unlabeled', 'a', 'b'))
    assert ours['mIoU'] == ref['mIoU'] and ours['mRecall'] == ref['mAcc']


def test_build_from_config_and_bad_arguments():
    with DefaultScope.overwrite_default_scope('mmseg'):
        metric = METRICS.build(dict(type='SegIoUMetric', include_unlabeled=False))
    assert isinstance(metric, SegIoUMetric) and isinstance(metric, IoUMetric)
    with pytest.raises(ValueError, match='mDice'):
        SegIoUMetric(iou_metrics=['mIoU', 'mDice'])
    with pytest.raises(ValueError, match='unlabeled_index=7'):
        run(
            SegIoUMetric(include_unlabeled=False, unlabeled_index=7), [sample(PRED, GT)],
            ('unlabeled', 'a', 'b'))
    with pytest.raises(ValueError, match='num_classes'):
        run(SegIoUMetric(), [sample(PRED + 1, GT)], ('unlabeled', 'a', 'b'))


def test_label_of_another_size_says_which_pipeline_order_to_use():
    pred = np.zeros((4, 6), np.int64)
    label = np.zeros((2, 3), np.int64)  # resized with the image by a wrong test pipeline
    metric = SegIoUMetric()
    metric.dataset_meta = dict(classes=CLASSES)
    with pytest.raises(
            ValueError,
            match=r'lab.png: the prediction is \(4, 6\).*label \(2, 3\)'
            r'.*after any Resize'):
        metric.process({}, [sample(pred, label, seg_map_path='lab.png')])
