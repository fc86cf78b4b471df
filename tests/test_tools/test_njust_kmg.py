"""tools/njust_kmg.py: stage wiring and resuming, TTA copies, post-processing, val metrics and
the submission written by inference on a tiny model."""
import csv
import glob
import json
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

from ..conftest import load_tool


class FakeTrain:
    """Stands in for a training run: records the config and writes the stage's checkpoints."""

    def __init__(self, fail_at=None):
        self.calls, self.fail_at = [], fail_at

    def __call__(self, cfg):
        name = osp.basename(cfg.work_dir)
        init = cfg.model.get('init_cfg') or {}
        self.calls.append(dict(
            name=name, resume=cfg.resume, type=cfg.model.type,
            teacher=cfg.model.get('teacher_ckpt'), init=init.get('checkpoint'),
            teacher_trainable=cfg.model.get('teacher_trainable'),
            val=cfg.get('val_dataloader') is not None,
            save_best=cfg.default_hooks.checkpoint.get('save_best'),
            max_epochs=cfg.train_cfg.max_epochs))
        os.makedirs(cfg.work_dir, exist_ok=True)
        if name == self.fail_at and not cfg.resume:
            with open(osp.join(cfg.work_dir, 'last_checkpoint'), 'w') as f:
                f.write(osp.join(cfg.work_dir, 'epoch_1.pth'))
            raise KeyboardInterrupt
        value = float(len(self.calls))
        if cfg.model.type == 'CrossModalDistill':
            state = {'architecture.backbone.conv1.weight': torch.full((2, 2), value),
                     'teacher.backbone.conv1.weight': torch.zeros(2, 2)}
        else:
            state = {'backbone.conv1.weight': torch.full((2, 2), value)}
        name = 'best_pbvs_total_epoch_2.pth' if cfg.get('val_dataloader') else 'epoch_2.pth'
        torch.save(dict(state_dict=state, meta={}), osp.join(cfg.work_dir, name))
        with open(osp.join(cfg.work_dir, 'last_checkpoint'), 'w') as f:
            f.write(osp.join(cfg.work_dir, 'epoch_2.pth'))


def test_plan_names_and_configs():
    tool = load_tool('njust_kmg.py')
    assert [(s['name'], osp.basename(s['config'])) for s in tool.plan('joint', 'full')] == [
        ('stage1_eo', 'njust-kmg_stage1-eo_mavoc2024.py'),
        ('stage2_joint', 'njust-kmg_stage2-joint_mavoc2024.py'),
        ('stage3_full_from_joint', 'njust-kmg_stage3-full_mavoc2024.py'),
    ]
    with pytest.raises(ValueError):
        tool.plan('kd', 'head')


