import math

import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from cmkd_mm.models.decode_heads import RTFDecoderHead, ThermalEnhancementModule

pytestmark = pytest.mark.usefixtures('single_thread', 'mmseg_scope')

H, W = 64, 80
R18 = [64, 64, 128, 256, 512]
R50 = [64, 256, 512, 1024, 2048]
TINY = [8, 16, 32, 64, 128]


def pyramid(channels, n=2, h=H, w=W):
    """Features with the sizes of a torchvision-style ResNet (stem first, ceil at odd sizes)."""
    sizes = [(math.ceil(h / s), math.ceil(w / s)) for s in (2, 4, 8, 16, 32)]
    sizes = sizes[-len(channels):]
    return [torch.randn(n, c, *s) for c, s in zip(channels, sizes)]


@pytest.mark.parametrize('channels', [R18, R18[1:]])
def test_rtf_decoder_shapes(channels):
    head = MODELS.build(
        dict(type='RTFDecoderHead', _scope_='mmseg', in_channels=channels, num_classes=9))
    assert isinstance(head, RTFDecoderHead)
    assert not hasattr(head, 'conv_seg')
    out = head(pyramid(channels))
    assert out.shape == (2, 9, H, W)


def test_rtf_decoder_resnet50_layout_and_hint():
    """The CEKD layout (2048 -> 1024 -> 512 -> 256 -> 128 -> classes) on a 128x160 input."""
    head = RTFDecoderHead(in_channels=R50, num_classes=9)
    outs = {}
    for name in ('deconv5', 'deconv4', 'deconv3', 'deconv2', 'hint_layer', 'deconv1'):
        getattr(head, name).register_forward_hook(
            lambda m, i, o, name=name: outs.__setitem__(name, tuple(o.shape)))
    with torch.no_grad():
        head(pyramid(R50, n=1, h=128, w=160))
    assert outs == {
        'deconv5': (1, 1024, 8, 10),
        'deconv4': (1, 512, 16, 20),
        'deconv3': (1, 256, 32, 40),
        'hint_layer': (1, 256, 32, 40),
        'deconv2': (1, 128, 64, 80),
        'deconv1': (1, 9, 128, 160),
    }


def test_thermal_enhancement_maps():
    tem = MODELS.build(dict(type='ThermalEnhancementModule', _scope_='mmseg', pool_size=(2, 3)))
    assert isinstance(tem, ThermalEnhancementModule)
    img = torch.rand(2, 4, H, W)
    img[0, -1, :4] = 0  # exact zeros: T ** w must stay finite
    maps = tem(img)
    expected = [(math.ceil(H / s), math.ceil(W / s)) for s in (2, 4, 8, 16, 32)]
    assert [m.shape for m in maps] == [(2, 1, h, w) for h, w in expected]
    for m in maps:
        assert m.min() >= 0 and m.max() <= 1
    w = tem.predict_weight(tem.thermal(img))
    assert w.shape == (2, ) and (w > 0).all()
    # w below min_weight is clamped
    tem.enlightening = -100.
    assert torch.allclose(tem.predict_weight(tem.thermal(img)), torch.tensor(0.1))


def test_thermal_enhancement_denormalise_and_cekd_head():
    tem = ThermalEnhancementModule(mean=100., std=50., max_value=255.)
    img = torch.full((2, 1, 480, 640), 10.)  # (10 * 50 + 100) / 255 > 1 -> clamped to 1
    assert torch.equal(tem.thermal(img), torch.ones(2, 1, 480, 640))
    tem.eval()  # fixed CEKD head (flatten 80) on the native MFNet size
    assert tem(img)[0].shape == (2, 1, 240, 320)


