"""MAVOCMetric on hand-made samples: accuracies, AUROC, PBVS total, confusion matrix, submission."""
import csv
import sys
from unittest import mock

import cv2
import numpy as np
import pytest
import torch
from mmpretrain.registry import METRICS
from mmpretrain.structures import DataSample

from cmkd_mm.evaluation import MAVOCMetric, read_submission

CLASSES = ('sedan', 'SUV', 'van')


def sample(logits, gt=None, image_id=None, ood=None, store_logits=True, as_dict=True):
    """A prediction as the evaluator gets it (``DataSample.to_dict()``)."""
    logits = torch.tensor(logits, dtype=torch.float32)
    ds = DataSample()
    ds.set_pred_score(logits.softmax(0)).set_pred_label(logits.argmax())
    if gt is not None:
        ds.set_gt_label(gt)
    metainfo = dict(image_id=image_id, ood=ood)
    ds.set_metainfo({k: v for k, v in metainfo.items() if v is not None})
    if store_logits:
        ds.set_field(logits, 'pred_logits')
    return ds.to_dict() if as_dict else ds


def run(metric, samples, classes=CLASSES) -> dict:
    metric.dataset_meta = dict(classes=classes)
    metric.process(data_batch={}, data_samples=samples)
    return metric.evaluate(len(samples))


def pairwise_auroc(scores, positive) -> float:
    pos = [s for s, p in zip(scores, positive) if p]
    neg = [s for s, p in zip(scores, positive) if not p]
    return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg) / (
        len(pos) * len(neg))


# six labelled or unlabelled samples, no OOD flags
CLOSED_SET = [
    ([3., 0., 0.], 0, 'EO_1'),  # correct
    ([0., 2., 0.], 0, 'EO_2'),  # sedan predicted as SUV
    ([0., 4., 1.], 1, 'EO_3'),  # correct
    ([0., 0., 1.], 2, 'EO_4'),  # correct
    ([5., 0., 0.], -1, 'EO_5'),  # unlabelled (-1)
    ([0., 0., 2.], None, 'EO_6'),  # unlabelled (no gt_label)
]


def test_build_from_registry():
    metric = METRICS.build(dict(type='MAVOCMetric', ood_score='energy', _scope_='mmpretrain'))
    assert isinstance(metric, MAVOCMetric) and metric.ood_score == 'energy'
    with pytest.raises(ValueError):
        MAVOCMetric(ood_score='entropy')


def test_accuracy_per_class_and_unlabelled_samples(tmp_path):
    path = str(tmp_path / 'results.csv')
    metric = MAVOCMetric(submission_file=path)
    metrics = run(metric, [sample(lab, g, i) for lab, g, i in CLOSED_SET])
    assert metrics['accuracy/top1'] == pytest.approx(75.0)  # 3 of the 4 labelled samples
    assert metrics['per_class_accuracy/sedan'] == pytest.approx(50.0)
    assert metrics['per_class_accuracy/SUV'] == pytest.approx(100.0)
    assert metrics['per_class_accuracy/van'] == pytest.approx(100.0)
    assert metrics['mean_class_accuracy'] == pytest.approx(250 / 3)
    assert 'auroc' not in metrics and 'pbvs_total' not in metrics
    # every sample is in the submission, in order, NTIRE 2021 format
    with open(path) as file:
        assert file.readline().strip() == 'image_id,class_id'
    assert read_submission(path) == dict(
        image_id=['EO_1', 'EO_2', 'EO_3', 'EO_4', 'EO_5', 'EO_6'], class_id=[0, 1, 1, 2, 0, 2])


def test_class_without_samples_is_left_out_of_the_mean_and_prefix():
    metric = MAVOCMetric(prefix='eo')
    metrics = run(metric, [sample([3., 0., 0.], 0), sample([0., 3., 0.], 0)])
    assert metrics == {
        'eo/accuracy/top1': pytest.approx(50.0),
        'eo/per_class_accuracy/sedan': pytest.approx(50.0),
        'eo/mean_class_accuracy': pytest.approx(50.0)
    }


def test_data_samples_and_image_id_fallbacks():
    ds = sample([0., 1., 0.], 1, as_dict=False)
    ds.set_metainfo(dict(img_path='/data/test/Gotcha7.png'))
    metric = MAVOCMetric()
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, [ds, sample([1., 0., 0.], 0)])
    assert [r['image_id'] for r in metric.results] == ['Gotcha7.png', None]
    assert metric.evaluate(2)['accuracy/top1'] == pytest.approx(100.0)


# in-distribution and OOD samples, PBVS 2024 style
OPEN_SET = [
    # logits, gt, image id, ood
    ([4., 0., 0.], 0, 'Gotcha1.png', False),  # correct, max softmax .965
    ([0., 3., 0.], 1, 'Gotcha2.png', False),  # correct, .909
    ([2., 0., 1.], 2, 'Gotcha3.png', False),  # wrong (sedan), .665
    ([0., 1.2, 0.], 1, 'Gotcha4.png', False),  # correct, .624
    ([1., .5, 0.], None, 'Gotcha5.png', True),  # OOD, .506
    ([0., 0., 3.5], 2, 'Gotcha6.png', True),  # OOD with a label: not in the accuracy, .943
]


