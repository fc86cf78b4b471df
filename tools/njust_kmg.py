"""NJUST-KMG (PBVS 2024 MAVOC, SAR classification + OOD): all stages and inference, resumable.

Stages, each a training run of its config (``configs/classification/njust-kmg_*_mavoc2024.py``):

1. ``stage1_eo``: EO encoder + head, focal loss, class-balanced sampling. Its last checkpoint is
   the EO model.
2. ``stage2_kl`` (``--stage2 kl``, the README): the frozen stage-1 EO model teaches the SAR
   encoder with a KL loss on the embeddings; or ``stage2_joint`` (``--stage2 joint``, the code):
   EO (from stage 1) and SAR encoders trained together with InfoNCE + focal (EO) + sorted MSE.
   The SAR student of the last checkpoint is extracted as a plain classifier
   (``tools/model_converters/extract_student.py``): ``<stage dir>/sar_encoder.pth``.
3. ``stage3_head_from_<stage2>`` (``--stage3 head``, the README: encoder frozen, head trained) or
   ``stage3_full_from_<stage2>`` (``--stage3 full``, the code: all weights), starting from that
   SAR model. With validation data (``val/`` and ``validation_reference.csv``) the best val
   checkpoint (PBVS total) is kept, else the last.

A stage whose work dir holds ``stage_done.json`` is skipped; one that stopped midway resumes
from its last checkpoint. Run the same command again after an interruption.

Inference (always run again, so its options can change without retraining) uses the stage-3
model on the test chips (and on val when it exists):

* test-time augmentation (``AverageClsLogitsTTA``): every combination of the resolutions
  (``--tta-scales``), identity / horizontal flip (``--no-tta-flip`` drops the flip) and the
  rotations (``--tta-rotations``, identity always included); softmax scores, logits and
  embeddings are averaged;
* label = argmax of the averaged softmax; OOD score (``--ood-score``, higher = in-distribution):
  ``energy`` = ``T * logsumexp(logits / T)`` (the README, ``--energy-t``), ``max_softmax`` (the
  code's score column) or ``max_logit``;
* cluster voting (``--cluster``): ``id-gap`` (the code: runs of test ids with gaps <= 100) or
  ``features`` (the README: k-means of the L2-normalised embeddings, ``--n-clusters``, or
  single linkage with ``--cluster-distance``) or ``none``. In every cluster the samples with
  max softmax > ``--vote-threshold`` (0.95) take their majority label; with ``max_softmax``
  their score becomes the modal score too, as in the code;
* ``results.csv`` (``image_id,class_id,score``, one row per test chip) and, with val, the val
  metrics of the same post-processing: top-1 of the in-distribution chips, AUROC of the score
  (in-distribution = positive) and the PBVS total ``0.75 * top-1 + 0.25 * AUROC``.

``--demo`` writes procedural chips in the 2024 layout to ``data/demo/mavoc2024`` (if missing) and
trains every stage for a few epochs on them (``--demo-epochs``), in the same configs.

Example::

    python tools/njust_kmg.py --demo --stage2 joint --stage3 full
    python tools/njust_kmg.py --data-root data/mavoc2024 --stage2 kl --stage3 head \\
        --work-dir work_dirs/njust_kmg --cluster id-gap --ood-score energy
"""
import argparse
import json
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence

import mmengine
import numpy as np
from mmengine.config import Config, ConfigDict, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

import cmkd_mm  # noqa: F401
from cmkd_mm.datasets import MAVOC_CLASSES
from cmkd_mm.demo import make_mavoc_demo
from cmkd_mm.evaluation.functional import (cluster_by_features, cluster_by_id_gap, cluster_vote,
                                           energy_score, max_logit_score, numeric_image_id,
                                           write_submission)
from cmkd_mm.evaluation.metrics import MAVOCMetric
from cmkd_mm.utils import best_checkpoint, load_tool, run_stage

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = dict(
    stage1='njust-kmg_stage1-eo_mavoc2024',
    kl='njust-kmg_stage2-kl_mavoc2024',
    joint='njust-kmg_stage2-joint_mavoc2024',
    head='njust-kmg_stage3-head_mavoc2024',
    full='njust-kmg_stage3-full_mavoc2024')
