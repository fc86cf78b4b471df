"""Make mmrazor 1.0.0 importable on torch 2.x.

Upstream: open-mmlab/mmrazor#615 and #632
(``ImportError: `torch>=1.13` is not installed properly``).
mmrazor 1.0.0 imports ``reverse2``/``reverse3``/``reverse_sequential_wrapper2`` from
``torch.ao.quantization.fuser_method_mappings``; torch 2.x renamed them with a leading underscore,
so the import fails and every quantization symbol becomes a placeholder that raises at import time
in ``mmrazor.structures.quantization.backend_config``. We alias the renamed functions and replace
the module that builds torch.ao ``BackendConfig`` objects at import time with an empty stand-in.
Only mmrazor's quantization backends are affected; distillation, recorders, losses and
connectors are untouched.
"""
import sys
import types

_MAPPING = 'mmrazor.structures.quantization.backend_config.mapping'
_RENAMED = (('reverse2', '_reverse2'), ('reverse3', '_reverse3'), ('reverse_sequential_wrapper2',
                                                                   '_sequential_wrapper2'))


def patch_mmrazor_torch2() -> bool:
    """Apply the shim; must run before anything imports ``mmrazor.models``.

    Returns:
        bool: True when the quantization backend module was replaced.
    """
    import torch.ao.quantization.fuser_method_mappings as fmm
    for new, old in _RENAMED:
        if not hasattr(fmm, new) and hasattr(fmm, old):
            setattr(fmm, new, getattr(fmm, old))
    import mmrazor  # noqa: F401  (runs mmrazor's own mmcv/mmengine version checks)
    if _MAPPING in sys.modules:
        return False
    stub = types.ModuleType(_MAPPING)
    stub.__doc__ = 'cmkd_mm stand-in: quantization backends are disabled on torch 2.x.'
    stub.BackendConfigs = dict(academic=None, native=None, tensorrt=None, openvino=None)
    sys.modules[_MAPPING] = stub
    return True
