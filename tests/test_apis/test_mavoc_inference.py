"""cmkd_mm.apis.mavoc_inference: the config's TTA copies, post-processing (OOD scores, cluster
voting in the NJUST-KMG code's and the numeric order), val metrics and the submission of a tiny
model."""
import csv
import glob
import os
import os.path as osp
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmpretrain.registry import DATASETS
from mmpretrain.registry import MODELS as PRETRAIN_MODELS

from cmkd_mm.apis import mavoc_postprocess, mavoc_val_metrics
from cmkd_mm.apis.mavoc_inference import mavoc_inference
from cmkd_mm.utils import deprecation
from ..conftest import ROOT

CONFIG = osp.join(ROOT, 'configs', 'classification', 'njust-kmg',
                  'finetune-full_resnet18_sar_mavoc2024.py')


def test_config_tta_copies_are_flips_and_rotations(mavoc2024_demo_root):
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(CONFIG)
    dataset = cfg.test_dataloader.dataset
    dataset.data_root = mavoc2024_demo_root
    dataset.pipeline = cfg.tta_pipeline
    out = DATASETS.build(dataset)[0]
    copies = [x['sar'].numpy() for x in out['inputs']]
    assert len(copies) == 2 * 4  # (identity, flip) x (0, 90, 180, 270)
    assert [c.shape for c in copies] == [(3, 224, 224)] * 8
    base = copies[0]
    assert np.array_equal(copies[1], np.rot90(base, -1, axes=(1, 2)))  # clockwise
    assert np.array_equal(copies[2], np.rot90(base, 2, axes=(1, 2)))
    assert np.array_equal(copies[4], base[:, :, ::-1])
    assert np.array_equal(copies[6], np.rot90(base[:, :, ::-1], 2, axes=(1, 2)))
    assert {s.image_id for s in out['data_samples']} == {out['data_samples'][0].image_id}


def _pred():
    probs = np.array([[0.97, 0.02, 0.01], [0.01, 0.98, 0.01], [0.96, 0.03, 0.01], [0.1, 0.2, 0.7],
                      [0.0, 0.99, 0.01], [0.5, 0.3, 0.2]])
    offsets = np.arange(1., 7.)
    with np.errstate(divide='ignore'):
        logits = np.maximum(np.log(probs), -50) + offsets[:, None]
    feats = np.array([[1., 0.], [1., .1], [.9, 0.], [0., 1.], [1., -.1], [.1, 1.]])
    # id clusters (gap <= 100): {10, 50, 140}, {400, 420}, {1000}
    return dict(
        image_id=np.array(['10', '50', '140', '400', '420', '1000']),
        logits=logits,
        probs=probs,
        feats=feats,
        gt_label=np.full(6, -1),
        ood=None), offsets


def _post(pred, ood_score, **kwargs):
    # the deterministic alternative unless a test asks for the original order and tie-break
    kwargs = dict(dict(cluster_order='numeric', tie_break='smallest'), **kwargs)
    return mavoc_postprocess(pred, ood_score, **kwargs)


