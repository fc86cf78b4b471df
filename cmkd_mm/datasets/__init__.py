from .mfnet import MFNetDataset
from .stf import STF_MODALITY_DIRS, STFDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['MFNetDataset', 'STFDataset', 'STF_MODALITY_DIRS']
