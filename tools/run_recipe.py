"""Run a multi-stage recipe (``configs/recipes/*.py``): every stage in order, resumable.

Example::

    python tools/run_recipe.py configs/recipes/cmkd_stf.py --demo
    python tools/run_recipe.py configs/recipes/ntire2021_mavoc2021.py --data-root data/mavoc2021 \\
        --from-scratch --seeds 0 1 2
    python tools/run_recipe.py configs/recipes/cmkd_stf.py --demo --track  # MLflow

Finished stages are skipped and an interrupted one resumes from its last checkpoint: run the
same command again after a crash. ``<work-dir>/results.md`` and ``results.json`` hold every
stage's metrics and wall time (mean ± std over ``--seeds``). With ``--track`` every stage of
every seed is also an MLflow run (``<work-dir>/mlruns.db``, experiment: the recipe's name), which
``tools/analysis_tools/compare_runs.py <work-dir>`` tabulates. See docs/recipes.md.
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

from cmkd_mm.recipes import RecipeRunner


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Run a cmkd_mm recipe (resumable)')
    parser.add_argument('recipe', help='recipe config (configs/recipes/*.py)')
    parser.add_argument(
        '--demo',
        action='store_true',
        help='run the demo-size variant <recipe>_demo.py (procedural data in '
        'the real format, short schedules)')
    parser.add_argument(
        '--data-root',
        help='data root of every stage (default: the recipe\'s, '
        'else each config\'s)')
    parser.add_argument('--work-dir', help='default: work_dirs/<recipe name>')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='options merged into every stage config (model.X goes to '
        'model.architecture.X and model.teacher.X in distillation configs; '
        'options of a part a stage has switched off are skipped)')
    parser.add_argument(
        '--from-scratch',
        action='store_true',
        help='turn off every pretrained initialisation in every stage (no '
        'download); hand-overs between stages still apply')
    parser.add_argument(
        '--seeds',
        type=int,
        nargs='+',
        help='run the whole recipe once per seed (<work-dir>/seed_<s>) and '
        'report mean ± std')
    parser.add_argument(
        '--track',
        nargs='?',
        const=True,
        metavar='URI',
        help='log every stage to MLflow (pip install -e .[tracking]), one run per stage and '
        'seed in one experiment named after the recipe: to URI (a tracking URI, a .db file or '
        'a folder), by default sqlite:///<work-dir>/mlruns.db; default: the recipe\'s `track`')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='print the stages and their hand-overs (checked), train nothing')
    return parser.parse_args(argv)


def demo_variant(recipe: str) -> str:
    """``x.py`` -> ``x_demo.py`` (a recipe that is already a demo stays)."""
    stem, ext = osp.splitext(recipe)
    return recipe if stem.endswith('_demo') else f'{stem}_demo{ext}'


def main(argv=None):
    args = parse_args(argv)
    recipe = demo_variant(args.recipe) if args.demo else args.recipe
    if not osp.isfile(recipe):
        raise FileNotFoundError(f'{recipe}: no such recipe' +
                                (' (--demo looks for <recipe>_demo.py)' if args.demo else ''))
    runner = RecipeRunner(
        recipe,
        work_dir=args.work_dir,
        data_root=args.data_root,
        cfg_options=args.cfg_options,
        from_scratch=args.from_scratch,
        seeds=args.seeds,
        track=args.track)
    if args.dry_run:
        print(runner.describe())
        return None
    return runner.run()


if __name__ == '__main__':
    main()