def test_stage_wiring_and_resume(tmp_path, mavoc2024_demo_root):
    tool = load_tool('njust_kmg.py')
    work = str(tmp_path / 'work')
    options = {'train_cfg.max_epochs': 3, 'val_dataloader.num_workers': 0}
    first = FakeTrain(fail_at='stage3_head_from_kl')
    with pytest.raises(KeyboardInterrupt):
        tool.train_stages(work, 'kl', 'head', mavoc2024_demo_root, options, train=first)
    stage1 = osp.join(work, 'stage1_eo', 'epoch_2.pth')
    encoder = osp.join(work, 'stage2_kl', 'sar_encoder.pth')
    assert first.calls == [
        dict(name='stage1_eo', resume=False, type='ImageClassifier', teacher=None, init=None,
             teacher_trainable=None, val=False, save_best=None, max_epochs=3),
        dict(name='stage2_kl', resume=False, type='CrossModalDistill', teacher=stage1,
             init=None, teacher_trainable=None, val=False, save_best=None, max_epochs=3),
        dict(name='stage3_head_from_kl', resume=False, type='ImageClassifier', teacher=None,
             init=encoder, teacher_trainable=None, val=True, save_best='pbvs_total',
             max_epochs=3),
    ]
    # the SAR encoder of stage 2 is the plain student: prefix gone, no teacher weights
    state = torch.load(encoder, map_location='cpu')['state_dict']
    assert set(state) == {'backbone.conv1.weight'} and state['backbone.conv1.weight'][0, 0] == 2

    again = FakeTrain()
    records = tool.train_stages(work, 'kl', 'head', mavoc2024_demo_root, options, train=again)
    assert [(c['name'], c['resume'], c['init']) for c in again.calls] == [
        ('stage3_head_from_kl', True, encoder)]
    assert [r['stage'] for r in records] == ['stage1_eo', 'stage2_kl', 'stage3_head_from_kl']
    assert records[2]['checkpoint'] == osp.join(work, 'stage3_head_from_kl',
                                                'best_pbvs_total_epoch_2.pth')
    with open(osp.join(work, 'stage2_kl', 'stage_done.json')) as f:
        assert json.load(f) == dict(
            stage='stage2_kl', config=tool.config_path('kl'), teacher=stage1,
            checkpoint=osp.join(work, 'stage2_kl', 'epoch_2.pth'), student=encoder)

    done = FakeTrain()
    tool.train_stages(work, 'kl', 'head', mavoc2024_demo_root, options, train=done)
    assert done.calls == []

    # the code's variant reuses stage 1; without val data stage 3 keeps its last checkpoint
    joint = FakeTrain()
    records = tool.train_stages(work, 'joint', 'full', str(tmp_path / 'no_data'), train=joint)
    assert [(c['name'], c['teacher'], c['teacher_trainable']) for c in joint.calls] == [
        ('stage2_joint', stage1, True), ('stage3_full_from_joint', None, None)]
    assert joint.calls[1]['init'] == osp.join(work, 'stage2_joint', 'sar_encoder.pth')
    assert not joint.calls[1]['val'] and joint.calls[1]['save_best'] is None
    assert records[2]['checkpoint'] == osp.join(work, 'stage3_full_from_joint', 'epoch_2.pth')


def test_tta_copies_are_flips_and_rotations(mavoc2024_demo_root):
    tool = load_tool('njust_kmg.py')
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(tool.config_path('full'))
    dataset = cfg.test_dataloader.dataset
    dataset.data_root = mavoc2024_demo_root
    dataset.pipeline = tool.tta_pipeline(dataset.pipeline, scales=(48, 64), flip=True,
                                         rotations=(90., 180.))
    out = DATASETS.build(dataset)[0]
    copies = [x['sar'].numpy() for x in out['inputs']]
    assert len(copies) == 2 * 2 * 3  # scales x (identity, flip) x (0, 90, 180)
    assert [c.shape for c in copies] == [(3, 48, 48)] * 6 + [(3, 64, 64)] * 6
    for start in (0, 6):
        base = copies[start]
        assert np.array_equal(copies[start + 1], np.rot90(base, -1, axes=(1, 2)))  # clockwise
        assert np.array_equal(copies[start + 2], np.rot90(base, 2, axes=(1, 2)))
        assert np.array_equal(copies[start + 3], base[:, :, ::-1])
        assert np.array_equal(copies[start + 5], np.rot90(base[:, :, ::-1], 2, axes=(1, 2)))
    assert {s.image_id for s in out['data_samples']} == {out['data_samples'][0].image_id}


def _pred():
    probs = np.array([[0.97, 0.02, 0.01], [0.01, 0.98, 0.01], [0.96, 0.03, 0.01],
                      [0.1, 0.2, 0.7], [0.0, 0.99, 0.01], [0.5, 0.3, 0.2]])
    offsets = np.arange(1., 7.)
    with np.errstate(divide='ignore'):
        logits = np.maximum(np.log(probs), -50) + offsets[:, None]
    feats = np.array([[1., 0.], [1., .1], [.9, 0.], [0., 1.], [1., -.1], [.1, 1.]])
    # id clusters (gap <= 100): {10, 50, 140}, {400, 420}, {1000}
    return dict(image_id=np.array(['10', '50', '140', '400', '420', '1000']), logits=logits,
                probs=probs, feats=feats, gt_label=np.full(6, -1), ood=None), offsets


