from .mfnet import MFNetDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['MFNetDataset']
