import pytest
import torch

from cmkd_mm.models.losses.utils import check_same_shape


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