def test_enhanced_decoder_gradients_and_loss():
    head = RTFDecoderHead(in_channels=TINY, channels=16, num_classes=9)
    tem = ThermalEnhancementModule(pool_size=(2, 3))
    feats = [f.requires_grad_() for f in pyramid(TINY)]
    img = torch.rand(2, 1, H, W)
    maps = tem(img)
    out = head(feats, maps)
    assert out.shape == (2, 9, H, W)
    # the maps change the output
    assert not torch.allclose(out, head(feats))
    samples = []
    for _ in range(2):
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 9, (1, H, W)))
        samples.append(sample)
    losses = head.loss(feats, samples, None, extra_maps=maps)
    losses['loss_ce'].backward()
    assert all(f.grad is not None and torch.isfinite(f.grad).all() for f in feats)
    grads = [p.grad for p in tem.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)
    metas = [dict(img_shape=(H, W), pad_shape=(H, W))] * 2
    pred = head.predict(feats, metas, None, extra_maps=maps)
    assert pred.shape == (2, 9, H, W)


def test_extra_maps_count():
    head = RTFDecoderHead(in_channels=TINY, channels=16, num_classes=9)
    with pytest.raises(ValueError):
        head(pyramid(TINY), [torch.zeros(2, 1, 1, 1)] * 4)
    with pytest.raises(ValueError):
        RTFDecoderHead(in_channels=R18[:3], num_classes=9)


def edge_sample(edge, img_shape, padding=(0, 0, 0, 0), seg=None):
    sample = SegDataSample()
    sample.gt_edge_map = PixelData(data=edge[None].long())
    sample.gt_sem_seg = PixelData(
        data=seg[None] if seg is not None else torch.zeros(1, *img_shape, dtype=torch.long))
    sample.set_metainfo(dict(img_shape=img_shape, padding_size=padding))
    return sample


def test_edge_branch_adds_sigmoid_to_the_hint_and_trains_with_edge_loss():
    head = RTFDecoderHead(
        in_channels=TINY,
        channels=8,
        num_classes=9,
        edge_module=dict(type='EdgeModule'),
        loss_decode=dict(type='CrossEntropyLoss'))
    feats = pyramid(TINY, n=2, h=32, w=40)
    seen = {}
    head.edge_module.register_forward_hook(lambda m, i, o: seen.update(inp=i[0], edge=o))
    head.hint_layer.register_forward_hook(lambda m, i, o: seen.update(hint=o))
    edges = [(torch.rand(8, 10) < 0.3) for _ in range(2)]
    samples = [edge_sample(e, (32, 40)) for e in edges]
    losses = head.loss(feats, samples, None)
    assert set(losses) >= {'loss_ce', 'loss_edge', 'acc_seg'}
    torch.testing.assert_close(seen['hint'], seen['inp'] + seen['edge'].sigmoid())
    expected = head.loss_edge(seen['edge'], torch.stack(edges).long())
    torch.testing.assert_close(losses['loss_edge'], expected)
    assert head(feats).shape == (2, 9, 32, 40)


def test_edge_targets_undo_the_preprocessor_padding():
    """A 1/4 edge map padded by the full-resolution amount is cropped back and re-padded."""
    head = RTFDecoderHead(
        in_channels=TINY, channels=8, num_classes=9, edge_module=dict(type='EdgeModule'))
    edge_logits = torch.zeros(1, 1, 10, 12)  # 1/4 of a 40x48 padded batch
    gt = torch.ones(7, 10)  # 1/4 of a 28x40 image ...
    padded = torch.nn.functional.pad(gt, (0, 8, 0, 12), value=255)  # ... padded by (8, 12)
    target = head.edge_targets(edge_logits, [edge_sample(padded, (28, 40), (0, 8, 0, 12))])
    assert target.shape == (1, 10, 12)
    assert (target[0, :7, :10] == 1).all()
    assert (target[0, 7:] == 255).all() and (target[0, :, 10:] == 255).all()
    # a full-resolution map is resized (nearest) to the share that covers the image
    full = head.edge_targets(edge_logits, [edge_sample(torch.ones(28, 40), (28, 40), (0, 0, 0, 0))])
    assert full.shape == (1, 10, 12) and (full == 1).all()


def test_edge_branch_without_edge_labels_says_how_to_fix():
    head = RTFDecoderHead(
        in_channels=TINY, channels=8, num_classes=9, edge_module=dict(type='EdgeModule'))
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, 32, 40, dtype=torch.long))
    with pytest.raises(KeyError, match='GenerateEdgeLabels'):
        head.loss(pyramid(TINY, n=1, h=32, w=40), [sample], None)
