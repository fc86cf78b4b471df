"""Stop training at the first non-finite loss, naming the loss term and the iteration."""
import math
import os.path as osp

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class CheckFiniteLossHook(Hook):
    """Raise ``FloatingPointError`` when a logged loss term is NaN or infinite.

    Every term of the training step's log variables whose name holds ``loss`` (the total
    ``loss``, ``student.loss_cls``, ``distill.loss_feat``...) is checked after every iteration.
    mmdet's ``CheckInvalidLossHook`` checks the total only and does not say which term broke.
    The hook runs before the ``CheckpointHook``, so no checkpoint of the broken weights is
    written and the last one saved stays the one to resume from.

    Args:
        interval (int): Check every ``interval`` iterations. Defaults to 1.
    """
    priority = 'ABOVE_NORMAL'

    def __init__(self, interval: int = 1) -> None:
        self.interval = interval

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not outputs or not self.every_n_train_iters(runner, self.interval):
            return
        bad = {}
        for name, value in outputs.items():
            if 'loss' not in name:
                continue
            value = float(value.detach().float().mean()) if isinstance(
                value, torch.Tensor) else float(value)
            if not math.isfinite(value):
                bad[name] = value
        if not bad:
            return
        marker = osp.join(runner.work_dir, 'last_checkpoint')
        last = open(marker).read().strip() if osp.isfile(marker) else None
        terms = ', '.join(f'{name} = {value}' for name, value in bad.items())
        raise FloatingPointError(
            f'iteration {runner.iter + 1} (epoch {runner.epoch + 1}): non-finite loss: {terms}. ' +
            (f'The last checkpoint, {last}, was saved before it and resumes with --resume. '
             if last else 'No checkpoint was saved yet. ') +
            'Lower the learning rate or clip the gradients (optim_wrapper.clip_grad), and check '
            'the data of this iteration (tools/misc/check_dataset.py).')
