import pytest
import torch
import torch.nn.functional as F

from cmkd_mm.models.losses.utils import (channel_five2two, check_same_shape,
                                         inverse_frequency_weights)
from .conftest import NTIRE2021_SAR_COUNTS, cls_logits

# the class weights the NTIRE 2021 code prints for its SAR training counts
NTIRE2021_SAR_WEIGHTS = [
    0.0005, 0.0044, 0.0080, 0.0115, 0.0733, 0.1563, 0.1591, 0.2175, 0.1561, 0.2133
]


def test_check_same_shape_names_the_loss_and_may_leave_out_the_channels():
    s, t = torch.zeros(2, 3, 4, 5), torch.zeros(2, 7, 4, 5)
    check_same_shape(s, t, 'SomeLoss', channels=False)
    with pytest.raises(
            ValueError,
            match=r'SomeLoss: student \(2, 3, 4, 5\) and teacher '
            r'\(2, 7, 4, 5\) must have the same shape'):
        check_same_shape(s, t, 'SomeLoss')
    with pytest.raises(ValueError, match='the same batch and spatial size'):
        check_same_shape(s, t[:, :, :2], 'SomeLoss', channels=False)
    with pytest.raises(ValueError, match='the same batch and spatial size'):
        check_same_shape(s, t[:1], 'SomeLoss', channels=False)


def test_inverse_frequency_weights_reproduce_the_ntire2021_print():
    weights = inverse_frequency_weights(NTIRE2021_SAR_COUNTS)
    assert [round(w, 4) for w in weights] == NTIRE2021_SAR_WEIGHTS
    assert sum(weights) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        inverse_frequency_weights([3, 0])


def test_channel_five2two_sums():
    probs = F.softmax(cls_logits()[0], dim=1)
    out = channel_five2two(probs)
    assert out.shape == (2, 2, 4, 4)
    assert torch.allclose(out[:, 0], probs[:, 0])
    assert torch.allclose(out[:, 1], probs[:, 1] + probs[:, 2] + probs[:, 3] + probs[:, 4])
    assert torch.allclose(out.sum(1), torch.ones(2, 4, 4))
    with pytest.raises(ValueError):
        channel_five2two(probs[:, :1])
