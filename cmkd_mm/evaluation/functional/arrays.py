"""Array helpers shared by the functional post-processing modules."""
from typing import Sequence, Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor, Sequence]


def to_numpy(values: ArrayLike, dtype=None) -> np.ndarray:
    """A numpy copy of ``values`` (tensors are detached and moved to the CPU)."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    return np.array(values, dtype=dtype)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, computed in float64."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)
