"""Checkpoint loading refuses a pickle that would run code; Runner checkpoints still load."""
import os
import pickle

import pytest
import torch
from mmengine.runner import load_checkpoint
from torch import nn

import cmkd_mm  # noqa: F401  (allow-lists the Runner checkpoint types)


class RunsCode:
    """Unpickling this calls os.system: what a malicious checkpoint does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def test_a_checkpoint_that_runs_code_is_refused(tmp_path):
    marker = tmp_path / 'ran'
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict=dict(weight=torch.zeros(1)), meta=RunsCode(marker)), path)
    with pytest.raises(pickle.UnpicklingError, match='Weights only load failed'):
        load_checkpoint(nn.Linear(1, 1), str(path), map_location='cpu')
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, map_location='cpu')
    assert not marker.exists()
