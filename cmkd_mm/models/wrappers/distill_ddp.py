"""DDP wrapper for distillation with one optimizer or several."""
from typing import Dict, Union

import torch
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmrazor.registry import MODEL_WRAPPERS

from ..algorithms.separate_optim_step import separate_train_step


@MODEL_WRAPPERS.register_module()
class DistillDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that also takes an ``OptimWrapperDict``.

    The whole algorithm (student, distiller with its discriminators/connectors) is one DDP module,
    so every trainable parameter is synchronised through the DDP forward. With a single optimizer
    it behaves exactly like ``MMDistributedDataParallel``; with an ``OptimWrapperDict`` it runs the
    forward through DDP and then steps each optimizer (``separate_train_step``).
    ``MMSeparateDistributedDataParallel`` is not suitable here: it wraps each child separately and
    the distiller's losses are computed outside any DDP forward, so their gradients would not be
    reduced.
    """

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]) -> Dict[str, torch.Tensor]:
        if not isinstance(optim_wrapper, OptimWrapperDict):
            return super().train_step(data, optim_wrapper)
        return separate_train_step(self.module, data, optim_wrapper, self._run_forward)
