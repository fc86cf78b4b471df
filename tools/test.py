#!/usr/bin/env python
"""Test (and evaluate) a model trained with cmkd_mm.

Modelled on mmdetection 3.3.0's ``tools/test.py``; works for mmdet, mmseg
and mmpretrain configs alike (the registry scope comes from the config's
``default_scope``). ``cmkd_mm`` is imported before anything is built.

Examples::

    python tools/test.py configs/xxx.py work_dirs/xxx/epoch_12.pth
    python tools/test.py configs/xxx.py ckpt.pth --out results.pkl
    python tools/test.py configs/xxx.py ckpt.pth --show-dir vis --tta
    bash tools/dist_test.sh configs/xxx.py ckpt.pth 8
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import DictAction

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='cmkd_mm test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out', type=str, help='dump predictions to a pickle file for offline evaluation')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted images will be saved. '
        'If specified, it will be automatically saved '
        'to the work_dir/timestamp/show_dir')
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--tta', action='store_true', help='test with test-time augmentation')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def build_cfg(args):
    """Load the config and apply the command line options to it."""
    from cmkd_mm.utils.config import load_config, set_work_dir

    # --cfg-options merged (a key nothing reads is refused), then every 'pair:<name>' reference
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    # work_dir is determined in this priority: CLI > segment in file > filename
    set_work_dir(cfg, args.config, args.work_dir)

    cfg.load_from = args.checkpoint

    from cmkd_mm.utils.evaluation_config import (add_dump_metric, drop_early_stopping, enable_tta,
                                                 trigger_visualization_hook)
    drop_early_stopping(cfg)
    if args.show or args.show_dir:
        trigger_visualization_hook(cfg, args.show, args.show_dir, args.wait_time)

    if args.tta:
        enable_tta(cfg)

    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out must be a .pkl or .pickle file, got {args.out!r}.')
        add_dump_metric(cfg, args.out)
    return cfg


def import_plugin():
    """Import ``cmkd_mm`` (registers modules, applies torch-2 shims)."""
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)
    import cmkd_mm  # noqa: F401


def main(argv=None):
    args = parse_args(argv)
    import_plugin()
    try:  # only newer mmdet versions have it
        from mmdet.utils import setup_cache_size_limit_of_dynamo
    except ImportError:
        pass
    else:
        setup_cache_size_limit_of_dynamo()

    from cmkd_mm.engine.runner import checked_runner

    cfg = build_cfg(args)
    # a checkpoint that does not fit the model is refused, not loaded in part
    return checked_runner(cfg).test()


if __name__ == '__main__':
    main()
