import math

import pytest
import torch

from cmkd_mm.models.losses import AutoWeightedEdgeBCELoss


def reference(logits, labels, double_sigmoid=False, ignore=255):
    """Plain-Python loop of the class-balanced BCE."""
    total, count = 0.0, 0
    for x_img, y_img in zip(logits.tolist(), labels.tolist()):
        pairs = [(x, y) for x, y in zip(x_img, y_img) if y != ignore]
        beta = sum(y for _, y in pairs) / len(pairs)
        for x, y in pairs:
            if double_sigmoid:
                x = 1 / (1 + math.exp(-x))
            p = 1 / (1 + math.exp(-x))
            total += -(1 - beta) * y * math.log(p) - beta * (1 - y) * math.log(1 - p)
            count += 1
    return total / count


@pytest.mark.parametrize('double_sigmoid', [False, True])
def test_edge_bce_matches_reference(double_sigmoid):
    torch.manual_seed(0)
    logits = torch.randn(3, 1, 6, 7) * 3
    labels = (torch.rand(3, 6, 7) < 0.2).long()
    labels[1, 0, :3] = 255
    loss = AutoWeightedEdgeBCELoss(double_sigmoid=double_sigmoid, loss_weight=2.0)
    expected = 2.0 * reference(logits.flatten(1), labels.flatten(1), double_sigmoid)
    assert loss(logits, labels).item() == pytest.approx(expected, rel=1e-5)


def test_double_sigmoid_cannot_reach_a_confident_non_edge():
    """With the original CEKD code's double sigmoid the best it can reach is sigmoid(1) and 0.5."""
    labels = torch.zeros(1, 2, 2, dtype=torch.long)
    labels[0, 0, 0] = 1
    logits = torch.full((1, 1, 2, 2), -20.0)
    logits[0, 0, 0, 0] = 20.0
    fixed = AutoWeightedEdgeBCELoss()(logits, labels).item()
    cekd = AutoWeightedEdgeBCELoss(double_sigmoid=True)(logits, labels).item()
    assert fixed < 1e-6
    # beta = 1/4: one edge pixel at p = sigmoid(1), three non-edge pixels at p = 1/2
    floor = (0.75 * -math.log(1 / (1 + math.exp(-1))) + 3 * 0.25 * math.log(2)) / 4
    assert cekd == pytest.approx(floor, rel=1e-4)


def test_edge_bce_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match='differ in size'):
        AutoWeightedEdgeBCELoss()(torch.zeros(1, 1, 4, 4), torch.zeros(1, 3, 4))