OOD_SCORES = ('energy', 'max_softmax', 'max_logit')
CLUSTERS = ('id-gap', 'features', 'none')


def config_path(key: str) -> str:
    """Path of a stage config.

    Args:
        key (str): ``'stage1'``, ``'kl'``, ``'joint'``, ``'head'`` or ``'full'``.
    """
    return osp.join(ROOT, 'configs', 'classification', CONFIGS[key] + '.py')


def plan(stage2: str = 'kl', stage3: str = 'head') -> List[Dict[str, str]]:
    """The training stages: name (the work sub-dir) and config of each, in order.

    Args:
        stage2 (str): ``'kl'`` or ``'joint'``.
        stage3 (str): ``'head'`` or ``'full'``.
    """
    if stage2 not in ('kl', 'joint') or stage3 not in ('head', 'full'):
        raise ValueError(f'stage2 must be kl or joint and stage3 head or full, got {stage2!r}, '
                         f'{stage3!r}')
    return [
        dict(name='stage1_eo', config=config_path('stage1')),
        dict(name=f'stage2_{stage2}', config=config_path(stage2)),
        dict(name=f'stage3_{stage3}_from_{stage2}', config=config_path(stage3)),
    ]


def has_val_data(cfg: Config) -> bool:
    """Whether the config's val split exists on disk with its labels and OOD flags.

    Args:
        cfg (Config): A stage config.
    """
    loader = cfg.get('val_dataloader')
    if not loader:
        return False
    root = loader.dataset.get('data_root') or ''
    return osp.isdir(osp.join(root, 'val')) and osp.isfile(
        osp.join(root, 'validation_reference.csv'))


def load_cfg(config: str, work_dir: str, data_root: Optional[str] = None,
             cfg_options: Optional[dict] = None) -> Config:
    """A stage config with the data root, command-line options and work dir applied.

    Options of a part the config has switched off (``val_dataloader=None``...) are skipped.
    Validation is switched off (with best-checkpoint selection) when the val data is missing.
    ``resume`` is set when the work dir holds a checkpoint of an interrupted run.

    Args:
        config (str): The config file.
        work_dir (str): Work dir of the run.
        data_root (str, optional): MAVOC 2024 data root; default: the config's.
        cfg_options (dict, optional): Options merged into the config.
    """
    cfg = Config.fromfile(config)
    if data_root:
        for split in ('train', 'val', 'test'):
            if cfg.get(f'{split}_dataloader'):
                cfg[f'{split}_dataloader'].dataset.data_root = data_root
    if cfg_options:
        # options of a part the stage has switched off (e.g. val of stages 1-2) are left out
        cfg.merge_from_dict({
            key: value
            for key, value in cfg_options.items() if cfg.get(key.split('.')[0], {}) is not None
        })
    if cfg.get('val_dataloader') and not has_val_data(cfg):
        print_log(f'{osp.basename(config)}: no val data (val/ and validation_reference.csv), '
                  f'no validation', logger='current')
        cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
        cfg.default_hooks.checkpoint.save_best = None
    cfg.work_dir = work_dir
    cfg.resume = osp.isfile(osp.join(work_dir, 'last_checkpoint'))
    return cfg


