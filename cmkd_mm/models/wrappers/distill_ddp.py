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

    On CPU (gloo) it drops the ``device_ids`` mmengine's Runner passes (its ``LOCAL_RANK``), which
    torch's DDP takes for GPU modules only, so ``--launcher pytorch`` also trains on CPUs.
    """

    def __init__(self, module, detect_anomalous_params: bool = False, **kwargs) -> None:
        if all(p.device.type == 'cpu' for p in module.parameters()):
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        super().__init__(module, detect_anomalous_params, **kwargs)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]) -> Dict[str, torch.Tensor]:
        if not isinstance(optim_wrapper, OptimWrapperDict):
            return super().train_step(data, optim_wrapper)
        return separate_train_step(self.module, data, optim_wrapper, self._run_forward)
