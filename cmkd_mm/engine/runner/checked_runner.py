"""A Runner for evaluation that refuses a ``load_from`` checkpoint that does not fit its model.

mmengine's Runner loads ``load_from`` with ``strict=False``: what does not fit is listed in a
warning and the model is evaluated partly random. :func:`checked_runner` builds the Runner of a
config (``runner_type`` honoured, as ``tools/test.py`` does) and checks the checkpoint against the
model it built (:func:`~cmkd_mm.utils.checkpoint.check_checkpoint_fits`: every weight with its
shape) before anything runs; ``tools/test.py``, the recipes' evaluation, MAVOC inference and the
sensor-failure table test through it.
"""
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

from ...utils.checkpoint import check_checkpoint_fits


def build_runner(cfg: Config) -> Runner:
    """The Runner of a config: its ``runner_type`` if it names one, else mmengine's."""
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    from mmengine.registry import RUNNERS
    return RUNNERS.build(cfg)


def checked_runner(cfg: Config) -> Runner:
    """:func:`build_runner`, with its ``load_from`` checkpoint checked against the model.

    Args:
        cfg (Config): The config; a ``load_from`` that is not resumed is checked.

    Raises:
        CheckpointMismatchError: The checkpoint does not fit (it names the file, what does not
            fit and, from its meta, the config it belongs to); nothing has run.
    """
    runner = build_runner(cfg)
    if cfg.get('load_from') and not cfg.get('resume'):
        which = osp.basename(cfg.filename) if cfg.filename else 'the config'
        check_checkpoint_fits(
            runner.model,
            cfg.load_from,
            target=f'the model of {which}',
            fix='Give the checkpoint trained with this config, or the config the checkpoint '
            'was trained with; nothing was run.')
    return runner
