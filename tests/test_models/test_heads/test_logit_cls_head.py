"""LogitClsHead: predictions carry the raw logits and embeddings; training is LinearClsHead's."""
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import cmkd_mm  # noqa: F401

pytestmark = pytest.mark.usefixtures('mmpretrain_scope')


def _head(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(type='LogitClsHead', num_classes=3, in_channels=4, **kwargs))


def test_predict_stores_logits_and_features():
    head = _head()
    feats = torch.randn(2, 4)
    samples = head.predict((torch.zeros(2, 4), feats), [DataSample(), None])
    expected = feats @ head.fc.weight.t() + head.fc.bias  # the linear layer by hand
    for i, sample in enumerate(samples):
        assert torch.allclose(sample.pred_logits, expected[i], atol=1e-6)
        assert torch.allclose(sample.pred_feats, feats[i])
        assert torch.allclose(sample.pred_score, expected[i].softmax(0), atol=1e-6)
        assert int(sample.pred_label) == int(expected[i].argmax())
        # an energy score can be computed from what the sample holds
        energy = torch.logsumexp(sample.pred_logits, 0)
        assert torch.allclose(energy, torch.log(torch.exp(expected[i]).sum()), atol=1e-5)


def test_store_feats_off_and_loss_unchanged():
    head = _head(store_feats=False)
    feats = (torch.randn(3, 4), )
    sample = head.predict(feats)[0]
    assert 'pred_logits' in sample and 'pred_feats' not in sample
    linear = MODELS.build(dict(type='LinearClsHead', num_classes=3, in_channels=4))
    linear.load_state_dict(head.state_dict())
    labels = [DataSample().set_gt_label(c) for c in (0, 2, 1)]
    assert torch.allclose(head.loss(feats, labels)['loss'], linear.loss(feats, labels)['loss'])
    logits = feats[0] @ head.fc.weight.t() + head.fc.bias
    ce = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 2, 1]))
    assert torch.allclose(head.loss(feats, labels)['loss'], ce, atol=1e-6)
