#!/usr/bin/env python
"""Compare the stages (methods) of a tracked recipe straight from its MLflow store.

Rows are the stages (their ``report.rows`` label), columns their final metrics (those the recipe
logged after evaluating each stage's best checkpoint), cells ``mean ± std`` over the random seeds
(as in ``results.md``), with the number of seeds. Per stage and seed the latest finished run with
final metrics counts, so a stage that crashed and resumed counts once. Needs MLflow
(``pip install -e .[tracking]``).

Examples::

    python tools/run_recipe.py configs/recipes/cmkd_stf.py --demo --seeds 0 1 --track
    python tools/analysis_tools/compare_runs.py work_dirs/cmkd_stf_demo
    python tools/analysis_tools/compare_runs.py --tracking-uri sqlite:///work_dirs/x/mlruns.db \\
        --experiment cmkd_stf --metrics val/coco/bbox_mAP test/coco/bbox_mAP --scale 100 --fmt .1f
"""
import argparse
import json
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Compare the stages of a tracked recipe')
    parser.add_argument(
        'work_dir',
        nargs='?',
        help='the recipe\'s work dir (its mlruns.db), a .db file or a tracking URI')
    parser.add_argument('--tracking-uri', help='the store (instead of WORK_DIR)')
    parser.add_argument(
        '--experiment', help='experiment (the recipe\'s name); default: the only one')
    parser.add_argument(
        '--metrics',
        nargs='+',
        help='columns, <split>/<metric> (e.g. val/coco/bbox_mAP); default: every final metric')
    parser.add_argument('--fmt', default='.4g', help='number format of the metric cells')
    parser.add_argument('--scale', type=float, default=1.0, help='factor (100: percent)')
    parser.add_argument('--no-time', action='store_true', help='leave out the wall time column')
    parser.add_argument(
        '--format',
        choices=['md', 'json'],
        default='md',
        help='md: the markdown table; json: values per seed, mean and std')
    args = parser.parse_args(argv)
    if (args.work_dir is None) == (args.tracking_uri is None):
        parser.error('give WORK_DIR or --tracking-uri (one of them)')
    return args


def main(argv=None):
    args = parse_args(argv)
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)
    from cmkd_mm.analysis.run_comparison import compare_runs, compare_table
    uri = args.tracking_uri or args.work_dir
    if args.format == 'json':
        out = json.dumps(compare_runs(uri, args.experiment, args.metrics), indent=1)
    else:
        out = compare_table(uri, args.experiment, args.metrics, args.fmt, args.scale,
                            not args.no_time)
    print(out)
    return out


if __name__ == '__main__':
    main()
