from .distill_ddp import DistillDistributedDataParallel

__all__ = ['DistillDistributedDataParallel']
