"""``--launcher pytorch`` on a machine without CUDA (several CPU processes, gloo).

mmengine 0.10.7's ``init_dist('pytorch')`` calls ``torch.cuda.set_device(local_rank)`` before
``init_process_group`` whatever the backend, and the configs ask for ``nccl``
(``env_cfg.dist_cfg.backend``). On a CPU-only torch build the first raises (``torch._C`` has no
``_cuda_setDevice``) and the second cannot run, so ``tools/train.py --launcher pytorch`` and
``cache_teacher.py --launcher pytorch`` could not start on CPUs. Where CUDA is not available,
:func:`patch_cpu_launcher` makes mmengine's start skip ``set_device`` and use ``gloo`` for
``nccl`` (logging it); with CUDA nothing changes.
"""
import logging

import torch


def patch_cpu_launcher() -> bool:
    """Wrap ``mmengine.dist.utils._init_dist_pytorch`` (once).

    Returns:
        bool: Whether the wrapper is in place.
    """
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