def train_stages(work_dir: str,
                 stage2: str = 'kl',
                 stage3: str = 'head',
                 data_root: Optional[str] = None,
                 cfg_options: Optional[dict] = None,
                 train: Optional[Callable[[Config], None]] = None) -> List[Dict]:
    """Run (or resume) stages 1-3; return one record per stage.

    Args:
        work_dir (str): Root of the stage work dirs.
        stage2 (str): ``'kl'`` (README) or ``'joint'`` (code).
        stage3 (str): ``'head'`` (README) or ``'full'`` (code).
        data_root (str, optional): MAVOC 2024 data root; default: the configs'.
        cfg_options (dict, optional): Options merged into every stage config.
        train (callable, optional): ``train(cfg)``; default builds a Runner and trains.

    Returns:
        list[dict]: Records with ``stage``, ``config`` and ``checkpoint``; stage 2 also has
        ``teacher`` and ``student`` (the plain SAR classifier), stage 3 ``init``.
    """
    train = train or (lambda cfg: Runner.from_cfg(cfg).train())
    extract_student = load_tool('model_converters/extract_student.py').extract_student
    records: List[Dict] = []
    for index, step in enumerate(plan(stage2, stage3)):
        stage_dir = osp.join(work_dir, step['name'])

        def fit(index=index, step=step, stage_dir=stage_dir) -> Dict:
            cfg = load_cfg(step['config'], stage_dir, data_root, cfg_options)
            record = dict(config=step['config'])
            if index == 1:  # the stage-1 EO model: frozen teacher (kl) or EO start (joint)
                record['teacher'] = cfg.model.teacher_ckpt = records[0]['checkpoint']
            elif index == 2:  # start from the stage-2 SAR model
                record['init'] = records[1]['student']
                cfg.model.init_cfg = dict(type='Pretrained', checkpoint=record['init'])
            print_log(f'{step["name"]}: training {osp.basename(step["config"])}',
                      logger='current')
            train(cfg)
            record['checkpoint'] = best_checkpoint(stage_dir)
            if index == 1:  # the SAR student as a plain classifier
                record['student'], _ = extract_student(
                    step['config'], record['checkpoint'],
                    osp.join(stage_dir, 'sar_encoder.pth'), write_config=False)
            return record

        records.append(run_stage(step['name'], stage_dir, fit))
    return records


# ---------------------------------------------------------------------------------- inference
def tta_pipeline(pipeline: Sequence[dict],
                 scales: Sequence[int] = (224, ),
                 flip: bool = True,
                 rotations: Sequence[float] = (90., 180., 270.),
                 modality: str = 'sar') -> List[dict]:
    """A test-time augmentation pipeline from a test pipeline (loader first, packer last).

    Every combination of a resolution (square resize), identity or horizontal flip, and
    identity or one of the rotations (degrees) is one augmented copy.

    Args:
        pipeline (Sequence[dict]): The test pipeline; its first (loading) and last (packing)
            transforms are kept.
        scales (Sequence[int]): Square input sizes.
        flip (bool): Add horizontally flipped copies.
        rotations (Sequence[float]): Rotation angles besides 0.
        modality (str): The modality transformed.

    Returns:
        list[dict]: ``[loader, TestTimeAug(...)]``.
    """

    def on(transform: dict, keep_size: bool = True) -> dict:
        return dict(type='ApplyToModalities', modalities=[modality], keep_size=keep_size,
                    transforms=[transform])

    identity = on(dict(type='mmpretrain.RandomFlip', prob=0.))
    resizes = [on(dict(type='mmpretrain.Resize', scale=(s, s)), keep_size=False) for s in scales]
    flips = [identity]
    if flip:
        flips.append(on(dict(type='mmpretrain.RandomFlip', prob=1., direction='horizontal')))
    turns = [identity] + [
        on(dict(type='mmpretrain.Rotate', angle=float(a), prob=1., random_negative_prob=0.,
                pad_val=0)) for a in rotations
    ]
    return [
        pipeline[0],
        dict(type='TestTimeAug', transforms=[resizes, flips, turns, [pipeline[-1]]])
    ]


