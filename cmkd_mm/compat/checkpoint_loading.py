"""Load Runner-saved checkpoints under torch >= 2.6 without turning ``weights_only`` off.

Upstream: open-mmlab/mmengine#1655 (fixed on mmengine main by PR #1650/#1670, not in 0.10.7).
torch >= 2.6 calls ``torch.load(..., weights_only=True)`` by default, and mmengine 0.10.7 does not
pass ``weights_only``; a checkpoint written by the mmengine Runner holds a ``HistoryBuffer`` in its
message hub and numpy arrays/scalars, so loading it as ``teacher_ckpt``, ``load_from`` or for
``--resume`` fails with ``Unsupported global``. Instead of disabling the safe unpickler globally we
allow-list exactly the types a Runner checkpoint contains.
"""
import numpy as np
import torch


def runner_checkpoint_globals() -> list:
    """Types found in checkpoints saved by ``mmengine.runner.Runner``.

    Returns:
        list: classes and functions to pass to ``torch.serialization.add_safe_globals``.
    """
    from mmengine.logging.history_buffer import HistoryBuffer

    # A HistoryBuffer pickles its bound statistics methods as ``getattr(buffer, 'min')``. Allowing
    # ``getattr`` only lets the unpickler fetch attributes of objects it was already allowed to
    # build; calling anything still requires the callee itself to be allow-listed.
    allowed = [HistoryBuffer, np.ndarray, np.dtype, getattr]
    # numpy array/scalar reconstruction helpers live in numpy.core (<2) or numpy._core (>=2).
    for mod_name in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        try:
            mod = __import__(mod_name, fromlist=['_reconstruct'])
        except ImportError:
            continue
        allowed += [mod._reconstruct, mod.scalar]
    # dtype classes (numpy >= 1.25 pickles dtypes through numpy.dtypes.<Name>DType)
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed += [getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')]
    return allowed


def allow_runner_checkpoints() -> bool:
    """Register the Runner checkpoint types with torch's safe unpickler.

    Returns:
        bool: False on torch versions without ``add_safe_globals`` (nothing needed there).
    """
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is None:
        return False
    add(runner_checkpoint_globals())
    return True
