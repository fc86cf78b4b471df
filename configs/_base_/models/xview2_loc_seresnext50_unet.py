# xView2 building localisation UNet (the 1st-place SeResNext50_Unet_Loc, the xView2 KD code's
# localisation teacher; its student SeResNext50_Unet_Loc_KD has the same encoder and half the
# decoder widths). SE-ResNeXt50 32x4d encoder (mmpretrain SEResNeXt, five taps: stem, layer1-4),
# UNet decoder of 3x3 conv + ReLU blocks, a 1x1 conv to one building logit; prediction is
# sigmoid(logit) > 0.5 at the input size. Loss: dice 1 + focal 10 on the logit.
#
# Configs set `model = xview2_loc_teacher` (the default below) or `xview2_loc_student`.
# Input: the 'pre' image, normalised x / 127 - 1 (mean 127, std 127 per channel). The original code
# reads BGR with cv2, our loaders give RGB (tools/model_converters/xview2_to_cmkd.py flips the stem
# of the original weights; add model.backbone.pool_ceil_mode=True for its max-pool). The encoder
# starts from mmpretrain's random init; for ImageNet weights set
# backbone.init_cfg=dict(type='Pretrained', checkpoint=<mmpretrain SE-ResNeXt50 file>,
# prefix='backbone.').
xview2_loc_norm_cfg = dict(type='BN', requires_grad=True)
xview2_loc_encoder = dict(
    type='UNetSEResNeXt',
    depth=50,
    groups=32,
    width_per_group=4,
    in_channels=3,
    out_indices=(0, 1, 2, 3),
    norm_cfg=xview2_loc_norm_cfg,
    norm_eval=False,
    style='pytorch')
xview2_loc_encoder_channels = [64, 256, 512, 1024, 2048]
xview2_loc_teacher_widths = [32, 48, 64, 128, 256]  # [64, 96, 128, 256, 512] // 2
xview2_loc_student_widths = [16, 24, 32, 64, 128]  # [64, 96, 128, 256, 512] // 4
xview2_loc_head = dict(
    type='XView2UNetHead',
    in_channels=xview2_loc_encoder_channels,
    decoder_channels=xview2_loc_teacher_widths,
    num_classes=2,
    out_channels=1,
    threshold=0.5,
    align_corners=False,
    ignore_index=255,
    loss_decode=dict(type='ComboLoss', weights=dict(dice=1.0, focal=10.0)))
xview2_loc_preprocessor = dict(
    type='mmengine.MultiModalDataPreprocessor',
    modalities=dict(pre=dict(mean=[127.0, 127.0, 127.0], std=[127.0, 127.0, 127.0])),
    views=dict(pre=['pre']),
    base=dict(type='mmseg.SegDataPreProcessor', size_divisor=32, seg_pad_val=255))
xview2_loc_teacher = dict(
    _scope_='mmseg',
    type='EncoderDecoder',
    data_preprocessor=xview2_loc_preprocessor,
    backbone=xview2_loc_encoder,
    decode_head=xview2_loc_head,
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
xview2_loc_student = dict(
    xview2_loc_teacher,
    decode_head=dict(xview2_loc_head, decoder_channels=xview2_loc_student_widths))
model = xview2_loc_teacher
