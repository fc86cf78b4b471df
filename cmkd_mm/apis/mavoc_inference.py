"""NJUST-KMG (PBVS 2024 MAVOC) inference: TTA predictions, OOD score, cluster voting, CSV.

* :func:`mavoc_predict` runs a classifier on the ``'val'`` or ``'test'`` split, with the test-time
  augmentation of the config (``tta_model`` / ``tta_pipeline``, as ``tools/test.py --tta``);
* :func:`mavoc_postprocess` turns the predictions into labels and OOD scores, with optional
  cluster voting;
* :func:`mavoc_val_metrics` scores the post-processed val predictions with ``MAVOCMetric``;
* :func:`mavoc_inference` does all of it and writes ``results.csv`` (``image_id,class_id,score``).

The recipe step ``MAVOCInference`` (``cmkd_mm.recipes``) calls :func:`mavoc_inference`.
"""
import copy
import json
import os.path as osp
from typing import Dict, Optional

import mmengine
import numpy as np
from mmengine.config import Config

from ..datasets import MAVOC_CLASSES
from ..engine.runner import checked_runner
from ..evaluation.functional import (cluster_by_features, cluster_by_id_gap, cluster_vote,
                                     name_order, numeric_image_id)
from ..evaluation.functional import ood_score as compute_ood_score
from ..evaluation.functional import write_submission
from ..evaluation.functional.clustering import TIE_BREAK_ALIASES
from ..evaluation.metrics import MAVOCMetric
from ..utils.deprecation import deprecated_value
from ..utils.evaluation_config import enable_tta

CLUSTERS = ('id-gap', 'features', 'none')


def mavoc_predict(cfg: Config,
                  checkpoint: str,
                  split: str,
                  work_dir: str,
                  tta: bool = True) -> Dict[str, np.ndarray]:
    """Run a classifier on the ``'test'`` or ``'val'`` split of its config.

    Args:
        cfg (Config): Classifier config (data roots already set); with ``tta=True`` it needs
            ``tta_model`` and ``tta_pipeline``.
        checkpoint (str): Its checkpoint.
        split (str): ``'test'`` or ``'val'``.
        work_dir (str): Work dir of the test run (logs, ``predictions.pkl``).
        tta (bool): Average the predictions over ``tta_pipeline``'s copies. Defaults to True.

    Returns:
        dict[str, np.ndarray]: ``image_id`` (str), ``logits`` ``(N, C)``, ``probs`` ``(N, C)``
        (mean softmax), ``feats`` ``(N, D)`` (or None), ``gt_label`` (-1 when unknown) and
        ``ood`` (None when the split has no OOD flags).
    """
    cfg = copy.deepcopy(cfg)
    if split not in ('val', 'test'):
        raise ValueError(f"split must be 'val' or 'test', got {split!r}")
    if split == 'val':
        if not cfg.get('val_dataloader'):
            raise FileNotFoundError('the config has no val data')
        cfg.test_dataloader = cfg.val_dataloader
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    if tta:
        enable_tta(cfg)
    out_file = osp.join(work_dir, 'predictions.pkl')
    cfg.work_dir = work_dir
    cfg.test_evaluator = dict(type='mmengine.DumpResults', out_file_path=out_file)
    cfg.test_cfg = dict(type='TestLoop')
    cfg.load_from, cfg.resume = checkpoint, False
    cfg.default_hooks.checkpoint.save_best = None
    checked_runner(cfg).test()
    results = mmengine.load(out_file)

    def floats(key: str) -> np.ndarray:
        return np.stack([np.asarray(r[key], np.float64) for r in results])

    flags = [r.get('ood') for r in results]
    return dict(
        image_id=np.array([str(r['image_id']) for r in results]),
        logits=floats('pred_logits'),
        probs=floats('pred_score'),
        feats=floats('pred_feats') if 'pred_feats' in results[0] else None,
        gt_label=np.array([
            int(np.asarray(r['gt_label']).ravel()[0]) if 'gt_label' in r else -1 for r in results
        ]),
        ood=None if None in flags else np.array(flags, bool))


