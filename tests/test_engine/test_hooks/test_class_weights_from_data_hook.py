"""ClassWeightsFromDataHook: inverse-frequency weights of the configured training set."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from cmkd_mm.engine.hooks import ClassWeightsFromDataHook
from cmkd_mm.models.losses import ClassWeightedKLDivergence, LabelMixCrossEntropyLoss


class Labels:
    metainfo = dict(classes=('a', 'b', 'c'))

    def __init__(self, labels):
        self.labels = labels

    def get_gt_labels(self):
        return np.asarray(self.labels)


def _runner(labels, model):
    return SimpleNamespace(model=model, train_dataloader=SimpleNamespace(dataset=Labels(labels)))


def test_auto_weights_come_from_the_training_counts():
    ce = LabelMixCrossEntropyLoss(class_weight='auto', mix_labels=False)
    kl = ClassWeightedKLDivergence(tau=2., class_weight='auto')
    fixed = LabelMixCrossEntropyLoss(class_weight=[1., 2., 3.])
    model = nn.ModuleDict(dict(ce=ce, kl=kl, fixed=fixed))
    # counts 6, 3, 1 (and an unlabelled -1): w ~ (1/6, 1/3, 1), summing to 1
    ClassWeightsFromDataHook().before_train(_runner([0] * 6 + [1] * 3 + [2, -1], model))
    expected = np.array([1 / 6, 1 / 3, 1.]) / (1 / 6 + 1 / 3 + 1.)
    np.testing.assert_allclose(ce.class_weight, expected)
    np.testing.assert_allclose(kl.class_weight, expected)
    assert fixed.class_weight == [1., 2., 3.]
    # the loss now is the weighted CE by hand
    logits, target = torch.randn(4, 3), torch.tensor([0, 1, 2, 2])
    w = torch.tensor(expected, dtype=torch.float32)
    by_hand = (w[target] * -logits.log_softmax(1)[range(4), target]).sum() / w[target].sum()
    assert ce(logits, target).item() == pytest.approx(by_hand.item(), rel=1e-6)


def test_auto_without_the_hook_and_a_missing_class_say_what_to_do():
    ce = LabelMixCrossEntropyLoss(class_weight='auto', mix_labels=False)
    with pytest.raises(RuntimeError, match='ClassWeightsFromDataHook'):
        ce(torch.randn(2, 3), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"no sample of class\(es\) \['c'\]"):
        ClassWeightsFromDataHook().before_train(_runner([0, 1, 1], nn.ModuleDict(dict(ce=ce))))
    with pytest.raises(ValueError, match='class_weight must be'):
        LabelMixCrossEntropyLoss(class_weight='balanced')