def test_postprocess_scores_and_cluster_voting():
    pred, offsets = _pred()
    plain = _post(pred, 'energy', cluster='none')
    assert plain['class_id'].tolist() == [0, 1, 0, 2, 1, 0]
    # softmax(logits) = probs, so logsumexp(logits) = offset + log(sum(probs)) = offset
    assert np.allclose(plain['score'], offsets, atol=1e-9)
    assert np.allclose(
        _post(pred, 'max_logit', cluster='none')['score'],
        np.log([0.97, 0.98, 0.96, 0.7, 0.99, 0.5]) + offsets)
    assert np.allclose(
        _post(pred, 'energy', energy_t=2., cluster='none')['score'], 2 * np.log(
            (np.exp(pred['logits'] / 2)).sum(1)))

    # confident samples (> 0.95) of an id cluster take the majority label and the (smallest)
    # modal confidence; the others keep theirs
    voted = _post(pred, 'max_softmax', cluster='id-gap')
    assert voted['class_id'].tolist() == [0, 0, 0, 2, 1, 0]
    assert np.allclose(voted['score'], [0.96, 0.96, 0.96, 0.7, 0.99, 0.5])
    energy = _post(pred, 'energy', cluster='id-gap')
    assert energy['class_id'].tolist() == [0, 0, 0, 2, 1, 0]
    assert np.allclose(energy['score'], offsets)  # the energy is not voted
    assert _post(pred, 'energy', cluster='id-gap', id_gap=5)['class_id'].tolist() \
        == [0, 1, 0, 2, 1, 0]  # every id alone

    # the README: clusters of the embeddings, here {0, 1, 2, 4} and {3, 5}; the tie 0/1 among
    # the four voters goes to the smaller label
    for kwargs in (dict(cluster_distance=0.5), dict(n_clusters=2)):
        feats = _post(pred, 'energy', cluster='features', **kwargs)
        assert feats['class_id'].tolist() == [0, 0, 0, 2, 0, 0]


def test_postprocess_original_order_and_tie_break():
    # ids 95 and 1000 / 1050: by name '1000' < '1050' < '95', so the NJUST-KMG code walks 1000,
    # 1050, 95
    # and 95 (|95 - 1050| > 100) is alone; numerically 95 is far from 1000 as well
    probs = np.array([[0.01, 0.98, 0.01], [0.01, 0.01, 0.98], [0.98, 0.01, 0.01]])
    pred = dict(
        image_id=np.array(['1050', '95', '1000']),
        logits=np.log(probs),
        probs=probs,
        feats=None,
        gt_label=np.full(3, -1),
        ood=None)
    # cluster {1000, 1050}: labels 0 (1000) and 1 (1050) tie; the original lists them in name order
    # [0, 1] -> set {0, 1} -> 0 first; smallest -> 0 as well
    original = mavoc_postprocess(pred, 'max_softmax')
    assert original['class_id'].tolist() == [0, 2, 0]
    # ids 1 and 9 tie in one cluster: the original set holds 9 before 1 when 9 is listed first
    probs = np.full((2, 10), 0.001)
    probs[0, 9] = probs[1, 1] = 0.991
    pred = dict(
        image_id=np.array(['20', '3']),
        logits=np.log(probs),
        probs=probs,
        feats=None,
        gt_label=np.full(2, -1),
        ood=None)
    # name order '20' < '3': labels listed [9, 1] -> 9 wins; numeric order [1, 9] -> 1 wins
    assert mavoc_postprocess(pred, 'energy')['class_id'].tolist() == [9, 9]
    assert mavoc_postprocess(pred, 'energy', cluster_order='numeric')['class_id'].tolist() == [1, 1]
    assert mavoc_postprocess(pred, 'energy', tie_break='smallest')['class_id'].tolist() == [1, 1]


def test_postprocess_tie_break_seed_is_the_deprecated_name_of_original(monkeypatch):
    """A recipe's ``postprocess=dict(tie_break='seed')`` (the old name) still works: it warns
    once and votes as ``'original'``."""
    monkeypatch.setattr(deprecation, 'WARNED', set())
    probs = np.full((2, 10), 0.001)
    probs[0, 9] = probs[1, 1] = 0.991
    pred = dict(
        image_id=np.array(['20', '3']),
        logits=np.log(probs),
        probs=probs,
        feats=None,
        gt_label=np.full(2, -1),
        ood=None)
    with pytest.warns(FutureWarning, match=r"mavoc_postprocess\(tie_break\): 'seed' is deprecated"):
        old = mavoc_postprocess(pred, 'energy', tie_break='seed')
    assert old['class_id'].tolist() == [9, 9]
    assert mavoc_postprocess(pred, 'energy', tie_break='original')['class_id'].tolist() == [9, 9]


