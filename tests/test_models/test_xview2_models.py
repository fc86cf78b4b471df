"""xView2 UNets: encoder taps, decoder layout and sizes, the siamese damage model."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from mmengine.structures import PixelData
from mmpretrain.models.backbones import SEResNeXt
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from cmkd_mm.models.backbones.unet_encoder import UNetResNet, UNetSEResNeXt
from cmkd_mm.models.decode_heads.xview2_unet_head import XView2UNetHead
from cmkd_mm.models.segmentors.siamese_encoder_decoder import SiameseEncoderDecoder

pytestmark = pytest.mark.usefixtures('mmseg_scope', 'single_thread')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
H = W = 64
SE50_TAPS = [64, 256, 512, 1024, 2048]
TEACHER = [32, 48, 64, 128, 256]
STUDENT = [16, 24, 32, 64, 128]
# demo widths: a narrow ResNet-18 encoder and decoder
DEMO_TAPS = [16, 16, 32, 64, 128]
DEMO_DEC = [8, 8, 16, 16, 32]
DEMO_ENCODER = dict(type='UNetResNet', depth=18, stem_channels=16, base_channels=16)


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def hand_decoder_count(e, d):
    """The nine 3x3 convs with bias: conv6, conv6_2, conv7, conv7_2 ... conv9_2, conv10."""

    def conv(cin, cout):
        return 9 * cin * cout + cout

    return (conv(e[4], d[4]) + conv(d[4] + e[3], d[4])  # dec6  (stride 16)
            + conv(d[4], d[3]) + conv(d[3] + e[2], d[3])  # dec7  (stride 8)
            + conv(d[3], d[2]) + conv(d[2] + e[1], d[2])  # dec8  (stride 4)
            + conv(d[2], d[1]) + conv(d[1] + e[0], d[1])  # dec9  (stride 2)
            + conv(d[1], d[0]))  # dec10 (stride 1)


def loc_model(dec=DEMO_DEC, taps=DEMO_TAPS, encoder=DEMO_ENCODER):
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='EncoderDecoder',
            backbone=encoder,
            decode_head=dict(
                type='XView2UNetHead',
                in_channels=taps,
                decoder_channels=dec,
                num_classes=2,
                out_channels=1,
                threshold=0.5,
                loss_decode=dict(type='ComboLoss', weights=dict(dice=1.0, focal=10.0))),
            test_cfg=ConfigDict(mode='whole')))


def damage_model(dec=DEMO_DEC, taps=DEMO_TAPS, encoder=DEMO_ENCODER):
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='SiameseEncoderDecoder',
            split=[3, 3],
            backbone=encoder,
            decode_head=dict(
                type='XView2UNetHead',
                in_channels=taps,
                decoder_channels=dec,
                num_views=2,
                num_classes=5,
                loss_decode=dict(type='DamageComboLoss')),
            test_cfg=ConfigDict(mode='whole')))


def samples(n, num_classes, ignore_some=True):
    out = []
    for _ in range(n):
        label = torch.randint(0, num_classes, (1, H, W))
        if ignore_some:
            label[:, :4, :4] = 255
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=label)
        s.set_metainfo(dict(img_shape=(H, W), ori_shape=(H, W), pad_shape=(H, W)))
        out.append(s)
    return out


# ------------------------------------------------------------------ encoder
def test_seresnext50_taps_match_mmpretrain():
    torch.manual_seed(0)
    enc = UNetSEResNeXt(depth=50, groups=32, width_per_group=4)
    ref = SEResNeXt(depth=50, groups=32, width_per_group=4, out_indices=(0, 1, 2, 3))
    ref.load_state_dict(enc.state_dict())  # same module names as mmpretrain
    enc.eval()
    ref.eval()  # mmpretrain's ResNet.train() returns None, so no chaining
    x = torch.rand(1, 3, H, W)
    with torch.no_grad():
        taps = enc(x)
        expected = ref(x)
        stem = ref.relu(ref.norm1(ref.conv1(x)))
    assert [t.shape[1] for t in taps] == SE50_TAPS
    assert [t.shape[-1] for t in taps] == [32, 16, 8, 4, 2]  # strides 2, 4, 8, 16, 32
    torch.testing.assert_close(taps[0], stem)
    for got, exp in zip(taps[1:], expected):
        torch.testing.assert_close(got, exp)
    assert n_params(enc) == 25_510_896  # Cadene se_resnext50_32x4d without its classifier


def test_resnet34_taps():
    enc = UNetResNet(depth=34)
    enc.eval()
    with torch.no_grad():
        taps = enc(torch.rand(1, 3, H, W))
    assert [t.shape[1] for t in taps] == [64, 64, 128, 256, 512]
    assert [t.shape[-1] for t in taps] == [32, 16, 8, 4, 2]


def test_ceil_mode_pool_is_the_original_codes():
    """pool_ceil_mode=True: Cadene's 3x3/2 ceil-mode max-pool (no padding), same tap sizes."""
    enc = UNetResNet(depth=18, stem_channels=16, base_channels=16, pool_ceil_mode=True)
    enc.eval()  # mmpretrain's ResNet.train returns None
    assert (enc.maxpool.ceil_mode, enc.maxpool.padding) == (True, 0)
    x = torch.rand(1, 3, H, W)
    with torch.no_grad():
        stem = enc.forward_stem(x)
        torch.testing.assert_close(enc(x)[1], enc.layer1(F.max_pool2d(stem, 3, 2, ceil_mode=True)))
    assert not UNetResNet(depth=18).maxpool.ceil_mode


