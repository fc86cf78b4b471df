import torch

from cmkd_mm.models.layers import CDCM, CSAM, EdgeModule


def test_cdcm_is_relu_reduce_then_sum_of_dilated_convs():
    torch.manual_seed(0)
    cdcm = CDCM(6, 4)
    assert [b.dilation for b in cdcm.branches] == [(5, 5), (7, 7), (9, 9), (11, 11)]
    x = torch.randn(1, 6, 24, 24)
    y = cdcm.reduce[1](torch.relu(x))
    expected = sum(
        torch.nn.functional.conv2d(y, b.weight, padding=d, dilation=d)
        for b, d in zip(cdcm.branches, (5, 7, 9, 11)))
    torch.testing.assert_close(cdcm(x), expected)


def test_csam_scales_every_channel_by_one_map_in_0_1():
    csam = CSAM(5)
    x = torch.rand(2, 5, 8, 8) + 0.1
    ratio = csam(x) / x
    assert torch.allclose(ratio, ratio[:, :1].expand_as(ratio))
    assert ratio.min() > 0 and ratio.max() < 1


def test_edge_module_gives_one_logit_map():
    module = EdgeModule(16)
    out = module(torch.randn(2, 16, 12, 16))
    assert out.shape == (2, 1, 12, 16)
    assert module.cdcm.reduce[1].out_channels == 16  # CDCM width = input width, as CEKD
