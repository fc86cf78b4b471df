#!/usr/bin/env python
"""Plot training curves and measure training time from mmengine json scalar logs.

Same interface as mmdetection's ``tools/analysis_tools/analyze_logs.py``; a log may also be a
work dir (its ``<timestamp>/vis_data/<timestamp>.json`` logs, a resumed run's joined), and
``--recipe`` reads a whole recipe run (``tools/run_recipe.py``) over its seeds.

Examples::

    python tools/analysis_tools/analyze_logs.py plot_curve \\
        work_dirs/x/20240101_120000/vis_data/20240101_120000.json work_dirs/y \\
        --keys loss distill.loss_adv_p2 coco/bbox_mAP --legend teacher student --out fig.png
    python tools/analysis_tools/analyze_logs.py plot_curve --recipe work_dirs/cmkd_stf \\
        --keys coco/bbox_mAP loss --stages teacher baseline cmkd_adv --out recipe.png
    python tools/analysis_tools/analyze_logs.py cal_train_time work_dirs/x [--include-outliers]
    python tools/analysis_tools/analyze_logs.py cal_train_time --recipe work_dirs/cmkd_stf
"""
import argparse
import os
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Analyze json scalar logs')
    sub = parser.add_subparsers(dest='task', required=True)

    def add_inputs(p):
        p.add_argument(
            'json_logs',
            nargs='*',
            help='json scalar logs (vis_data/<timestamp>.json) or '
            'work dirs')
        p.add_argument(
            '--recipe',
            metavar='WORK_DIR',
            help='a recipe run (tools/run_recipe.py work dir): its stages over its seeds')
        p.add_argument(
            '--stages',
            nargs='+',
            help='with --recipe: stages to show, in this order '
            '(default: the report rows of the recipe, else every training stage)')

    plot = sub.add_parser('plot_curve', help='plot curves of scalars')
    add_inputs(plot)
    plot.add_argument('--keys', nargs='+', default=['loss'], help='scalars to plot')
    plot.add_argument('--legend', nargs='+', help='one label per log (per stage: --recipe)')
    plot.add_argument('--title', help='figure title')
    plot.add_argument(
        '--spread',
        choices=['minmax', 'std'],
        default='minmax',
        help='with --recipe: the shaded band over seeds')
    plot.add_argument('--style', help='matplotlib style, or a seaborn one (whitegrid)')
    plot.add_argument('--backend', help='matplotlib backend (default: Agg without a display)')
    plot.add_argument('--dpi', type=int, default=110, help='dpi of the saved figure')
    plot.add_argument('--out', help='save the figure here (default: show it)')

    times = sub.add_parser('cal_train_time', help='iteration time of runs')
    add_inputs(times)
    times.add_argument(
        '--include-outliers', action='store_true', help='keep the first logged time of each epoch')
    args = parser.parse_args(argv)
    if bool(args.json_logs) == bool(args.recipe):
        parser.error('give json logs / work dirs, or --recipe WORK_DIR (not both)')
    if args.stages and not args.recipe:
        parser.error('--stages needs --recipe')
    return args


def import_plugin():
    """Make ``cmkd_mm`` importable from a checkout."""
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)


def plot_curve(args):
    import matplotlib
    if args.backend:
        matplotlib.use(args.backend)
    elif args.out or not os.environ.get('DISPLAY'):
        matplotlib.use('Agg')
    from cmkd_mm.analysis import RecipeLogs, load_run, plot_recipe, plot_runs, save_figure
    figure = None
    if not args.out:
        import matplotlib.pyplot as plt
        if matplotlib.get_backend().lower() == 'agg':
            raise SystemExit('no display to show the figure: give --out fig.png')
        figure = plt.figure()
    if args.recipe:
        recipe = RecipeLogs(args.recipe, args.stages, args.legend)
        fig = plot_recipe(recipe, args.keys, args.spread, args.title, args.style, figure)
    else:
        runs = [load_run(path) for path in args.json_logs]
        fig = plot_runs(runs, args.keys, args.legend, args.title, args.style, figure)
    if args.out:
        print(f'saved {save_figure(fig, args.out, args.dpi)}')
    else:
        plt.show()
    return fig


def cal_train_time(args):
    from cmkd_mm.analysis import (RecipeLogs, format_train_time, load_run, recipe_time_table,
                                  train_time)
    if args.recipe:
        text = recipe_time_table(RecipeLogs(args.recipe, args.stages), args.include_outliers)
    else:
        runs = [load_run(path) for path in args.json_logs]
        text = '\n'.join(format_train_time(r, train_time(r, args.include_outliers)) for r in runs)
    print(text)
    return text


def main(argv=None):
    args = parse_args(argv)
    import_plugin()
    return dict(plot_curve=plot_curve, cal_train_time=cal_train_time)[args.task](args)


if __name__ == '__main__':
    try:
        main()
    except (KeyError, FileNotFoundError, ValueError) as err:  # a wrong key, path or label
        raise SystemExit(f'error: {err.args[0] if err.args else err}')
