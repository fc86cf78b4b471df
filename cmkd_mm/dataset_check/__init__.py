"""Dataset checking: every sample of a config's splits read once, errors collected per file."""
from .check_dataset import check_dataset, check_split

__all__ = ['check_dataset', 'check_split']
