import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from cmkd_mm.models.segmentors import EnhancedEncoderDecoder

pytestmark = pytest.mark.usefixtures('mmseg_scope')

H, W = 32, 40


@pytest.fixture
def model():
    torch.manual_seed(0)
    cfg = dict(
        type='EnhancedEncoderDecoder',
        backbone=dict(
            type='BoTResNet',
            depth=18,
            in_channels=1,
            base_channels=8,
            stem_channels=8,
            out_stem=True,
            bot_cfg=dict(fmap_size=(2, 3), heads=2)),
        decode_head=dict(
            type='RTFDecoderHead',
            in_channels=(8, 8, 16, 32, 64),
            channels=8,
            num_classes=9,
            loss_decode=dict(type='CrossEntropyLoss')),
        enhancement=dict(type='ThermalEnhancementModule', pool_size=(2, 2)),
        test_cfg=ConfigDict(mode='whole'))
    return MODELS.build(cfg)


def samples(n):
    out = []
    for _ in range(n):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 9, (1, H, W)))
        s.set_metainfo(dict(img_shape=(H, W), ori_shape=(H, W), pad_shape=(H, W)))
        out.append(s)
    return out


def test_every_mode_passes_the_enhancement_maps(model):
    assert isinstance(model, EnhancedEncoderDecoder)
    model.eval()
    x = torch.rand(2, 1, H, W)
    maps = model.enhancement(x)
    with torch.no_grad():
        logits = model(x, mode='tensor')
        expected = model.decode_head(model.extract_feat(x), maps)
        without = model.decode_head(model.extract_feat(x))
        preds = model(x, samples(2), mode='predict')
    torch.testing.assert_close(logits, expected)
    assert not torch.allclose(logits, without)  # the maps change the result
    torch.testing.assert_close(preds[0].seg_logits.data, logits[0])
    model.train()
    losses = model(x, samples(2), mode='loss')
    assert torch.isfinite(losses['decode.loss_ce'])
    losses['decode.loss_ce'].backward()
    assert model.enhancement.fc[-1].weight.grad is not None  # the module is trained too
