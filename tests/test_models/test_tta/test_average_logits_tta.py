"""AverageClsLogitsTTA: mean scores, logits and features; label from the mean score."""
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import nn

import cmkd_mm  # noqa: F401

pytestmark = pytest.mark.usefixtures('mmpretrain_scope')


def _sample(score, logits=None, feats=None):
    sample = DataSample(metainfo=dict(image_id='17'))
    sample.set_pred_score(torch.tensor(score)).set_pred_label(torch.tensor(score).argmax())
    if logits is not None:
        sample.set_field(torch.tensor(logits), 'pred_logits')
        sample.set_field(torch.tensor(feats), 'pred_feats')
    return sample


class _Dummy(nn.Module):

    def test_step(self, data):
        return data


def test_merge_averages_every_prediction_field():
    tta = MODELS.build(dict(type='AverageClsLogitsTTA', module=_Dummy()))
    copies = [
        _sample([0.5, 0.4, 0.1], [2., 1., 0.], [1., 0.]),
        _sample([0.1, 0.5, 0.4], [0., 3., 1.], [3., 2.]),
        _sample([0.2, 0.6, 0.2], [1., 2., 0.], [2., 4.]),
    ]
    merged = tta.merge_preds([copies])[0]
    assert torch.allclose(merged.pred_score, torch.tensor([0.8, 1.5, 0.7]) / 3)
    # the first copy says class 0, the mean score class 1
    assert int(merged.pred_label) == 1
    assert torch.allclose(merged.pred_logits, torch.tensor([1., 2., 1. / 3]))
    assert torch.allclose(merged.pred_feats, torch.tensor([2., 2.]))
    assert merged.image_id == '17'


def test_merge_without_logits_is_the_score_average():
    tta = MODELS.build(dict(type='AverageClsLogitsTTA', module=_Dummy()))
    merged = tta.merge_preds([[_sample([0.7, 0.3]), _sample([0.1, 0.9])]])[0]
    assert torch.allclose(merged.pred_score, torch.tensor([0.4, 0.6]))
    assert int(merged.pred_label) == 1 and 'pred_logits' not in merged
