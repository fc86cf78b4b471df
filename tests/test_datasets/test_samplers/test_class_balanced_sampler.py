from collections import Counter
from unittest import mock

import numpy as np
import pytest

from cmkd_mm.datasets.samplers import ClassBalancedSampler


class Labels:

    def __init__(self, labels):
        self.labels = list(labels)

    def __len__(self):
        return len(self.labels)

    def get_gt_labels(self):
        return np.array(self.labels)


def test_classes_drawn_about_equally_and_unlabelled_never():
    data = Labels([0] * 900 + [1] * 90 + [2] * 10 + [-1] * 5)
    sampler = ClassBalancedSampler(data, num_samples=30000, seed=0)
    drawn = Counter(data.labels[i] for i in sampler)
    assert len(sampler) == 30000 and sum(drawn.values()) == 30000
    assert -1 not in drawn
    for label in (0, 1, 2):
        assert drawn[label] == pytest.approx(10000, rel=0.05)


def test_reproducible_per_epoch_and_different_across_epochs():
    data = Labels([0, 0, 0, 1, 2, 2])
    a, b = ClassBalancedSampler(data, seed=3), ClassBalancedSampler(data, seed=3)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first or len(set(first)) == 1


def test_ranks_split_one_draw():
    data = Labels([0, 1] * 50)
    with mock.patch(
            'cmkd_mm.datasets.samplers.class_balanced_sampler.get_dist_info',
            side_effect=[(0, 2), (1, 2)]):
        r0 = ClassBalancedSampler(data, seed=1)
        r1 = ClassBalancedSampler(data, seed=1)
    whole = ClassBalancedSampler(data, seed=1)
    whole.num_samples = 100  # one rank drawing all of it
    assert len(r0) == len(r1) == 50
    merged = [None] * 100
    merged[0::2], merged[1::2] = list(r0), list(r1)
    assert merged == list(whole)


def test_no_labels_is_an_error():
    with pytest.raises(ValueError, match='no labelled sample'):
        ClassBalancedSampler(Labels([-1, -1]))
