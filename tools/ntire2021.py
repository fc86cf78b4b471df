"""The NTIRE 2021 MAVOC recipes, one command each, resumable.

Recipes (``configs/classification/*_mavoc2021.py``; ``--demo`` uses the ``*_demo.py`` variants
on procedural data written in the 2021 layout to ``data/demo/mavoc2021``):

``baseline``  EO "pre-train" (ResNet-34, class-weighted CE with label mixing), then the SAR model
              re-fitted from it; the EO model is tested (the seed's baseline).
``kd1``       + KD method 1: the SAR model teaches the EO student (0.8 CE + 0.2 KL, T = 2).
``kd1-pp``    ``kd1`` tested with the per-class confidence balancing post-processing.
``kd2``       + KD method 2: ``tools/iterative_kd.py`` alternates EO and SAR students.

Stages shared by recipes run once: a stage whose work dir holds ``stage_done.json`` is skipped,
and one that stopped midway resumes from its last checkpoint. The final model is evaluated on
val (top-1, per-class accuracy, confusion matrix) and on test, whose predictions go to
``<work_dir>/<recipe>/results.csv`` (``image_id,class_id``).

Example::

    python tools/ntire2021.py kd1-pp --data-root data/mavoc2021 --work-dir work_dirs/ntire2021
    python tools/ntire2021.py kd2 --demo --kd2-iterations 2
"""
import argparse
import json
import os.path as osp
from typing import Dict, List, Optional

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import cmkd_mm  # noqa: F401
from cmkd_mm.demo import make_mavoc_demo
from cmkd_mm.utils import best_checkpoint, load_tool, run_stage

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = dict(
    eo='baseline_resnet34_eo_mavoc2021', sar='baseline_resnet34_sar_mavoc2021',
    kd1='kd1_sar-to-eo_mavoc2021', kd2_eo='kd2_eo-step_mavoc2021',
    kd2_sar='kd2_sar-step_mavoc2021')
DEMO_CONFIGS = dict(
    eo='baseline_eo_mavoc2021_demo', sar='baseline_sar_mavoc2021_demo',
    kd1='kd1_sar-to-eo_mavoc2021_demo', kd2_eo='kd2_eo-step_mavoc2021_demo',
    kd2_sar='kd2_sar-step_mavoc2021_demo')
RECIPES = dict(
    baseline=(['eo', 'sar'], 'eo'),
    kd1=(['eo', 'sar', 'kd1'], 'kd1'),
    **{'kd1-pp': (['eo', 'sar', 'kd1'], 'kd1')},
    kd2=(['eo', 'sar', 'kd2'], 'kd2'))


def config_path(key: str, demo: bool) -> str:
    names = DEMO_CONFIGS if demo else CONFIGS
    return osp.join(ROOT, 'configs', 'classification', names[key] + '.py')


def set_data(cfg: Config, args) -> None:
    """Point every dataloader at ``args.data_root`` (the demo also knows its test labels)."""
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = args.data_root
    if args.demo:
        cfg.test_dataloader.dataset.label_file = 'test_labels.csv'


def load_cfg(key: str, args, work_dir: str) -> Config:
    """A stage config with the data root, work dir and command-line options applied."""
    cfg = Config.fromfile(config_path(key, args.demo))
    set_data(cfg, args)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = work_dir
    cfg.resume = osp.isfile(osp.join(work_dir, 'last_checkpoint'))
    return cfg


def train_stages(stages: List[str], args) -> Dict[str, Dict]:
    """Train the recipe's stages in order; each record holds its config and checkpoint."""
    chain = load_tool('iterative_kd.py')
    records: Dict[str, Dict] = {}
    for stage in stages:
        work_dir = osp.join(args.work_dir, stage)

        def train(stage=stage, work_dir=work_dir):
            if stage == 'kd2':
                steps = chain.run_chain(
                    config_path('kd2_eo', args.demo), config_path('kd2_sar', args.demo),
                    records['eo']['checkpoint'], records['sar']['checkpoint'], work_dir,
                    iterations=args.kd2_iterations, cfg_options=_data_options(args))
                last_eo = [s for s in steps if s['role'] == 'eo'][-1]
                return dict(config=osp.splitext(last_eo['student'])[0] + '.py',
                            checkpoint=last_eo['student'], distill=False)
            cfg = load_cfg(stage, args, work_dir)
            if stage == 'sar':  # the SAR model is re-fitted from the EO model
                cfg.load_from = None if cfg.resume else records['eo']['checkpoint']
            if stage == 'kd1':
                cfg.model.teacher_ckpt = records['sar']['checkpoint']
                cfg.model.architecture.init_cfg = dict(
                    type='Pretrained', checkpoint=records['eo']['checkpoint'])
            Runner.from_cfg(cfg).train()
            return dict(config=config_path(stage, args.demo),
                        checkpoint=best_checkpoint(work_dir), distill=stage == 'kd1')

        records[stage] = run_stage(stage, work_dir, train)
    return records


