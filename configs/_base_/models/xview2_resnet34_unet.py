# xView2 ResNet-34 UNets (the 1st-place Res34_Unet_Loc / Res34_Unet_Double): the same layout as
# the SE-ResNeXt50 models with a ResNet-34 encoder (mmpretrain ResNet, taps 64, 64, 128, 256,
# 512) and decoder widths [48, 64, 96, 160, 320]. Same normalisation (x / 127 - 1, RGB here where
# the original code reads BGR). Losses of the 1st-place ResNet-34 recipes (train34_loc /
# train34_cls):
# localisation dice 1 + focal 10; damage 0.05 L0 + 0.2 L1 + 0.8 L2 + 0.7 L3 + 0.4 L4 with
# Lk = dice 1 + focal 12 and no cross-entropy term.
#
# Configs set `model = xview2_r34_loc` (the default below) or `xview2_r34_damage`. For ImageNet
# weights set backbone.init_cfg=dict(type='Pretrained', checkpoint='https://download.openmmlab.com/
# mmclassification/v0/resnet/resnet34_8xb32_in1k_20210831-f257d4e6.pth', prefix='backbone.').
xview2_r34_norm_cfg = dict(type='BN', requires_grad=True)
xview2_r34_encoder = dict(
    type='UNetResNet',
    depth=34,
    in_channels=3,
    out_indices=(0, 1, 2, 3),
    norm_cfg=xview2_r34_norm_cfg,
    norm_eval=False,
    style='pytorch')
xview2_r34_encoder_channels = [64, 64, 128, 256, 512]
xview2_r34_widths = [48, 64, 96, 160, 320]
xview2_r34_stats = dict(mean=[127.0, 127.0, 127.0], std=[127.0, 127.0, 127.0])
xview2_r34_loc = dict(
    _scope_='mmseg',
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities=dict(pre=xview2_r34_stats),
        views=dict(pre=['pre']),
        base=dict(type='mmseg.SegDataPreProcessor', size_divisor=32, seg_pad_val=255)),
    backbone=xview2_r34_encoder,
    decode_head=dict(
        type='XView2UNetHead',
        in_channels=xview2_r34_encoder_channels,
        decoder_channels=xview2_r34_widths,
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        align_corners=False,
        ignore_index=255,
        loss_decode=dict(type='ComboLoss', weights=dict(dice=1.0, focal=10.0))),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
xview2_r34_damage = dict(
    _scope_='mmseg',
    type='SiameseEncoderDecoder',
    split=[3, 3],
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities=dict(pre=xview2_r34_stats, post=xview2_r34_stats),
        views=dict(damage=['pre', 'post']),
        base=dict(type='mmseg.SegDataPreProcessor', size_divisor=32, seg_pad_val=255)),
    backbone=xview2_r34_encoder,
    decode_head=dict(
        type='XView2UNetHead',
        in_channels=xview2_r34_encoder_channels,
        decoder_channels=xview2_r34_widths,
        num_views=2,
        num_classes=5,
        align_corners=False,
        ignore_index=255,
        loss_decode=dict(
            type='DamageComboLoss',
            channel_weights=[0.05, 0.2, 0.8, 0.7, 0.4],
            combo=dict(dice=1.0, focal=12.0),
            ce_weight=0.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
model = xview2_r34_loc
