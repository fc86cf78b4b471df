"""Metrics as numbers: the scalar ones of an evaluation's result."""
import numbers
from collections import OrderedDict
from typing import Dict, Optional

import numpy as np
import torch


def scalar_metrics(metrics: dict) -> Dict[str, float]:
    """The metrics that are one number, as floats (per-class lists, tables, flags left out).

    Args:
        metrics (dict): ``name -> value`` as an evaluator returns them; one-element tensors
            and arrays count as numbers.
    """
    out = OrderedDict()
    for key, value in metrics.items():
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        elif isinstance(value, np.ndarray) and value.size == 1:
            value = value.item()
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            out[key] = float(value)
    return out


def split_metrics(metrics_by_split: Optional[dict]) -> Dict[str, float]:
    """``'<split>/<metric>' -> value`` of the scalar metrics of several splits (a recipe stage
    record's ``metrics``: ``split -> {metric: value}``).

    Args:
        metrics_by_split (dict, optional): ``split -> metrics`` (None or empty: none).
    """
    return {
        f'{split}/{key}': value
        for split, metrics in (metrics_by_split or {}).items()
        for key, value in scalar_metrics(metrics or {}).items()
    }