def predict(config: str,
            checkpoint: str,
            split: str,
            work_dir: str,
            data_root: Optional[str] = None,
            cfg_options: Optional[dict] = None,
            scales: Sequence[int] = (224, ),
            flip: bool = True,
            rotations: Sequence[float] = (90., 180., 270.)) -> Dict[str, np.ndarray]:
    """Run the classifier with test-time augmentation on the ``'test'`` or ``'val'`` split.

    Args:
        config (str): Classifier config (a stage-3 config).
        checkpoint (str): Its checkpoint.
        split (str): ``'test'`` or ``'val'``.
        work_dir (str): Work dir of the test run (logs, ``predictions.pkl``).
        data_root (str, optional): Data root; default: the config's.
        cfg_options (dict, optional): Options merged into the config.
        scales (Sequence[int]): TTA input sizes (:func:`tta_pipeline`).
        flip (bool): Add flipped TTA copies.
        rotations (Sequence[float]): TTA rotation angles besides 0.

    Returns:
        dict[str, np.ndarray]: ``image_id`` (str), ``logits`` ``(N, C)``, ``probs`` ``(N, C)``
        (mean softmax), ``feats`` ``(N, D)`` (or None), ``gt_label`` (-1 when unknown) and
        ``ood`` (None when the split has no OOD flags).
    """
    cfg = load_cfg(config, work_dir, data_root, cfg_options)
    if split == 'val':
        if not cfg.get('val_dataloader'):
            raise FileNotFoundError(f'{config}: no val data (val/ and validation_reference.csv)')
        cfg.test_dataloader = cfg.val_dataloader
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    dataset = cfg.test_dataloader.dataset
    dataset.pipeline = tta_pipeline(dataset.pipeline, scales, flip, rotations)
    cfg.model = ConfigDict(type='AverageClsLogitsTTA', module=cfg.model)
    out_file = osp.join(work_dir, 'predictions.pkl')
    cfg.test_evaluator = dict(type='mmengine.DumpResults', out_file_path=out_file)
    cfg.test_cfg = dict(type='TestLoop')
    cfg.load_from, cfg.resume = checkpoint, False
    cfg.default_hooks.checkpoint.save_best = None
    Runner.from_cfg(cfg).test()
    results = mmengine.load(out_file)

    def floats(key: str) -> np.ndarray:
        return np.stack([np.asarray(r[key], np.float64) for r in results])

    flags = [r.get('ood') for r in results]
    return dict(
        image_id=np.array([str(r['image_id']) for r in results]),
        logits=floats('pred_logits'),
        probs=floats('pred_score'),
        feats=floats('pred_feats') if 'pred_feats' in results[0] else None,
        gt_label=np.array([int(np.asarray(r['gt_label']).ravel()[0]) if 'gt_label' in r else -1
                           for r in results]),
        ood=None if None in flags else np.array(flags, bool))


def postprocess(pred: Dict[str, np.ndarray],
                ood_score: str = 'energy',
                energy_t: float = 1.0,
                cluster: str = 'id-gap',
                id_gap: float = 100,
                vote_threshold: float = 0.95,
                n_clusters: Optional[int] = 10,
                cluster_distance: Optional[float] = None) -> Dict[str, np.ndarray]:
    """Labels and OOD scores of the predictions, with optional cluster voting.

    Args:
        pred (dict): Output of :func:`predict`.
        ood_score (str): ``'energy'``, ``'max_softmax'`` or ``'max_logit'``.
        energy_t (float): Temperature of the energy score.
        cluster (str): ``'id-gap'``, ``'features'`` or ``'none'``.
        id_gap (float): Largest id gap inside an ``id-gap`` cluster.
        vote_threshold (float): Max softmax above which a sample votes (and is relabelled).
        n_clusters (int, optional): k-means clusters for ``features`` (at most the sample count).
        cluster_distance (float, optional): Single-linkage distance for ``features`` instead of
            k-means.

    Returns:
        dict[str, np.ndarray]: ``class_id`` and ``score`` of every sample.
    """
    if ood_score not in OOD_SCORES or cluster not in CLUSTERS:
        raise ValueError(f'ood_score must be one of {OOD_SCORES} and cluster one of '
                         f'{CLUSTERS}, got {ood_score!r}, {cluster!r}')
    labels = pred['probs'].argmax(axis=1)
    confidence = pred['probs'].max(axis=1)
    if ood_score == 'energy':
        scores = energy_score(pred['logits'], energy_t)
    elif ood_score == 'max_logit':
        scores = max_logit_score(pred['logits'])
    else:
        scores = confidence
    if cluster != 'none':
        if cluster == 'id-gap':
            groups = cluster_by_id_gap([numeric_image_id(i) for i in pred['image_id']], id_gap)
        elif pred['feats'] is None:
            raise ValueError("cluster='features' needs the embeddings (LogitClsHead with "
                             'store_feats=True)')
        elif cluster_distance is not None:
            groups = cluster_by_features(pred['feats'], distance_threshold=cluster_distance,
                                         normalize=True)
        else:
            groups = cluster_by_features(pred['feats'], n_clusters=min(n_clusters,
                                                                       len(labels)),
                                         normalize=True)
        labels, voted = cluster_vote(labels, confidence, groups, vote_threshold)
        if ood_score == 'max_softmax':
            scores = voted
    return dict(class_id=labels, score=scores)