def _softmax_max(logits):
    e = np.exp(np.asarray(logits))
    return e.max() / e.sum()


def test_ood_auroc_and_pbvs_total(tmp_path):
    path = str(tmp_path / 'results.csv')
    metric = MAVOCMetric(ood_score='max_softmax', submission_file=path, with_score=True)
    metrics = run(metric, [sample(*row) for row in OPEN_SET])
    # in-distribution accuracy 3/4; ID-vs-OOD pairs won: 2 + 1 + 1 + 1 = 5 of 8
    assert metrics['accuracy/top1'] == pytest.approx(75.0)
    assert metrics['per_class_accuracy/van'] == pytest.approx(0.0)
    assert metrics['mean_class_accuracy'] == pytest.approx(200 / 3)
    scores = [_softmax_max(row[0]) for row in OPEN_SET]
    is_id = [not row[3] for row in OPEN_SET]
    assert pairwise_auroc(scores, is_id) == pytest.approx(5 / 8)
    assert metrics['auroc'] == pytest.approx(5 / 8)
    assert metrics['pbvs_total'] == pytest.approx(0.75 * 0.75 + 0.25 * 5 / 8)
    result = read_submission(path)
    assert result['image_id'] == [row[2] for row in OPEN_SET]
    assert result['class_id'] == [0, 1, 0, 1, 0, 2]
    np.testing.assert_allclose(result['score'], scores, rtol=1e-6)
    # without logits the max softmax comes from pred_score: same numbers
    metric = MAVOCMetric()
    assert run(metric,
               [sample(*row, store_logits=False) for row in OPEN_SET]) == pytest.approx(metrics)


@pytest.mark.parametrize('ood_score', ['energy', 'max_logit'])
def test_logit_based_ood_scores(ood_score):
    metric = MAVOCMetric(ood_score=ood_score, energy_temperature=2.0)
    metrics = run(metric, [sample(*row) for row in OPEN_SET])
    if ood_score == 'energy':
        scores = [2.0 * np.log(np.exp(np.asarray(row[0]) / 2.0).sum()) for row in OPEN_SET]
    else:
        scores = [max(row[0]) for row in OPEN_SET]
    expected = pairwise_auroc(scores, [not row[3] for row in OPEN_SET])
    assert metrics['auroc'] == pytest.approx(expected)
    assert metrics['pbvs_total'] == pytest.approx(0.75 * 0.75 + 0.25 * expected)
    # those scores need the raw logits
    metric = MAVOCMetric(ood_score=ood_score)
    with pytest.raises(ValueError, match='pred_logits'):
        run(metric, [sample(*row, store_logits=False) for row in OPEN_SET])


def test_test_set_without_labels_gives_only_the_auroc():
    rows = [([3., 0., 0.], None, 'a', False), ([0.2, 0., 0.], None, 'b', True)]
    metrics = run(MAVOCMetric(), [sample(*row) for row in rows])
    assert metrics == {'auroc': 1.0}


@pytest.mark.parametrize('matplotlib_missing', [False, True])
def test_confusion_matrix_files(tmp_path, matplotlib_missing):
    out_dir = tmp_path / 'cm'
    metric = MAVOCMetric(out_dir=str(out_dir))
    modules = {'matplotlib.backends.backend_agg': None} if matplotlib_missing else {}
    with mock.patch.dict(sys.modules, modules):
        run(metric, [sample(*row) for row in OPEN_SET])
    with open(out_dir / 'confusion_matrix.csv') as file:
        rows = list(csv.reader(file))
    # in-distribution labelled samples only: rows ground truth, columns prediction
    assert rows == [['gt\\pred', 'sedan', 'SUV', 'van'], ['sedan', '1', '0', '0'],
                    ['SUV', '0', '2', '0'], ['van', '1', '0', '0']]
    image = cv2.imread(str(out_dir / 'confusion_matrix.png'))
    assert image is not None and image.shape[0] > 100


def test_no_out_dir_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run(MAVOCMetric(), [sample(*row) for row in OPEN_SET])
    assert list(tmp_path.iterdir()) == []


def test_balancing_moves_the_least_confident_predictions_before_scoring(tmp_path):
    """k=1 for class 0: of three class-0 predictions only the most confident stays."""
    logits = [[5., 1., 0.], [3., 2., 0.], [4., 0., 1.], [0., 3., 0.]]
    samples = [
        sample(x, gt=g, image_id=str(i)) for i, (x, g) in enumerate(zip(logits, [0, 1, 2, 1]))
    ]
    out = tmp_path / 'results.csv'
    metric = MAVOCMetric(balancing=dict(k=1, classes=(0, )), submission_file=str(out))
    metrics = run(metric, samples, classes=('a', 'b', 'c'))
    # 0 keeps class 0; 1 and 2 move to their second-best class (1 and 2): all four correct
    assert metrics['accuracy/top1'] == 100.0
    assert out.read_text().splitlines() == ['image_id,class_id', '0,0', '1,1', '2,2', '3,1']
    plain = run(MAVOCMetric(), samples, classes=('a', 'b', 'c'))
    assert plain['accuracy/top1'] == 50.0