def test_postprocess_scores_and_cluster_voting():
    tool = load_tool('njust_kmg.py')
    pred, offsets = _pred()
    plain = tool.postprocess(pred, 'energy', cluster='none')
    assert plain['class_id'].tolist() == [0, 1, 0, 2, 1, 0]
    # softmax(logits) = probs, so logsumexp(logits) = offset + log(sum(probs)) = offset
    assert np.allclose(plain['score'], offsets, atol=1e-9)
    assert np.allclose(tool.postprocess(pred, 'max_logit', cluster='none')['score'],
                       np.log([0.97, 0.98, 0.96, 0.7, 0.99, 0.5]) + offsets)
    assert np.allclose(tool.postprocess(pred, 'energy', energy_t=2., cluster='none')['score'],
                       2 * np.log((np.exp(pred['logits'] / 2)).sum(1)))

    # the code: confident samples (> 0.95) of an id cluster take the majority label and the
    # (smallest) modal confidence; the others keep theirs
    voted = tool.postprocess(pred, 'max_softmax', cluster='id-gap')
    assert voted['class_id'].tolist() == [0, 0, 0, 2, 1, 0]
    assert np.allclose(voted['score'], [0.96, 0.96, 0.96, 0.7, 0.99, 0.5])
    energy = tool.postprocess(pred, 'energy', cluster='id-gap')
    assert energy['class_id'].tolist() == [0, 0, 0, 2, 1, 0]
    assert np.allclose(energy['score'], offsets)  # the energy is not voted
    assert tool.postprocess(pred, 'energy', cluster='id-gap', id_gap=5)['class_id'].tolist() \
        == [0, 1, 0, 2, 1, 0]  # every id alone

    # the README: clusters of the embeddings, here {0, 1, 2, 4} and {3, 5}; the tie 0/1 among
    # the four voters goes to the smaller label
    for kwargs in (dict(cluster_distance=0.5), dict(n_clusters=2)):
        feats = tool.postprocess(pred, 'energy', cluster='features', **kwargs)
        assert feats['class_id'].tolist() == [0, 0, 0, 2, 0, 0]


def test_val_metrics_formula(tmp_path):
    tool = load_tool('njust_kmg.py')
    pred = dict(gt_label=np.array([0, 1, 2, -1, 0]), ood=np.array([0, 0, 0, 1, 0], bool))
    out = dict(class_id=np.array([0, 1, 0, 3, 1]), score=np.array([0.9, 0.8, 0.7, 0.78, 0.75]))
    metrics = tool.val_metrics(pred, out, str(tmp_path))
    # 2 of the 4 in-distribution chips right; the OOD chip (0.78) is below 2 of the 4 ID scores
    assert {k: metrics[k] for k in ('accuracy/top1', 'auroc', 'pbvs_total')} == pytest.approx(
        {'accuracy/top1': 50., 'auroc': 0.5, 'pbvs_total': 0.75 * 0.5 + 0.25 * 0.5})
    # per class: sedan 1 of 2, SUV 1 of 1, pickup truck 0 of 1; and the confusion matrix
    assert metrics['per_class_accuracy/sedan'] == 50.
    assert metrics['per_class_accuracy/SUV'] == 100.
    assert metrics['per_class_accuracy/pickup truck'] == 0.
    assert (tmp_path / 'confusion_matrix.png').is_file()
    # without OOD flags every labelled chip counts (3 of 5) and there is no AUROC
    labelled = dict(gt_label=np.array([0, 1, 2, 3, 0]), ood=None)
    metrics = tool.val_metrics(labelled, out)
    assert metrics['accuracy/top1'] == pytest.approx(60.) and 'auroc' not in metrics


def test_inference_writes_one_row_per_test_chip(tmp_path, mavoc2024_demo_root):
    tool = load_tool('njust_kmg.py')
    config = tool.config_path('full')
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(config)
    torch.manual_seed(0)
    model = PRETRAIN_MODELS.build(cfg.model)
    model.init_weights()
    torch.nn.init.normal_(model.head.fc.weight, std=1.)  # spread the predictions
    checkpoint = str(tmp_path / 'sar.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    options = {f'{split}_dataloader.{key}': value for split in ('val', 'test')
               for key, value in (('num_workers', 0), ('persistent_workers', False),
                                  ('batch_size', 8))}
    summary = tool.run_inference(
        config, checkpoint, str(tmp_path / 'inference'), data_root=mavoc2024_demo_root,
        cfg_options=options, tta=dict(scales=[224], flip=True, rotations=[]),
        post=dict(ood_score='energy', cluster='none'))

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
