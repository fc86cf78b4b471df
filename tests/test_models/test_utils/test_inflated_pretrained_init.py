import torch
from mmengine.model import BaseModule, initialize
from torch import nn

from cmkd_mm.models.utils import inflate_conv_weight


class Net(BaseModule):

    def __init__(self, in_channels=3, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.conv1 = nn.Conv2d(in_channels, 4, 3, bias=False)
        self.head = Head()


class Head(BaseModule):

    def __init__(self):
        super().__init__(init_cfg=dict(type='Constant', val=0.5, layer='Linear'))
        self.fc = nn.Linear(4, 2)


def _ckpt(tmp_path):
    torch.manual_seed(0)
    src = Net(3)
    path = str(tmp_path / 'rgb.pth')
    torch.save(dict(state_dict=src.state_dict()), path)
    return src, path


def test_inflate_conv_weight_formula():
    w = torch.randn(4, 3, 3, 3)
    out = inflate_conv_weight(w, 6)
    assert torch.equal(out[:, :3], w)
    for c in range(3, 6):
        assert torch.allclose(out[:, c], w.mean(1))
    assert torch.allclose(inflate_conv_weight(w, 1)[:, 0], w.mean(1))


def test_six_channel_conv1_is_inflated_and_the_rest_loaded(tmp_path):
    src, path = _ckpt(tmp_path)
    net = Net(6, init_cfg=dict(type='InflatedPretrained', checkpoint=path))
    net.init_weights()
    assert torch.equal(net.conv1.weight[:, :3], src.conv1.weight)
    assert torch.allclose(net.conv1.weight[:, 5], src.conv1.weight.mean(1))
    # the sub-module's own init ran first and the checkpoint was loaded on top of it
    assert torch.equal(net.head.fc.weight, src.head.fc.weight)


def test_random_mode_and_reset_keep_the_original_behaviour(tmp_path):
    src, path = _ckpt(tmp_path)
    torch.manual_seed(1)
    net = Net(6, init_cfg=dict(type='InflatedPretrained', checkpoint=path, inflate='random'))
    before = net.conv1.weight.detach().clone()
    net.init_weights()
    assert torch.equal(net.conv1.weight, before)
    net3 = Net(3)
    initialize(net3, dict(type='InflatedPretrained', checkpoint=path, reset=('conv1.', )))
    assert not torch.equal(net3.conv1.weight, src.conv1.weight)
    assert torch.equal(net3.head.fc.weight, src.head.fc.weight)


def test_unreachable_checkpoint_says_what_to_do(tmp_path):
    import pytest
    net = Net(6, init_cfg=dict(type='InflatedPretrained', checkpoint=str(tmp_path / 'no.pth')))
    with pytest.raises(RuntimeError, match='init_cfg=None'):
        net.init_weights()