def _data_options(args) -> dict:
    """Data root (and the demo's test labels) for the iterative chain's step configs."""
    options = {f'{s}_dataloader.dataset.data_root': args.data_root
               for s in ('train', 'val', 'test')}
    if args.demo:
        options['test_dataloader.dataset.label_file'] = 'test_labels.csv'
    options.update(args.cfg_options or {})
    return options


def evaluate(record: Dict, recipe: str, args) -> Dict:
    """Val and test metrics of the final model; test predictions to results.csv."""
    cfg = Config.fromfile(record['config'])
    set_data(cfg, args)
    out_dir = osp.join(args.work_dir, recipe)
    cfg.work_dir = osp.join(out_dir, 'eval')
    cfg.load_from = record['checkpoint']
    cfg.val_evaluator = dict(type='MAVOCMetric', out_dir=osp.join(out_dir, 'val'))
    cfg.test_evaluator = dict(type='MAVOCMetric', submission_file=osp.join(out_dir,
                                                                           'results.csv'))
    if recipe == 'kd1-pp':
        balancing = dict(k=args.pp_k, classes=tuple(args.pp_classes))
        cfg.val_evaluator.balancing = cfg.test_evaluator.balancing = balancing
    cfg.default_hooks.checkpoint.save_best = None
    runner = Runner.from_cfg(cfg)
    result = dict(val=runner.val(), test=runner.test())
    result = json.loads(json.dumps(result, default=float))
    with open(osp.join(out_dir, 'metrics.json'), 'w') as f:
        json.dump(result, f, indent=1)
    return result


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='NTIRE 2021 MAVOC recipes (resumable)')
    parser.add_argument('recipe', choices=sorted(RECIPES))
    parser.add_argument('--data-root', help='MAVOC 2021 layout (default data/mavoc2021, '
                        'or data/demo/mavoc2021 with --demo)')
    parser.add_argument('--work-dir', help='default work_dirs/ntire2021[_demo]')
    parser.add_argument('--demo', action='store_true',
                        help='demo-size configs on procedural data (written if missing)')
    parser.add_argument('--kd2-iterations', type=int, default=5)
    parser.add_argument('--pp-k', type=int,
                        help='kd1-pp: predictions kept per balanced class (default 85, the '
                        "seed's for 826 test chips; 5 with --demo)")
    parser.add_argument('--pp-classes', type=int, nargs='+', default=[0, 1, 2, 3])
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='options merged into every stage config')
    return parser.parse_args(argv)


def main(argv=None) -> Optional[Dict]:
    args = parse_args(argv)
    suffix = '_demo' if args.demo else ''
    args.data_root = args.data_root or osp.join(
        ROOT, 'data', 'demo' if args.demo else '', 'mavoc2021')
    args.work_dir = args.work_dir or osp.join(ROOT, 'work_dirs', f'ntire2021{suffix}')
    if args.pp_k is None:
        args.pp_k = 5 if args.demo else 85
    if args.demo:
        make_mavoc_demo(args.data_root, layout='2021')
    stages, final = RECIPES[args.recipe]
    records = train_stages(stages, args)
    result = evaluate(records[final], args.recipe, args)
    val, test = result['val'], result['test']
    print(f'\n{args.recipe}: val top-1 {val.get("accuracy/top1", float("nan")):.1f} %, '
          f'test top-1 {test.get("accuracy/top1", float("nan")):.1f} %; predictions in '
          f'{osp.join(args.work_dir, args.recipe, "results.csv")}')
    return result


if __name__ == '__main__':
    main()