def val_metrics(pred: Dict[str, np.ndarray], out: Dict[str, np.ndarray],
                out_dir: Optional[str] = None) -> Dict[str, float]:
    """``MAVOCMetric`` on the post-processed predictions.

    Top-1 (%) and per-class accuracy of the labelled in-distribution chips; with OOD flags the
    AUROC of the score and the PBVS total; with ``out_dir`` the confusion matrix picture.

    Args:
        pred (dict): Output of :func:`predict` (``gt_label``, ``ood``, ``image_id``).
        out (dict): Output of :func:`postprocess` (``class_id``, ``score``).
        out_dir (str, optional): Where to write ``confusion_matrix.{png,csv}``.
    """
    flags = [None] * len(out['class_id']) if pred['ood'] is None else pred['ood'].tolist()
    results = [
        dict(pred_label=int(label), gt_label=int(gt), num_classes=len(MAVOC_CLASSES['2024']),
             image_id=image_id, ood=ood, score=float(score))
        for label, gt, image_id, ood, score in zip(out['class_id'], pred['gt_label'],
                                                   pred.get('image_id', flags), flags,
                                                   out['score'])
    ]
    metric = MAVOCMetric(out_dir=out_dir)
    metric.dataset_meta = dict(classes=MAVOC_CLASSES['2024'])
    return metric.compute_metrics(results)


