"""EmbeddingProjection: x @ proj on the last feature, CLIP's parameter name and layout."""
import pytest
import torch
from mmpretrain.registry import MODELS

import cmkd_mm  # noqa: F401

pytestmark = pytest.mark.usefixtures('mmpretrain_scope')


def test_projects_the_last_feature():
    torch.manual_seed(0)
    neck = MODELS.build(dict(type='EmbeddingProjection', in_channels=6, out_channels=4))
    assert neck.proj.shape == (6, 4)
    feats = torch.randn(3, 6)
    expected = torch.stack([
        torch.stack([sum(feats[n, i] * neck.proj[i, j] for i in range(6)) for j in range(4)])
        for n in range(3)
    ])
    out = neck((torch.zeros(3, 2), feats))
    assert isinstance(out, tuple) and len(out) == 1
    assert torch.allclose(out[0], expected, atol=1e-6)
    assert torch.allclose(neck(feats)[0], expected, atol=1e-6)
    # loads mmpretrain-converted CLIP weights by name
    neck.load_state_dict({'proj': torch.ones(6, 4)})
    assert torch.allclose(neck(feats)[0], feats.sum(1, keepdim=True).expand(3, 4))
