#!/usr/bin/env python
"""Fill a distillation run's teacher-output store before training (teacher only).

Runs the frozen teacher of a distillation config over its training set, split over the
processes of ``--launcher``, with a progress bar, and stores what the distiller's recorders read
in the store training opens: ``<work_dir>/teacher_cache/<fingerprint>`` (or under ``--store``
/ ``model.teacher_cache.directory``). Then ``tools/train.py --teacher-cache`` with the same
config, options and work dir replays every batch from its first epoch (a config that sets
``model.teacher_cache`` and ``TeacherCacheHook`` itself needs no flag). A flip in the pipeline
is run both ways; a pipeline the store cannot serve (a random crop on a teacher modality, batch
mixing) is refused as training refuses it. Stopped midway, it resumes: stored samples are
skipped.

Every batch is replayed when the teacher's padded input has one shape for every batch: images of
one size, or resized to one. With images of several sizes, the keys of a batch depend on which
samples share it, and the epoch log of training (``teacher_cache: epoch N: x % of samples
replayed``) says how many are found.

Examples::

    python tools/analysis_tools/cache_teacher.py CONFIG
    python tools/train.py CONFIG --teacher-cache   # every epoch replayed
    python tools/analysis_tools/cache_teacher.py CONFIG --work-dir work_dirs/run1 \\
        --cfg-options model.teacher_ckpt=work_dirs/teacher/best.pth
    bash tools/dist_cache_teacher.sh CONFIG 8   # torchrun, as tools/dist_train.sh
    bash tools/dist_train.sh CONFIG 8 --teacher-cache
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import DictAction

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Fill the teacher-output store of a distillation run, teacher only')
    parser.add_argument('config', help='the distillation config')
    parser.add_argument(
        '--work-dir', help='the work dir training will use (default work_dirs/<config name>)')
    parser.add_argument(
        '--store',
        metavar='DIR',
        help='where the stores live, as `tools/train.py --teacher-cache DIR` (default '
        '<work_dir>/teacher_cache)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, xxx=yyy, as given to tools/train.py')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def import_plugin():
    """Import ``cmkd_mm`` (registers modules, applies torch-2 shims)."""
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)
    import cmkd_mm  # noqa: F401


def main(argv=None):
    args = parse_args(argv)
    import_plugin()
    from cmkd_mm.engine.runner import cache_teacher
    from cmkd_mm.utils.config import load_config, set_work_dir
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    set_work_dir(cfg, args.config, args.work_dir)  # the work dir tools/train.py trains in
    return cache_teacher(cfg, args.store)


if __name__ == '__main__':
    main()