# ------------------------------------------------------------------ decoder layout and size
def test_decoder_layout():
    head = XView2UNetHead(
        in_channels=SE50_TAPS,
        decoder_channels=TEACHER,
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        loss_decode=dict(type='ComboLoss'))
    convs = [m for m in head.modules() if isinstance(m, torch.nn.Conv2d)]
    shapes = [(c.in_channels, c.out_channels, c.kernel_size[0]) for c in convs
              if c is not head.conv_seg]
    # conv6, conv6_2, conv7, conv7_2, conv8, conv8_2, conv9, conv9_2, conv10 of the original code
    assert shapes == [(2048, 256, 3), (1280, 256, 3), (256, 128, 3), (640, 128, 3), (128, 64, 3),
                      (320, 64, 3), (64, 48, 3), (112, 48, 3), (48, 32, 3)]
    assert (head.conv_seg.in_channels, head.conv_seg.out_channels) == (32, 1)
    assert all(c.bias is not None for c in convs)
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in head.modules())
    assert head.dropout is None


@pytest.mark.parametrize('widths,digest', [(TEACHER, 9.1e6), (STUDENT, 4.2e6)])
def test_decoder_parameter_counts(widths, digest):
    head = XView2UNetHead(
        in_channels=SE50_TAPS,
        decoder_channels=widths,
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        loss_decode=dict(type='ComboLoss'))
    decoder = n_params(head) - n_params(head.conv_seg)
    hand = hand_decoder_count(SE50_TAPS, widths)
    assert decoder == hand  # 9,048,832 teacher; 4,223,168 student
    assert abs(decoder - digest) / digest < 0.03  # the digest's rough estimate
    assert n_params(head.conv_seg) == widths[0] + 1


