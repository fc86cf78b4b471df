"""Cross-modal distillation demos on procedural data written in real on-disk formats.

``det`` (default): Seeing Through Fog pedestrian detection. Writes night/fog scenes in the
official STF layout (``data/demo/stf``: RGB PNGs, 10-bit gated slices, KITTI-style labels,
split files), converts them to COCO json with ``tools/dataset_converters/stf_to_coco.py``, then
trains and tests the four models of ``configs/detection/*_stf_demo.py``:

1. the teacher: RGB + three gated slices (6 channels, early fusion);
2. the baseline: RGB only, no distillation;
3. CMKD-MSE: RGB student mimicking the teacher's FPN P2-P5;
4. CMKD-Adv: RGB student against per-level discriminators behind gradient reversal.

Each model is validated every other epoch; the best checkpoint on val COCO mAP is tested (as
the seed does), and the teacher's best checkpoint teaches the students. Prints val/test COCO
mAP per model.

``seg``: RGB-thermal segmentation on data in the MFNet layout (``configs/demo/``): a narrow FCN
teacher, a thermal baseline and two feature-distilled thermal students, mIoU.

``cekd``: CEKD on the same data (``configs/segmentation/*_mfnet_demo.py``): the CENet teacher
(RGB + thermal, edge branch), the thermal-only EKNet baseline and the CEKD-distilled EKNet, with
mIoU on val and test and on the day and night halves of test.

``mavoc``: the NTIRE 2021 MAVOC recipes (``tools/ntire2021.py --demo``: baseline, KD method 1,
with post-processing, iterative KD) on procedural SAR/EO chips in the 2021 layout, top-1; then
the NJUST-KMG pipeline (``tools/njust_kmg.py --demo``) as the README describes it (KL, head) and
as its code does it (joint, full) on chips in the 2024 layout: top-1, AUROC, PBVS total.

A stage whose work dir holds ``demo_result.json`` is not trained again, so the demo resumes
where it stopped.
"""
import argparse
import json
import logging
import os.path as osp
import time
from typing import Dict, Optional

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner

import cmkd_mm  # noqa: F401
from cmkd_mm.demo import make_mfnet_demo, make_stf_demo
from cmkd_mm.utils import best_checkpoint, load_tool

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TASKS = dict(
    det=dict(
        title='Seeing Through Fog demo (official layout, night/fog), COCO bbox mAP (%)',
        config_dir='configs/detection',
        data_root='data/demo/stf',
        metric='coco/bbox_mAP',
        extra=[('coco/bbox_mAP_50', 'test AP50')],
        stages=[
            # name, config, reads the teacher checkpoint
            ('Teacher (RGB + 3 gated)', 'teacher_stf_demo.py', False),
            ('Baseline (RGB)', 'baseline_stf_demo.py', False),
            ('CMKD-MSE (RGB)', 'cmkd_mse_stf_demo.py', True),
            ('CMKD-Adv (RGB)', 'cmkd_adv_stf_demo.py', True),
        ]),
    seg=dict(
        title='RGB-thermal segmentation demo (MFNet layout), mIoU over 9 classes (%)',
        config_dir='configs/demo',
        data_root='data/demo/mfnet',
        metric='mIoU',
        extra=[('mAcc', 'test mAcc')],
        stages=[
            ('Teacher (RGB + thermal)', 'teacher_fcn-r18-rgbt_mfnet-demo.py', False),
            ('Baseline (thermal)', 'baseline_fcn-r18-thermal_mfnet-demo.py', False),
            ('CMKD (thermal)', 'cmkd_fcn-r18-rgbt-to-thermal_mfnet-demo.py', True),
            ('CMKD-Adv (thermal)', 'cmkd-adv_fcn-r18-rgbt-to-thermal_mfnet-demo.py', True),
        ]),
    cekd=dict(
        title='CEKD demo (MFNet layout), mIoU over the classes present (%)',
        config_dir='configs/segmentation',
        data_root='data/demo/mfnet',
        metric='mIoU',
        extra=[('day/mIoU', 'test day'), ('night/mIoU', 'test night')],
        stages=[
            ('CENet teacher (RGB + T)', 'teacher_cenet_mfnet_demo.py', False),
            ('EKNet baseline (T)', 'baseline_eknet_mfnet_demo.py', False),
            ('CEKD EKNet (T)', 'cekd_mfnet_demo.py', True),
        ]),
)
STF_SPLITS = dict(
    train_night='splits/train_clear_night.txt,splits/light_fog_night.txt',
    val_night='splits/val_clear_night.txt',
    test_night='splits/test_clear_night.txt,splits/dense_fog_night.txt')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='cmkd_mm demo')
    parser.add_argument('task', nargs='?', default='det', choices=sorted([*TASKS, 'mavoc']),
                        help='det: Seeing Through Fog detection; seg: MFNet-format segmentation; '
                        'cekd: CEKD thermal-only segmentation')
    parser.add_argument('--data-root', help='where to write the demo data')
    parser.add_argument('--work-dir', help='default: work_dirs/demo_<task>')
    parser.add_argument('--epochs', type=int, help='override training epochs (det, cekd)')
    parser.add_argument('--iters', type=int, help='override training iterations (seg)')
    parser.add_argument('--seed', type=int, default=0, help='random seed of every stage')
    return parser.parse_args(argv)


