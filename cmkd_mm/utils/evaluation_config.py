"""Test-config edits shared by ``tools/test.py``, the recipes and the sensor-failure
evaluation: no early stopping, the visualization hook for ``--show`` / ``--show-dir`` (mmdet,
mmseg and mmpretrain hooks alike), a ``DumpResults`` metric for ``--out`` and test-time
augmentation from ``tta_model`` / ``tta_pipeline``."""
import inspect

from mmengine.config import ConfigDict

from .config import type_name

# Arguments of the visualization hooks of the supported codebases:
# mmdet's DetVisualizationHook and mmseg's SegVisualizationHook are switched
# on by ``draw``, mmpretrain's VisualizationHook by ``enable``.
KNOWN_HOOK_ARGS = {
    'DetVisualizationHook': {'draw', 'show', 'wait_time', 'test_out_dir'},
    'GroundingVisualizationHook': {'draw', 'show', 'wait_time', 'test_out_dir'},
    'TrackVisualizationHook': {'draw', 'show', 'wait_time', 'test_out_dir'},
    'SegVisualizationHook': {'draw', 'show', 'wait_time'},
    'VisualizationHook': {'enable', 'show', 'wait_time', 'out_dir'},
}


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


def visualization_hook_args(hook_type, scope):
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


def drop_early_stopping(cfg):
    """Remove mmengine's ``EarlyStoppingHook`` from ``cfg.custom_hooks`` (in place): it builds
    the training loop, and so the training dataset, in ``before_run``, and has nothing to do in
    testing."""
    cfg.custom_hooks = [
        h for h in cfg.get('custom_hooks', []) if type_name(h) != 'EarlyStoppingHook'
    ]
    return cfg


def trigger_visualization_hook(cfg, show=False, show_dir=None, wait_time=2.):
    """Turn on the ``visualization`` hook of ``cfg`` (``--show`` / ``--show-dir``), in place.

    Args:
        cfg (Config): The test config.
        show (bool): Show the painted images.
        show_dir (str, optional): Save them there.
        wait_time (float): Interval of ``show`` (s).
    """
    hook = cfg.get('default_hooks', {}).get('visualization')
    if hook is None:
        raise RuntimeError('VisualizationHook must be included in default_hooks (as '
                           f'default_hooks.visualization) of config {cfg.filename} to use '
                           '--show or --show-dir.')
    accepted = visualization_hook_args(hook['type'], cfg.get('default_scope'))
    if accepted is None:  # unknown: assume mmdet's DetVisualizationHook
        accepted = KNOWN_HOOK_ARGS['DetVisualizationHook']
    hook['enable' if 'enable' in accepted else 'draw'] = True
    if show:
        hook['show'] = True
        hook['wait_time'] = wait_time
    if show_dir:
        if 'test_out_dir' in accepted:
            hook['test_out_dir'] = show_dir
        elif 'out_dir' in accepted:
            hook['out_dir'] = show_dir
        else:  # mmseg: the visualizer saves the painted images
            cfg.visualizer['save_dir'] = show_dir
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


def enable_tta(cfg):
    """Wrap the model in ``cfg.tta_model`` and test on ``cfg.tta_pipeline`` (in place)."""
    missing = [k for k in ('tta_model', 'tta_pipeline') if not cfg.get(k)]
    if missing:
        raise RuntimeError(
            f'test-time augmentation needs {" and ".join(missing)} in config {cfg.filename}.')
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
    dataset = cfg.test_dataloader.dataset
    while 'dataset' in dataset:  # unwrap dataset wrappers
        dataset = dataset['dataset']
    # batch_shapes_cfg forces the output image size; not compatible with TTA.
    if 'batch_shapes_cfg' in dataset:
        dataset.batch_shapes_cfg = None
    dataset.pipeline = cfg.tta_pipeline
    return cfg
