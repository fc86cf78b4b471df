"""Change loss weights of a model at given epochs (or iterations)."""
from typing import Dict, Optional, Sequence, Tuple

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS
from torch import nn


def _parent_and_name(model: nn.Module, path: str) -> Tuple[object, str]:
    """The object holding the last attribute of ``path`` and that attribute's name."""
    *parents, name = path.split('.')
    obj = model
    for i, part in enumerate(parents):
        if not hasattr(obj, part):
            raise AttributeError(f'LossWeightScheduleHook: {type(obj).__name__} at '
                                 f'"{".".join(parents[:i]) or "model"}" has no "{part}" '
                                 f'(path "{path}")')
        obj = getattr(obj, part)
    if not hasattr(obj, name):
        raise AttributeError(f'LossWeightScheduleHook: {type(obj).__name__} at '
                             f'"{".".join(parents) or "model"}" has no attribute "{name}" '
                             f'(path "{path}")')
    return obj, name


@HOOKS.register_module()
class LossWeightScheduleHook(Hook):
    """Set attributes of the model, e.g. loss weights, from a piecewise-constant schedule.

    ``schedule`` maps an attribute path, relative to the model (the algorithm for distillation),
    to ``(start, value)`` pairs: from epoch ``start`` on (iteration with ``by_epoch=False``,
    both counted from 0) the attribute is ``value``, until the next start. Before the first
    start the attribute keeps the value the config gave it. The values are set before every
    training iteration from the current epoch, so a resumed run gets the right ones.

    NJUST-KMG's stage 2 (``alpha = 0.8`` for epochs < 10, then 0.5, with
    ``loss = alpha * InfoNCE + (1 - alpha) * focal_EO + sorted MSE``)::

        custom_hooks = [dict(type='LossWeightScheduleHook', schedule={
            'distiller.distill_losses.loss_nce.loss_weight': [(0, 0.8), (10, 0.5)],
            'teacher.head.loss_module.loss_weight': [(0, 0.2), (10, 0.5)]})]

    Args:
        schedule (dict[str, Sequence[tuple[int, float]]]): Attribute path -> ``(start, value)``
            pairs. Paths are dotted attribute names (``ModuleDict`` keys included).
        by_epoch (bool): Starts are epochs (True) or iterations (False). Defaults to True.
    """

    priority = 'NORMAL'

    def __init__(self,
                 schedule: Dict[str, Sequence[Tuple[int, float]]],
                 by_epoch: bool = True) -> None:
        if not schedule:
            raise ValueError('LossWeightScheduleHook needs a non-empty schedule')
        self.schedule = {}
        for path, pairs in schedule.items():
            pairs = sorted((int(start), value) for start, value in pairs)
            if not pairs or any(start < 0 for start, _ in pairs):
                raise ValueError(f'LossWeightScheduleHook: "{path}" needs (start >= 0, value) '
                                 f'pairs, got {schedule[path]}')
            self.schedule[path] = pairs
        self.by_epoch = by_epoch
        self._current: Dict[str, object] = {}

    @staticmethod
    def value_at(pairs: Sequence[Tuple[int, float]], progress: int) -> Optional[float]:
        """The value of the last pair starting at or before ``progress`` (None: none yet).

        Args:
            pairs (Sequence[tuple[int, float]]): ``(start, value)`` pairs sorted by start.
            progress (int): The current epoch or iteration.
        """
        value = None
        for start, candidate in pairs:
            if start <= progress:
                value = candidate
        return value

    @staticmethod
    def _model(runner) -> nn.Module:
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def before_train(self, runner) -> None:
        """Check every path before training starts."""
        for path in self.schedule:
            _parent_and_name(self._model(runner), path)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        """Set the scheduled values of the current epoch (or iteration)."""
        progress = runner.epoch if self.by_epoch else runner.iter
        model = self._model(runner)
        for path, pairs in self.schedule.items():
            value = self.value_at(pairs, progress)
            if value is None:
                continue
            owner, name = _parent_and_name(model, path)
            setattr(owner, name, value)
            if self._current.get(path) != value:
                unit = 'epoch' if self.by_epoch else 'iteration'
                print_log(f'{unit} {progress}: {path} = {value}', logger='current')
                self._current[path] = value
