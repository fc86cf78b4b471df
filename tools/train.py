#!/usr/bin/env python
"""Train a model (detector, segmentor, classifier or distiller) with cmkd_mm.

Modelled on mmdetection 3.3.0's ``tools/train.py`` and works for any
OpenMMLab config: the registry scope comes from the config's
``default_scope``. ``cmkd_mm`` is imported before anything is built so that
its modules are registered and its torch-2 shims are in place.

Examples::

    python tools/train.py configs/xxx.py
    python tools/train.py configs/xxx.py --work-dir work_dirs/xxx --amp
    python tools/train.py configs/xxx.py --resume  # latest in work_dir
    python tools/train.py configs/xxx.py --resume epoch_3.pth
    python tools/train.py configs/xxx.py --track  # MLflow: sqlite:///<work_dir>/mlruns.db
    python tools/train.py configs/xxx.py --track http://localhost:5000
    python tools/train.py configs/xxx.py --teacher-cache  # replay the frozen teacher
    bash tools/dist_train.sh configs/xxx.py 8
"""
import argparse
import logging
import os
import os.path as osp
import sys

from mmengine.config import DictAction
from mmengine.logging import print_log

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# mmrazor's constructor builds one optim wrapper per sub-module.
SEPARATE_CONSTRUCTOR = 'SeparateOptimWrapperConstructor'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model with cmkd_mm')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true', help='enable automatically scaling LR.')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='If specify checkpoint path, resume from it, while if not '
        'specify, try to auto resume from the latest checkpoint '
        'in the work directory.')
    parser.add_argument(
        '--teacher-cache',
        nargs='?',
        const=True,
        metavar='DIR',
        help='distillation: replay the frozen teacher\'s outputs from a store shared by every '
        'rank (model.teacher_cache + TeacherCacheHook; docs/performance.md), by default in '
        '<work_dir>/teacher_cache, else under DIR; fill it first with '
        'tools/analysis_tools/cache_teacher.py to replay epoch 1 too')
    parser.add_argument(
        '--track',
        nargs='?',
        const=True,
        metavar='URI',
        help='log params, metrics and artifacts to MLflow (pip install -e .[tracking]): to '
        'URI (a tracking URI, a .db file or a folder), by default sqlite:///<work_dir>/'
        'mlruns.db; the config key `track` (True, a URI or a dict of '
        'cmkd_mm.tracking.mlflow_backend.enable_tracking arguments) does the same')
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
    # torch.distributed.launch passes `--local-rank` (torch>=2.0) or
    # `--local_rank`; accept both.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def enable_amp(cfg):
    """Switch ``cfg.optim_wrapper`` to ``AmpOptimWrapper`` in place."""
    optim_wrapper = cfg.optim_wrapper
    constructor = optim_wrapper.get('constructor')
    if str(constructor).split('.')[-1] == SEPARATE_CONSTRUCTOR:
        raise RuntimeError('`--amp` is not supported with separate optimizers '
                           f'(optim_wrapper.constructor={constructor!r}): set '
                           "type='AmpOptimWrapper' on each sub optim wrapper in the config "
                           'instead.')
    if optim_wrapper.get('type') == 'AmpOptimWrapper':
        print_log(
            'AMP training is already enabled in your config.',
            logger='current',
            level=logging.WARNING)
        return
    assert optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper', (
        '`--amp` is only supported when the optimizer wrapper type is '
        f'`OptimWrapper` but got {optim_wrapper.get("type")}.')
    optim_wrapper.type = 'AmpOptimWrapper'
    optim_wrapper.loss_scale = 'dynamic'


def build_cfg(args):
    """Load the config and apply the command line options to it."""
    from cmkd_mm.utils.config import load_config, set_work_dir

    # --cfg-options merged (a key nothing reads is refused), then every 'pair:<name>' reference
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    # work_dir is determined in this priority: CLI > segment in file > filename
    set_work_dir(cfg, args.config, args.work_dir)

    if args.amp:
        enable_amp(cfg)

    if args.auto_scale_lr:
        auto_scale_lr = cfg.get('auto_scale_lr', None) or {}
        if 'base_batch_size' in auto_scale_lr:
            cfg.auto_scale_lr.enable = True
        else:
            raise RuntimeError('Can not find "auto_scale_lr" or '
                               '"auto_scale_lr.base_batch_size" in your '
                               f'configuration file {args.config}.')

    # resume is determined in this priority: resume from > auto_resume
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.teacher_cache:
        from cmkd_mm.engine.hooks.teacher_cache_hook import enable_teacher_cache
        enable_teacher_cache(cfg, None if args.teacher_cache is True else args.teacher_cache)

    # tracking: CLI > `track` in the config
    track = args.track if args.track is not None else cfg.get('track')
    if track:
        from cmkd_mm.tracking.mlflow_backend import enable_tracking, track_options
        options = track_options(track)
        options['tags'] = dict(
            dict(config=osp.abspath(args.config), resumed=str(bool(cfg.get('resume'))).lower()),
            **(options.get('tags') or {}))
        enable_tracking(cfg, **options)
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
        # Reduce the number of repeated compilations and improve
        # training speed.
        setup_cache_size_limit_of_dynamo()

    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    cfg = build_cfg(args)
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    runner.train()


if __name__ == '__main__':
    main()
