import pytest
import torch
from mmseg.registry import MODELS

from cmkd_mm.models.backbones import BoTResNet, FusionResNet
from cmkd_mm.models.layers import BoTBlock

pytestmark = pytest.mark.usefixtures('mmseg_scope')


def tiny(**kwargs):
    cfg = dict(
        type='BoTResNet',
        depth=18,
        base_channels=8,
        stem_channels=8,
        out_stem=True,
        bot_cfg=dict(fmap_size=(4, 5), heads=2))
    cfg.update(kwargs)
    return cfg


def test_resnet50_layout_with_bot_layer4():
    """CEKD encoder: 1-channel conv1, ResNet-50 stages 1-3, BoTNet layer4 2048 @1/32."""
    model = BoTResNet(depth=50, in_channels=1, out_stem=True, bot_cfg=dict(fmap_size=(4, 5)))
    model.eval()  # mmseg's ResNet.train() returns None, so no chaining
    assert all(isinstance(b, BoTBlock) for b in model.layer4)
    with torch.no_grad():
        outs = model(torch.randn(1, 1, 64, 80))
    assert [tuple(o.shape[1:]) for o in outs] == [(64, 32, 40), (256, 16, 20), (512, 8, 10),
                                                  (1024, 4, 5), (2048, 2, 3)]


def test_stem_output_is_before_the_max_pool():
    model = MODELS.build(tiny())
    model.eval()
    x = torch.randn(1, 3, 32, 40)
    with torch.no_grad():
        stem = model(x)[0]
        expected = model.relu(model.norm1(model.conv1(x)))
    torch.testing.assert_close(stem, expected)


def test_init_weights_keeps_bot_blocks_zero_initialised():
    model = MODELS.build(tiny())
    model.init_weights()
    for block in model.layer4:
        assert torch.count_nonzero(block.body[-1].weight) == 0


def test_bot_cfg_needs_a_strided_last_stage():
    with pytest.raises(ValueError, match='strides'):
        MODELS.build(tiny(strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2)))


def test_fusion_adds_aux_into_main_after_stem_and_every_stage():
    fusion = MODELS.build(dict(type='FusionResNet', main=tiny(), aux=tiny())).eval()
    assert isinstance(fusion, FusionResNet)
    x = torch.randn(2, 4, 32, 40)
    with torch.no_grad():
        outs = fusion(x)
        # independent re-computation: thermal stream alone, RGB stream fed with the sums
        main, aux = fusion.main, fusion.aux
        a = aux.relu(aux.norm1(aux.conv1(x[:, 3:])))
        m = main.relu(main.norm1(main.conv1(x[:, :3]))) + a
        expected = [m]
        m, a = main.maxpool(m), aux.maxpool(a)
        for name in ('layer1', 'layer2', 'layer3', 'layer4'):
            a = getattr(aux, name)(a)
            m = getattr(main, name)(m) + a
            expected.append(m)
    assert len(outs) == 5
    for out, exp in zip(outs, expected):
        torch.testing.assert_close(out, exp)
    assert fusion.aux.conv1.in_channels == 1 and fusion.main.conv1.in_channels == 3


def test_fusion_rejects_a_wrong_channel_count():
    fusion = MODELS.build(dict(type='FusionResNet', main=tiny(), aux=tiny()))
    with pytest.raises(ValueError, match='4 input channels'):
        fusion(torch.randn(1, 3, 32, 40))