def mavoc_postprocess(pred: Dict[str, np.ndarray],
                      ood_score: str = 'energy',
                      energy_t: float = 1.0,
                      cluster: str = 'id-gap',
                      id_gap: float = 100,
                      cluster_order: str = 'name',
                      tie_break: str = 'original',
                      vote_threshold: float = 0.95,
                      n_clusters: Optional[int] = 10,
                      cluster_distance: Optional[float] = None) -> Dict[str, np.ndarray]:
    """Labels and OOD scores of the predictions, with optional cluster voting.

    Label = argmax of the (TTA-averaged) softmax; OOD score (higher = in-distribution) as
    :func:`~cmkd_mm.evaluation.functional.ood_score` names it. Cluster voting: ``'id-gap'``
    groups the chips by image id (the NJUST-KMG code walks them in name order,
    ``cluster_order``),
    ``'features'`` by their L2-normalised embeddings (k-means with ``n_clusters`` or single
    linkage at ``cluster_distance``), ``'none'`` votes nothing. In every cluster the samples with
    max softmax > ``vote_threshold`` take the majority label (ties: ``tie_break``); with the
    ``max_softmax`` score their score becomes the modal score too, as in the NJUST-KMG code.

    Args:
        pred (dict): Output of :func:`mavoc_predict`.
        ood_score (str): ``'energy'``, ``'max_softmax'`` or ``'max_logit'``.
        energy_t (float): Temperature of the energy score.
        cluster (str): ``'id-gap'``, ``'features'`` or ``'none'``.
        id_gap (float): Largest id gap inside an ``id-gap`` cluster.
        cluster_order (str): ``'name'`` (the NJUST-KMG code's string order) or ``'numeric'``.
        tie_break (str): ``'original'`` (the NJUST-KMG code's set order, samples in
            ``cluster_order``) or ``'smallest'``; ``'seed'`` is the deprecated name of
            ``'original'``.
        vote_threshold (float): Max softmax above which a sample votes (and is relabelled).
        n_clusters (int, optional): k-means clusters for ``features`` (at most the sample count).
        cluster_distance (float, optional): Single-linkage distance for ``features``.

    Returns:
        dict[str, np.ndarray]: ``class_id`` and ``score`` of every sample.
    """
    if cluster not in CLUSTERS:
        raise ValueError(f'cluster must be one of {CLUSTERS}, got {cluster!r}')
    tie_break = deprecated_value(tie_break, TIE_BREAK_ALIASES, 'mavoc_postprocess(tie_break)')
    labels = pred['probs'].argmax(axis=1)
    confidence = pred['probs'].max(axis=1)
    scores = confidence if ood_score == 'max_softmax' else compute_ood_score(
        pred['logits'], ood_score, energy_t)
    if cluster == 'none':
        return dict(class_id=labels, score=scores)
    ids = [str(i) for i in pred['image_id']]
    if cluster == 'id-gap':
        groups = cluster_by_id_gap(ids, id_gap, order=cluster_order)
    elif pred['feats'] is None:
        raise ValueError("cluster='features' needs the embeddings (LogitClsHead with "
                         'store_feats=True)')
    elif cluster_distance is not None:
        groups = cluster_by_features(
            pred['feats'], distance_threshold=cluster_distance, normalize=True)
    else:
        groups = cluster_by_features(
            pred['feats'], n_clusters=min(n_clusters, len(labels)), normalize=True)
    order = name_order(ids) if cluster_order == 'name' else np.argsort(
        [numeric_image_id(i) for i in ids], kind='stable')
    labels, voted = cluster_vote(labels, confidence, groups, vote_threshold, tie_break, order)
    if ood_score == 'max_softmax':
        scores = voted
    return dict(class_id=labels, score=scores)


def mavoc_val_metrics(pred: Dict[str, np.ndarray],
                      out: Dict[str, np.ndarray],
                      out_dir: Optional[str] = None) -> Dict[str, float]:
    """``MAVOCMetric`` on post-processed predictions of the 2024 classes.

    Top-1 (%) and per-class accuracy of the labelled in-distribution chips; with OOD flags the
    AUROC of the score and the PBVS total; with ``out_dir`` the confusion matrix picture.

    Args:
        pred (dict): Output of :func:`mavoc_predict` (``gt_label``, ``ood``, ``image_id``).
        out (dict): Output of :func:`mavoc_postprocess` (``class_id``, ``score``).
        out_dir (str, optional): Where to write ``confusion_matrix.{png,csv}``.
    """
    flags = [None] * len(out['class_id']) if pred['ood'] is None else pred['ood'].tolist()
    results = [
        dict(
            pred_label=int(label),
            gt_label=int(gt),
            num_classes=len(MAVOC_CLASSES['2024']),
            image_id=image_id,
            ood=ood,
            score=float(score)) for label, gt, image_id, ood, score in zip(
                out['class_id'], pred['gt_label'], pred.get('image_id', flags), flags, out['score'])
    ]
    metric = MAVOCMetric(out_dir=out_dir)
    metric.dataset_meta = dict(classes=MAVOC_CLASSES['2024'])
    return metric.compute_metrics(results)


def mavoc_inference(cfg: Config,
                    checkpoint: str,
                    work_dir: str,
                    out: Optional[str] = None,
                    tta: bool = True,
                    postprocess: Optional[dict] = None) -> Dict:
    """Test predictions to ``results.csv``; val metrics when the config has val data.

    Args:
        cfg (Config): Classifier config (data roots set; ``val_dataloader`` None when there is
            no val data).
        checkpoint (str): Its checkpoint.
        work_dir (str): Folder of the inference runs (``val/``, ``test/``, ``inference.json``).
        out (str, optional): The CSV; default ``<work_dir>/results.csv``.
        tta (bool): Use the config's test-time augmentation. Defaults to True.
        postprocess (dict, optional): :func:`mavoc_postprocess` arguments.

    Returns:
        dict: ``results`` (the CSV path), ``num_test``, ``val`` (metrics, or None) and the
        options used.
    """
    post = dict(postprocess or {})
    out = out or osp.join(work_dir, 'results.csv')
    val = None
    if cfg.get('val_dataloader'):
        pred = mavoc_predict(cfg, checkpoint, 'val', osp.join(work_dir, 'val'), tta)
        val = mavoc_val_metrics(pred, mavoc_postprocess(pred, **post), osp.join(work_dir, 'val'))
    pred = mavoc_predict(cfg, checkpoint, 'test', osp.join(work_dir, 'test'), tta)
    result = mavoc_postprocess(pred, **post)
    write_submission(out, list(pred['image_id']), result['class_id'], result['score'])
    summary = dict(
        results=out,
        num_test=len(pred['image_id']),
        val=val,
        checkpoint=checkpoint,
        tta=tta,
        postprocess=post)
    with open(osp.join(work_dir, 'inference.json'), 'w') as f:
        json.dump(summary, f, indent=1, default=float)
    return summary