def test_config_models_and_sizes():
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/models/xview2_loc_seresnext50_unet.py'))
    teacher = MODELS.build(cfg.xview2_loc_teacher)
    student = MODELS.build(cfg.xview2_loc_student)
    assert n_params(teacher.backbone) == n_params(student.backbone) == 25_510_896
    assert n_params(teacher.decode_head) == hand_decoder_count(SE50_TAPS, TEACHER) + 33
    assert n_params(student.decode_head) == hand_decoder_count(SE50_TAPS, STUDENT) + 17
    # whole localisation model: ~14% smaller, not the paper's 30%
    saving = 1 - n_params(student) / n_params(teacher)
    assert 0.13 < saving < 0.16
    dcfg = Config.fromfile(
        osp.join(ROOT, 'configs/_base_/models/xview2_damage_seresnext50_unet.py'))
    damage = MODELS.build(dcfg.xview2_damage_student)
    assert isinstance(damage, SiameseEncoderDecoder)
    assert damage.decode_head.conv_seg.in_channels == 2 * 16
    assert n_params(damage) == 25_510_896 + hand_decoder_count(SE50_TAPS, STUDENT) + 2 * 16 * 5 + 5
    damage.eval()
    with torch.no_grad():
        assert damage(torch.rand(1, 6, H, W), mode='tensor').shape == (1, 5, H, W)
    r34 = Config.fromfile(osp.join(ROOT, 'configs/_base_/models/xview2_resnet34_unet.py'))
    r34_loc = MODELS.build(r34.xview2_r34_loc)
    assert n_params(r34_loc.decode_head) == hand_decoder_count([64, 64, 128, 256, 512],
                                                               [48, 64, 96, 160, 320]) + 49
    MODELS.build(r34.xview2_r34_damage)


def test_schedules():
    base = osp.join(ROOT, 'configs/_base_/schedules')
    loc = Config.fromfile(osp.join(base, 'xview2_loc_150e.py'))
    assert loc.optim_wrapper.optimizer == dict(type='AdamW', lr=1.5e-4, weight_decay=1e-6)
    assert loc.optim_wrapper.clip_grad.max_norm == 1.1
    assert loc.train_cfg.max_epochs == 150 and loc.param_scheduler[0].milestones[:3] == [15, 29, 43]
    assert loc.default_hooks.check_loss.type == 'CheckFiniteLossHook'
    tune = Config.fromfile(osp.join(base, 'xview2_loc_tune_12e.py'))
    assert tune.optim_wrapper.optimizer.lr == 4e-5 and tune.train_cfg.max_epochs == 12
    assert tune.param_scheduler[0].milestones[:8] == [1, 2, 3, 4, 5, 7, 9, 11]
    assert tune.param_scheduler[0].end == 12
    dmg = Config.fromfile(osp.join(base, 'xview2_damage_50e.py'))
    assert dmg.optim_wrapper.optimizer.lr == 2e-4 and dmg.train_cfg.max_epochs == 50
    assert dmg.optim_wrapper.clip_grad.max_norm == 0.999
    dtune = Config.fromfile(osp.join(base, 'xview2_damage_tune_2e.py'))
    assert dtune.optim_wrapper.optimizer.lr == 1e-5 and dtune.train_cfg.max_epochs == 2
    loss = MODELS.build(dtune.xview2_damage_tune_loss)
    assert loss.channel_weights == [0.1, 0.1, 0.3, 0.3, 0.2] and loss.ce_weight == 11.0


# ------------------------------------------------------------------ localisation model
def test_loc_model_modes():
    model = loc_model()
    x = torch.rand(2, 3, H, W)
    model.eval()
    with torch.no_grad():
        logits = model(x, mode='tensor')
        preds = model(x, samples(2, 2), mode='predict')
    assert logits.shape == (2, 1, H, W)
    for i, pred in enumerate(preds):
        assert pred.pred_sem_seg.data.shape == (1, H, W)
        torch.testing.assert_close(pred.pred_sem_seg.data, (logits[i].sigmoid()
                                                            > 0.5).to(pred.pred_sem_seg.data))
    model.train()
    losses = model(x, samples(2, 2), mode='loss')
    assert set(losses) == {'decode.loss_combo', 'decode.acc_seg'}
    assert torch.isfinite(losses['decode.loss_combo'])
    assert 0 <= float(losses['decode.acc_seg']) <= 100
    losses['decode.loss_combo'].backward()
    assert model.backbone.conv1.weight.grad is not None


