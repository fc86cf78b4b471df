"""Cross-modal distillation demo on procedural RGB-thermal data in the MFNet layout.

Writes the demo dataset (``data/demo/mfnet``), then trains and tests, one config each:

1. the teacher: RGB + thermal (4 channels);
2. the baseline: thermal only, no distillation;
3. CMKD: thermal-only student distilled from the teacher (feature MSE + channel-wise logits KD);
4. CMKD-Adv: thermal-only student with an adversarial feature discriminator.

Stages that already have a final checkpoint in ``--work-dir`` are not trained again, so the demo
resumes where it stopped. Prints val/test mIoU per model.
"""
import argparse
import logging
import os.path as osp
import time

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner

import cmkd_mm  # noqa: F401
from cmkd_mm.demo import make_mfnet_demo

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
STAGES = [
    # name, config, modality the model sees, reads teacher checkpoint
    ('Teacher (RGB + thermal)', 'teacher_fcn-r18-rgbt_mfnet-demo.py', False),
    ('Baseline (thermal)', 'baseline_fcn-r18-thermal_mfnet-demo.py', False),
    ('CMKD (thermal)', 'cmkd_fcn-r18-rgbt-to-thermal_mfnet-demo.py', True),
    ('CMKD-Adv (thermal)', 'cmkd-adv_fcn-r18-rgbt-to-thermal_mfnet-demo.py', True),
]


def parse_args():
    parser = argparse.ArgumentParser(description='cmkd_mm demo')
    parser.add_argument('--data-root', default=osp.join(ROOT, 'data', 'demo', 'mfnet'))
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'demo'))
    parser.add_argument('--iters', type=int, default=None, help='override training iterations')
    return parser.parse_args()


def build_cfg(config: str, data_root: str, work_dir: str, iters=None, teacher_ckpt=None):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'demo', config))
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = data_root
    cfg.work_dir = work_dir
    if iters:
        cfg.train_cfg.max_iters = cfg.train_cfg.val_interval = iters
        cfg.default_hooks.checkpoint.interval = iters
        cfg.param_scheduler = [
            dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=iters, by_epoch=False)]
    if teacher_ckpt is not None:
        cfg.model.teacher_ckpt = teacher_ckpt
    cfg.default_hooks.logger.interval = max(1, cfg.train_cfg.max_iters // 4)
    return cfg


def run_stage(cfg: Config) -> dict:
    """Train (unless a final checkpoint exists), then validate and test."""
    final = osp.join(cfg.work_dir, f'iter_{cfg.train_cfg.max_iters}.pth')
    trained = osp.isfile(final)
    if trained:
        cfg.load_from = final
    runner = Runner.from_cfg(cfg)
    if not trained:
        runner.train()
    return dict(val=runner.val(), test=runner.test(), ckpt=final)


def main():
    args = parse_args()
    start = time.time()
    make_mfnet_demo(args.data_root)
    print_log(f'demo data in {args.data_root}', logger='current')
    rows, teacher_ckpt = [], None
    for name, config, needs_teacher in STAGES:
        work_dir = osp.join(args.work_dir, osp.splitext(config)[0])
        cfg = build_cfg(config, args.data_root, work_dir, args.iters,
                        teacher_ckpt if needs_teacher else None)
        print_log(f'=== {name}: {config}', logger='current', level=logging.INFO)
        result = run_stage(cfg)
        if teacher_ckpt is None:
            teacher_ckpt = result['ckpt']
        rows.append((name, result['val'].get('mIoU', float('nan')),
                     result['test'].get('mIoU', float('nan')),
                     result['test'].get('mAcc', float('nan'))))
    print('\nCross-modal distillation demo (MFNet-format RGB-thermal, mIoU over 9 classes)')
    print(f'| {"Model":<26} | {"val mIoU":>8} | {"test mIoU":>9} | {"test mAcc":>9} |')
    print(f'|{"-" * 28}|{"-" * 10}|{"-" * 11}|{"-" * 11}|')
    for name, val, test, acc in rows:
        print(f'| {name:<26} | {val:8.2f} | {test:9.2f} | {acc:9.2f} |')
    print(f'\ntotal time {time.time() - start:.0f} s; work dirs under {args.work_dir}')


if __name__ == '__main__':
    main()