def prepare_stf(data_root: str, splits: Optional[Dict[str, int]] = None) -> None:
    """Write the STF demo (skipped when present) and convert its splits to COCO json.

    Args:
        data_root (str): Where to write the dataset.
        splits (dict, optional): Frames per split file (``make_stf_demo``'s default when None).
    """
    make_stf_demo(data_root, splits=splits)
    converter = load_tool('dataset_converters/stf_to_coco.py')
    argv = [data_root, '--out-dir', osp.join(data_root, 'annotations')]
    for name, files in STF_SPLITS.items():
        argv += ['--split', f'{name}={files}']
    converter.main(argv)


def build_cfg(task: str, config: str, data_root: str, work_dir: str, args,
              teacher_ckpt=None) -> Config:
    cfg = Config.fromfile(osp.join(ROOT, TASKS[task]['config_dir'], config))
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.dataset.data_root = data_root
        evaluator = cfg.get(f'{split}_evaluator')
        if isinstance(evaluator, dict) and evaluator.get('ann_file'):
            evaluator.ann_file = osp.join(data_root, loader.dataset.ann_file)
    cfg.work_dir = work_dir
    # Seeded, so that a run prints the same table again (up to CPU thread scheduling).
    cfg.randomness = dict(seed=args.seed)
    if task == 'det' and args.epochs:
        cfg.train_cfg.max_epochs = args.epochs
        cfg.param_scheduler[-1].end = args.epochs
    if task == 'seg' and args.iters:
        iters = args.iters
        cfg.train_cfg.max_iters = cfg.train_cfg.val_interval = iters
        cfg.default_hooks.checkpoint.interval = iters
        cfg.param_scheduler = [
            dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=iters, by_epoch=False)]
    if task == 'seg':
        cfg.default_hooks.logger.interval = max(1, cfg.train_cfg.max_iters // 4)
    if task == 'cekd':
        if args.epochs:
            cfg.train_cfg.max_epochs = cfg.train_cfg.val_interval = args.epochs
            cfg.default_hooks.checkpoint.interval = args.epochs
            cfg.param_scheduler[-1].end = args.epochs
        # The demo scenes hold 4 of the 9 MFNet classes: average over the classes present.
        for split in ('val', 'test'):
            cfg[f'{split}_evaluator'].nan_to_zero = False
    if teacher_ckpt is not None:
        cfg.model.teacher_ckpt = teacher_ckpt
    return cfg


def run_stage(cfg: Config) -> dict:
    """Train (unless done before), then validate and test the final checkpoint."""
    done = osp.join(cfg.work_dir, 'demo_result.json')
    if osp.isfile(done):
        with open(done) as f:
            return json.load(f)
    runner = Runner.from_cfg(cfg)
    runner.train()
    ckpt = best_checkpoint(cfg.work_dir)
    cfg.load_from = ckpt
    # Evaluation only: no best-checkpoint bookkeeping or early stopping on these metrics.
    cfg.default_hooks.checkpoint.save_best = None
    cfg.custom_hooks = []
    runner = Runner.from_cfg(cfg)
    result = dict(val=runner.val(), test=runner.test(), ckpt=ckpt)
    result = json.loads(json.dumps(result, default=float))
    with open(done, 'w') as f:
        json.dump(result, f, indent=1)
    return result


def run_mavoc(args) -> None:
    """The NTIRE 2021 recipes and the NJUST-KMG pipeline on demo chips, two tables."""
    ntire2021, njust_kmg = load_tool('ntire2021.py'), load_tool('njust_kmg.py')
    work_dir = args.work_dir or osp.join(ROOT, 'work_dirs', 'demo_mavoc')
    start = time.time()
    rows = []
    for recipe in ('baseline', 'kd1', 'kd1-pp', 'kd2'):
        result = ntire2021.main(
            [recipe, '--demo', '--work-dir', osp.join(work_dir, 'ntire2021')])
        rows.append((recipe, result['val'].get('accuracy/top1', float('nan')),
                     result['test'].get('accuracy/top1', float('nan'))))
    njust = []
    for stage2, stage3 in (('kl', 'head'), ('joint', 'full')):
        summary = njust_kmg.main(['--demo', '--stage2', stage2, '--stage3', stage3,
                                  '--work-dir', osp.join(work_dir, 'njust_kmg')])
        val = summary['val'] or {}
        njust.append((f'{stage2} + {stage3}', val.get('accuracy/top1', float('nan')),
                      val.get('auroc', float('nan')), val.get('pbvs_total', float('nan'))))
    print('\nNTIRE 2021 MAVOC demo (2021 layout), top-1 of the final EO model (%)')
    print(f'| {"Recipe":<10} | {"val":>6} | {"test":>6} |')
    print('|' + '|'.join(['-' * 12, '-' * 8, '-' * 8]) + '|')
    for recipe, val, test in rows:
        print(f'| {recipe:<10} | {val:6.1f} | {test:6.1f} |')
    print('\nNJUST-KMG demo (2024 layout), SAR val with OOD chips')
    print(f'| {"stage 2 + stage 3":<17} | {"top-1 %":>7} | {"AUROC":>6} | {"PBVS total":>10} |')
    print('|' + '|'.join(['-' * 19, '-' * 9, '-' * 8, '-' * 12]) + '|')
    for name, top1, auroc, total in njust:
        print(f'| {name:<17} | {top1:7.1f} | {auroc:6.3f} | {total:10.3f} |')
    print(f'\ntotal time {time.time() - start:.0f} s; work dirs under {work_dir}')


def main(argv=None):
    args = parse_args(argv)
    if args.task == 'mavoc':
        return run_mavoc(args)
    task = TASKS[args.task]
    data_root = args.data_root or osp.join(ROOT, task['data_root'])
    work_root = args.work_dir or osp.join(ROOT, 'work_dirs', f'demo_{args.task}')
    start = time.time()
    if args.task == 'det':
        prepare_stf(data_root)
    else:
        make_mfnet_demo(data_root)
    print_log(f'demo data in {data_root}', logger='current')
    rows, teacher_ckpt = [], None
    metric, extra = task['metric'], task['extra']
    for name, config, needs_teacher in task['stages']:
        work_dir = osp.join(work_root, osp.splitext(config)[0])
        cfg = build_cfg(args.task, config, data_root, work_dir, args,
                        teacher_ckpt if needs_teacher else None)
        print_log(f'=== {name}: {config}', logger='current', level=logging.INFO)
        stage_start = time.time()
        result = run_stage(cfg)
        if teacher_ckpt is None:
            teacher_ckpt = result['ckpt']
        scale = 100. if args.task == 'det' else 1.
        rows.append((name, scale * result['val'].get(metric, float('nan')),
                     scale * result['test'].get(metric, float('nan')),
                     [scale * result['test'].get(key, float('nan')) for key, _ in extra],
                     time.time() - stage_start))
    print(f'\n{task["title"]}')
    head = ''.join(f' {label:>10} |' for _, label in extra)
    print(f'| {"Model":<25} | {"val":>6} | {"test":>6} |{head} {"time (s)":>8} |')
    print('|' + '|'.join(['-' * 27, '-' * 8, '-' * 8] + ['-' * 12] * len(extra) + ['-' * 10]) + '|')
    for name, val, test, exts, sec in rows:
        cells = ''.join(f' {ext:10.1f} |' for ext in exts)
        print(f'| {name:<25} | {val:6.1f} | {test:6.1f} |{cells} {sec:8.0f} |')
    print(f'\ntotal time {time.time() - start:.0f} s; work dirs under {work_root}')


if __name__ == '__main__':
    main()