def run_inference(config: str,
                  checkpoint: str,
                  work_dir: str,
                  out: Optional[str] = None,
                  data_root: Optional[str] = None,
                  cfg_options: Optional[dict] = None,
                  tta: Optional[dict] = None,
                  post: Optional[dict] = None) -> Dict:
    """Test predictions to ``results.csv``; val metrics when val data exists.

    Args:
        config (str): Classifier config (a stage-3 config).
        checkpoint (str): Its checkpoint.
        work_dir (str): Folder of the inference runs.
        out (str, optional): The CSV; default ``<work_dir>/results.csv``.
        data_root (str, optional): Data root; default: the config's.
        cfg_options (dict, optional): Options merged into the config.
        tta (dict, optional): ``scales``, ``flip``, ``rotations`` (:func:`tta_pipeline`).
        post (dict, optional): :func:`postprocess` arguments.

    Returns:
        dict: ``results`` (the CSV path), ``num_test`` and ``val`` (metrics, or None).
    """
    tta, post = dict(tta or {}), dict(post or {})
    out = out or osp.join(work_dir, 'results.csv')
    cfg = load_cfg(config, work_dir, data_root, cfg_options)
    val = None
    if cfg.get('val_dataloader'):
        pred = predict(config, checkpoint, 'val', osp.join(work_dir, 'val'), data_root,
                       cfg_options, **tta)
        val = val_metrics(pred, postprocess(pred, **post), osp.join(work_dir, 'val'))
    pred = predict(config, checkpoint, 'test', osp.join(work_dir, 'test'), data_root,
                   cfg_options, **tta)
    result = postprocess(pred, **post)
    write_submission(out, list(pred['image_id']), result['class_id'], result['score'])
    summary = dict(results=out, num_test=len(pred['image_id']), val=val, checkpoint=checkpoint,
                   tta=tta, postprocess=post)
    with open(osp.join(work_dir, 'inference.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    return summary


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='NJUST-KMG PBVS 2024 pipeline: stages 1-3 and inference (resumable)')
    parser.add_argument('--data-root', help='MAVOC 2024 data root (default: the configs\', '
                        'data/mavoc2024)')
    parser.add_argument('--work-dir', default='work_dirs/njust_kmg')
    parser.add_argument('--stage2', choices=['kl', 'joint'], default='kl',
                        help='kl: frozen EO teacher, KL on the embeddings (README); joint: both '
                        'encoders, InfoNCE + focal + sorted MSE (code)')
    parser.add_argument('--stage3', choices=['head', 'full'], default='head',
                        help='head: frozen SAR encoder (README); full: all weights (code)')
    parser.add_argument('--out', help='submission CSV (default <work-dir>/results.csv)')
    parser.add_argument('--tta-scales', type=int, nargs='+', default=[224],
                        help='square input sizes of the TTA copies')
    parser.add_argument('--no-tta-flip', action='store_true', help='no flipped TTA copies')
    parser.add_argument('--tta-rotations', type=float, nargs='*', default=[90., 180., 270.],
                        help='TTA rotation angles besides 0 (none: no rotated copies)')
    parser.add_argument('--ood-score', choices=OOD_SCORES, default='energy')
    parser.add_argument('--energy-t', type=float, default=1.0)
    parser.add_argument('--cluster', choices=CLUSTERS, default='id-gap')
    parser.add_argument('--id-gap', type=float, default=100)
    parser.add_argument('--vote-threshold', type=float, default=0.95)
    parser.add_argument('--n-clusters', type=int, default=10,
                        help='k-means clusters of --cluster features')
    parser.add_argument('--cluster-distance', type=float,
                        help='--cluster features by single linkage at this distance instead')
    parser.add_argument('--demo', action='store_true',
                        help='procedural chips in data/demo/mavoc2024, short schedules')
    parser.add_argument('--demo-epochs', type=int, default=4, help='epochs per stage (--demo)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='options merged into every stage config')
    return parser.parse_args(argv)


def demo_options(epochs: int) -> dict:
    """Short schedules and in-process data loading for the demo data."""
    options = {'train_cfg.max_epochs': epochs, 'param_scheduler.0.T_max': epochs,
               'param_scheduler.0.end': epochs}
    for split in ('train', 'val', 'test'):
        options.update({f'{split}_dataloader.num_workers': 0,
                        f'{split}_dataloader.persistent_workers': False,
                        f'{split}_dataloader.batch_size': 32})
    return options


def main(argv=None) -> Dict:
    args = parse_args(argv)
    if args.demo:
        args.data_root = args.data_root or osp.join(ROOT, 'data', 'demo', 'mavoc2024')
        make_mavoc_demo(args.data_root, layout='2024')
        args.cfg_options = {**demo_options(args.demo_epochs), **(args.cfg_options or {})}
        if args.work_dir == 'work_dirs/njust_kmg':
            args.work_dir = 'work_dirs/njust_kmg_demo'
    records = train_stages(args.work_dir, args.stage2, args.stage3, args.data_root,
                           args.cfg_options)
    final = records[-1]
    tta = dict(scales=args.tta_scales, flip=not args.no_tta_flip, rotations=args.tta_rotations)
    post = dict(ood_score=args.ood_score, energy_t=args.energy_t, cluster=args.cluster,
                id_gap=args.id_gap, vote_threshold=args.vote_threshold,
                n_clusters=args.n_clusters, cluster_distance=args.cluster_distance)
    inference_dir = osp.join(args.work_dir, f'inference_{args.stage2}_{args.stage3}')
    summary = run_inference(final['config'], final['checkpoint'], inference_dir, args.out,
                            args.data_root, args.cfg_options, tta, post)
    print('\n| stage | checkpoint |')
    for record in records:
        print(f'| {record["stage"]} | {osp.relpath(record["checkpoint"])} |')
    if summary['val'] is not None:
        val = summary['val']
        print(f'\nval ({args.ood_score}, cluster {args.cluster}): ' + ', '.join(
            f'{k} {v:.4f}' for k, v in val.items()))
    print(f'\n{summary["num_test"]} test predictions in {summary["results"]}')
    return summary


if __name__ == '__main__':
    main()
