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
import inspect
import os
import os.path as osp
import sys

from mmengine.config import Config, ConfigDict, DictAction

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

# Arguments of the visualization hooks of the supported codebases:
# mmdet's DetVisualizationHook and mmseg's SegVisualizationHook are switched
# on by ``draw``, mmpretrain's VisualizationHook by ``enable``.
KNOWN_HOOK_ARGS = {
    'DetVisualizationHook': {'draw', 'show', 'wait_time', 'test_out_dir'},
    'GroundingVisualizationHook': {'draw', 'show', 'wait_time',
                                   'test_out_dir'},
    'TrackVisualizationHook': {'draw', 'show', 'wait_time', 'test_out_dir'},
    'SegVisualizationHook': {'draw', 'show', 'wait_time'},
    'VisualizationHook': {'enable', 'show', 'wait_time', 'out_dir'},
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='cmkd_mm test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out',
        type=str,
        help='dump predictions to a pickle file for offline evaluation')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted images will be saved. '
        'If specified, it will be automatically saved '
        'to the work_dir/timestamp/show_dir')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
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
    parser.add_argument('--tta', action='store_true',
                        help='test with test-time augmentation')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def _init_args(cls):
    """Arguments of ``cls.__init__``, following ``**kwargs`` up to the base classes."""
    names = set()
    for klass in cls.__mro__:
        if '__init__' not in vars(klass):
            continue
        params = inspect.signature(klass.__init__).parameters
        names |= {n for n, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            break
    return names


def _hook_args(hook_type, scope):
    """Names of the arguments the visualization hook accepts, or None."""
    if not isinstance(hook_type, str):  # a class given directly
        return _init_args(hook_type)
    name = hook_type.split('.')[-1]
    if name in KNOWN_HOOK_ARGS:
        return KNOWN_HOOK_ARGS[name]
    try:  # e.g. a custom hook: look its class up in the registry
        from mmengine.registry import HOOKS
        if '.' not in hook_type and scope:
            hook_type = f'{scope}.{hook_type}'
        hook_cls = HOOKS.get(hook_type)
    except Exception:
        hook_cls = None
    if hook_cls is None:
        return None
    return _init_args(hook_cls)


def trigger_visualization_hook(cfg, args):
    """Turn on the ``visualization`` hook for ``--show``/``--show-dir``."""
    hook = cfg.get('default_hooks', {}).get('visualization')
    if hook is None:
        raise RuntimeError(
            'VisualizationHook must be included in default_hooks (as '
            f'default_hooks.visualization) of config {args.config} to use '
            '--show or --show-dir.')
    accepted = _hook_args(hook['type'], cfg.get('default_scope'))
    if accepted is None:  # unknown: assume mmdet's DetVisualizationHook
        accepted = KNOWN_HOOK_ARGS['DetVisualizationHook']
    hook['enable' if 'enable' in accepted else 'draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        if 'test_out_dir' in accepted:
            hook['test_out_dir'] = args.show_dir
        elif 'out_dir' in accepted:
            hook['out_dir'] = args.show_dir
        else:  # mmseg: the visualizer saves the painted images
            cfg.visualizer['save_dir'] = args.show_dir
    return cfg


def add_dump_metric(cfg, out):
    """Append mmengine's ``DumpResults`` metric to ``cfg.test_evaluator``."""
    dump_metric = dict(type='mmengine.DumpResults', out_file_path=out)
    evaluator = cfg.test_evaluator
    if isinstance(evaluator, (list, tuple)):
        cfg.test_evaluator = [*evaluator, dump_metric]
    elif 'metrics' in evaluator:  # dict(type='Evaluator', metrics=...)
        metrics = evaluator['metrics']
        if not isinstance(metrics, (list, tuple)):
            metrics = [metrics]
        evaluator['metrics'] = [*metrics, dump_metric]
    else:
        cfg.test_evaluator = [evaluator, dump_metric]
    return cfg


def enable_tta(cfg, args):
    """Wrap the model in ``cfg.tta_model`` and use ``cfg.tta_pipeline``."""
    missing = [k for k in ('tta_model', 'tta_pipeline') if k not in cfg]
    if missing:
        raise RuntimeError(
            f'--tta needs {" and ".join(missing)} in config {args.config}.')
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
    dataset = cfg.test_dataloader.dataset
    while 'dataset' in dataset:  # unwrap dataset wrappers
        dataset = dataset['dataset']
    # batch_shapes_cfg forces the output image size; not compatible with TTA.
    if 'batch_shapes_cfg' in dataset:
        dataset.batch_shapes_cfg = None
    dataset.pipeline = cfg.tta_pipeline
    return cfg


def build_cfg(args):
    """Load the config and apply the command line options to it."""
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    # work_dir is determined in this priority: CLI > segment in file > filename
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    cfg.load_from = args.checkpoint
    # mmengine's EarlyStoppingHook builds the training loop (and so the training dataset) in
    # before_run; it has nothing to do in testing.
    cfg.custom_hooks = [
        h for h in cfg.get('custom_hooks', [])
        if str(h.get('type', '')).split('.')[-1] != 'EarlyStoppingHook'
    ]

    if args.show or args.show_dir:
        trigger_visualization_hook(cfg, args)

    if args.tta:
        enable_tta(cfg, args)

    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(
                f'--out must be a .pkl or .pickle file, got {args.out!r}.')
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

    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    cfg = build_cfg(args)
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    return runner.test()


if __name__ == '__main__':
    main()
