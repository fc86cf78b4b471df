"""cmkd_mm: cross-modal knowledge distillation for the OpenMMLab ecosystem.

Importing the package applies the compatibility patches (before anything imports
``mmrazor.models``) and registers every dataset, transform, model, loss, loop and wrapper.
"""
from .compat import apply_compat_patches

apply_compat_patches()

from . import datasets, engine, evaluation, models, zoo  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__', 'apply_compat_patches']