def test_val_metrics_formula(tmp_path):
    pred = dict(gt_label=np.array([0, 1, 2, -1, 0]), ood=np.array([0, 0, 0, 1, 0], bool))
    out = dict(class_id=np.array([0, 1, 0, 3, 1]), score=np.array([0.9, 0.8, 0.7, 0.78, 0.75]))
    metrics = mavoc_val_metrics(pred, out, str(tmp_path))
    # 2 of the 4 in-distribution chips right; the OOD chip (0.78) is below 2 of the 4 ID scores
    assert {
        k: metrics[k]
        for k in ('accuracy/top1', 'auroc', 'pbvs_total')
    } == pytest.approx({
        'accuracy/top1': 50.,
        'auroc': 0.5,
        'pbvs_total': 0.75 * 0.5 + 0.25 * 0.5
    })
    # per class: sedan 1 of 2, SUV 1 of 1, pickup truck 0 of 1; and the confusion matrix
    assert metrics['per_class_accuracy/sedan'] == 50.
    assert metrics['per_class_accuracy/SUV'] == 100.
    assert metrics['per_class_accuracy/pickup truck'] == 0.
    assert (tmp_path / 'confusion_matrix.png').is_file()
    # without OOD flags every labelled chip counts (3 of 5) and there is no AUROC
    labelled = dict(gt_label=np.array([0, 1, 2, 3, 0]), ood=None)
    metrics = mavoc_val_metrics(labelled, out)
    assert metrics['accuracy/top1'] == pytest.approx(60.) and 'auroc' not in metrics


def test_inference_writes_one_row_per_test_chip(tmp_path, mavoc2024_demo_root):
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(CONFIG)
    torch.manual_seed(0)
    model = PRETRAIN_MODELS.build(cfg.model)
    model.init_weights()
    torch.nn.init.normal_(model.head.fc.weight, std=1.)  # spread the predictions
    checkpoint = str(tmp_path / 'sar.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    run_cfg = Config.fromfile(CONFIG)
    for split in ('val', 'test'):
        loader = run_cfg[f'{split}_dataloader']
        loader.update(num_workers=0, persistent_workers=False, batch_size=8)
        loader.dataset.data_root = mavoc2024_demo_root
    run_cfg.tta_pipeline[1].transforms[2] = run_cfg.tta_pipeline[1].transforms[2][:1]  # no turn
    summary = mavoc_inference(
        run_cfg,
        checkpoint,
        str(tmp_path / 'inference'),
        postprocess=dict(ood_score='energy', cluster='none'))

    with open(summary['results'], newline='') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['image_id', 'class_id', 'score']
    chips = sorted(os.listdir(osp.join(mavoc2024_demo_root, 'test')))
    ids = [re.fullmatch(r'Gotcha(\d+)\.png', name).group(1) for name in chips]
    assert len(rows) - 1 == len(chips) == summary['num_test']
    assert sorted(r[0] for r in rows[1:]) == sorted(ids)
    written = {r[0]: (int(r[1]), float(r[2])) for r in rows[1:]}

    # expectation: the plain model on the resized chip and on its mirror image
    dataset = cfg.test_dataloader.dataset
    dataset.data_root = mavoc2024_demo_root
    model.eval()
    with torch.no_grad():
        for item in DATASETS.build(dataset):
            data = model.data_preprocessor(pseudo_collate([item]), False)
            views = [data['inputs'], data['inputs'].flip(-1)]
            logits = [model(x, mode='tensor')[0].double() for x in views]
            label = int(sum(x.softmax(0) for x in logits).argmax())
            energy = float(torch.logsumexp(sum(logits) / 2, 0))
            image_id = item['data_samples'].image_id
            assert written[image_id][0] == label
            assert written[image_id][1] == pytest.approx(energy, rel=1e-4, abs=1e-4)

    val = summary['val']
    assert {'accuracy/top1', 'mean_class_accuracy', 'auroc', 'pbvs_total'} <= set(val)
    assert glob.glob(osp.join(str(tmp_path), '**', 'val', 'confusion_matrix.png'), recursive=True)
    assert val['pbvs_total'] == pytest.approx(0.75 * val['accuracy/top1'] / 100 +
                                              0.25 * val['auroc'])
