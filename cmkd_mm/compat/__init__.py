"""Compatibility patches for the pinned stack on torch 2.x.

Each patch lives in its own module, names the upstream issue it works around and has a test in
``tests/test_compat``. ``apply_compat_patches`` is called by ``cmkd_mm/__init__.py`` before any
other cmkd_mm module (and so before anything imports ``mmrazor.models``).
"""
from .checkpoint_loading import allow_runner_checkpoints, runner_checkpoint_globals
from .cpu_launcher import patch_cpu_launcher
from .mmrazor_torch2 import patch_mmrazor_torch2
from .torchvision_stub import install_torchvision_stub

_applied = False


def apply_compat_patches() -> None:
    """Apply every patch once."""
    global _applied
    if _applied:
        return
    patch_mmrazor_torch2()
    allow_runner_checkpoints()
    install_torchvision_stub()
    patch_cpu_launcher()
    _applied = True


__all__ = [
    'apply_compat_patches', 'patch_mmrazor_torch2', 'allow_runner_checkpoints',
    'runner_checkpoint_globals', 'install_torchvision_stub', 'patch_cpu_launcher'
]
