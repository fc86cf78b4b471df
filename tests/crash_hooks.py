"""Hooks that crash or hold a training run on purpose, for the resume-after-crash tests.

A test names them in the config it writes (``custom_imports=['cmkd_mm', 'tests.crash_hooks']``)
and runs the command in a subprocess with ``PYTHONPATH`` at the project root. Each hook acts only
when its environment variable is set, so the same config is the uninterrupted reference run.
"""
import os
import os.path as osp
import signal
import time

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

KILL = 'CMKD_TEST_KILL'
HOLD = 'CMKD_TEST_HOLD'
ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def crash_env(kill: bool = False, hold: str = None) -> dict:
    """The environment of a subprocess run: these hooks importable (``PYTHONPATH`` at the
    project root), one thread, no GPU, and the kill / hold switches as asked (else off)."""
    env = dict(
        os.environ,
        PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''),
        OMP_NUM_THREADS='1',
        CUDA_VISIBLE_DEVICES='')
    env.pop(HOLD, None)
    env.pop(KILL, None)
    if hold:
        env[HOLD] = hold
    if kill:
        env[KILL] = '1'
    return env


def _in_stage(runner, stage):
    return stage is None or osp.basename(osp.normpath(runner.work_dir)) == stage


@HOOKS.register_module()
class KillAtIter(Hook):
    """With ``CMKD_TEST_KILL`` set, SIGKILL the process itself once ``iteration`` training
    iterations have run (after every other hook of that iteration, the checkpoint included).

    Args:
        iteration (int): Number of finished iterations (1-based) at which to die.
        stage (str, optional): Only in the run whose work dir has this name (a recipe stage).
    """
    priority = 'LOWEST'

    def __init__(self, iteration, stage=None):
        self.iteration = iteration
        self.stage = stage

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if os.environ.get(KILL) and _in_stage(runner, self.stage) \
                and runner.iter + 1 == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class HoldAfterValidation(Hook):
    """With ``CMKD_TEST_HOLD`` set, write that file once epoch ``epoch`` is trained, saved and
    validated, and wait (for the test to kill the process from outside).

    Args:
        epoch (int): Number of finished epochs (1-based) after whose validation to hold.
        stage (str, optional): Only in the run whose work dir has this name (a recipe stage).
    """
    priority = 'LOWEST'

    def __init__(self, epoch, stage=None):
        self.epoch = epoch
        self.stage = stage

    def after_val_epoch(self, runner, metrics=None):
        flag = os.environ.get(HOLD)
        if flag and _in_stage(runner, self.stage) and runner.epoch == self.epoch:
            open(flag, 'w').close()
            time.sleep(120)
