"""``--launcher pytorch`` on a machine without CUDA (several CPU processes, gloo).

mmengine 0.10.7 (``mmengine/dist/utils.py``, ``mmengine/runner/runner.py``) cannot start one:

* ``init_dist('pytorch')`` calls ``torch.cuda.set_device(local_rank)`` before
  ``init_process_group`` whatever the backend, which a CPU-only torch build lacks (``torch._C``
  has no ``_cuda_setDevice``), and the configs ask for ``nccl`` (``env_cfg.dist_cfg.backend``),
  which needs CUDA;
* ``Runner.wrap_model`` gives ``MMDistributedDataParallel`` ``device_ids=[LOCAL_RANK]``, which
  torch's DDP refuses for a module on the CPU.

Where CUDA is not available, :func:`patch_cpu_launcher` makes the start skip ``set_device`` and
use ``gloo`` for ``nccl`` (logging it); and for a module on the CPU, ``MMDistributedDataParallel``
(and its subclasses) drop ``device_ids`` / ``output_device``. With CUDA nothing changes.
"""
import logging

import torch


def patch_cpu_launcher() -> bool:
    """Wrap ``mmengine.dist.utils._init_dist_pytorch`` and ``MMDistributedDataParallel.__init__``
    (once).

    Returns:
        bool: Whether the wrappers are in place.
    """
    patch_cpu_ddp()
    from mmengine.dist import utils
    original = utils._init_dist_pytorch
    if getattr(original, 'cpu_launcher', False):
        return True

    def init_dist_pytorch(backend='nccl', init_backend='torch', **kwargs):
        if torch.cuda.is_available():
            return original(backend, init_backend=init_backend, **kwargs)
        if backend == 'nccl':
            from mmengine.logging import print_log
            print_log(
                'no CUDA device: the nccl backend cannot run, gloo is used',
                logger='current',
                level=logging.WARNING)
            backend = 'gloo'
        set_device = torch.cuda.set_device
        torch.cuda.set_device = lambda device: None  # no device to select
        try:
            return original(backend, init_backend=init_backend, **kwargs)
        finally:
            torch.cuda.set_device = set_device

    init_dist_pytorch.cpu_launcher = True
    utils._init_dist_pytorch = init_dist_pytorch
    return True


def patch_cpu_ddp() -> None:
    """``MMDistributedDataParallel`` without ``device_ids`` for a module on the CPU."""
    from mmengine.model import MMDistributedDataParallel
    original = MMDistributedDataParallel.__init__
    if getattr(original, 'cpu_launcher', False):
        return

    def __init__(self, module, *args, **kwargs):
        if all(p.device.type == 'cpu' for p in module.parameters()):
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        original(self, module, *args, **kwargs)

    __init__.cpu_launcher = True
    MMDistributedDataParallel.__init__ = __init__