# ------------------------------------------------------------------ siamese damage model
def test_damage_model_modes_and_test_step():
    model = damage_model()
    x = torch.rand(2, 6, H, W)
    model.eval()
    with torch.no_grad():
        logits = model(x, mode='tensor')
        preds = model(x, samples(2, 5), mode='predict')
    assert logits.shape == (2, 5, H, W)
    for i, pred in enumerate(preds):
        torch.testing.assert_close(pred.pred_sem_seg.data[0], logits[i].argmax(0))
    model.train()
    losses = model(x, samples(2, 5), mode='loss')
    assert torch.isfinite(losses['decode.loss_damage'])
    losses['decode.loss_damage'].backward()
    # test_step through the cross-modal preprocessor: views pre + post -> 6 channels
    model.data_preprocessor = MODELS.build(
        dict(
            type='mmengine.MultiModalDataPreprocessor',
            modalities=dict(
                pre=dict(mean=[127.] * 3, std=[127.] * 3),
                post=dict(mean=[127.] * 3, std=[127.] * 3)),
            views=dict(damage=['pre', 'post']),
            base=dict(type='mmseg.SegDataPreProcessor', size_divisor=32, seg_pad_val=255)))
    model.eval()
    data = dict(
        inputs=dict(
            pre=[torch.randint(0, 256, (3, H, W), dtype=torch.uint8)],
            post=[torch.randint(0, 256, (3, H, W), dtype=torch.uint8)]),
        data_samples=samples(1, 5))
    out = model.test_step(data)
    assert out[0].pred_sem_seg.data.shape == (1, H, W)
    assert int(out[0].pred_sem_seg.data.max()) <= 4


def test_siamese_weights_are_shared():
    model = damage_model()
    model.eval()
    loc = loc_model()
    # one encoder and one decoder: the same parameters as a single UNet, plus a wider 1x1 conv
    assert n_params(model) == n_params(loc) - n_params(loc.decode_head.conv_seg) + 2 * 8 * 5 + 5
    pre, post = torch.rand(1, 3, H, W), torch.rand(1, 3, H, W)
    with torch.no_grad():
        feats = model.extract_feat(torch.cat([pre, post], 1))
        feats2 = model.extract_feat(torch.cat([pre, post * 0.5 + 0.3], 1))
        for a, b, ref in zip(feats[0], feats2[0], model.backbone(pre)):
            torch.testing.assert_close(a, b)  # the pre branch does not see the post image
            torch.testing.assert_close(a, ref)
        assert not torch.allclose(feats[1][-1], feats2[1][-1])
        dec = model.decode_head.forward_features(feats)
        dec_swapped = model.decode_head.forward_features(
            model.extract_feat(torch.cat([post, pre], 1)))
        torch.testing.assert_close(dec_swapped, torch.cat([dec[:, 8:], dec[:, :8]], 1))
        deep = model.deepest_features(torch.cat([pre, post], 1))
        torch.testing.assert_close(deep[0], model.backbone(pre)[-1])
        torch.testing.assert_close(deep[1], model.backbone(post)[-1])
    assert deep[0].shape == (1, 128, H // 32, W // 32)
    with pytest.raises(ValueError, match='6 input channels'):
        model.extract_feat(torch.rand(1, 3, H, W))


def test_init_weights_as_the_original_code():
    model = loc_model()
    model.init_weights()
    head = model.decode_head
    for conv in [m for m in head.modules() if isinstance(m, torch.nn.Conv2d)]:
        assert torch.count_nonzero(conv.bias) == 0
    conv6 = head.blocks[0].up_conv[0]
    fan_in = conv6.in_channels * 9
    assert abs(float(conv6.weight.std()) / (2 / fan_in)**0.5 - 1) < 0.1  # Kaiming fan-in
