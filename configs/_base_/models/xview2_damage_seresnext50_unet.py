# xView2 damage classification model (the 1st-place SeResNext50_Unet_Double, the xView2 KD code's
# classification teacher; its student SeResNext50_Unet_Double_KD has half the decoder widths).
# Siamese: the 6-channel input [pre(3), post(3)] is split in halves, the same SE-ResNeXt50
# encoder and UNet decoder (shared weights) run on each, the two last decoder maps (2 x 32
# channels; student 2 x 16) are concatenated and a 1x1 conv gives 5 logits (0 background,
# 1 no damage, 2 minor, 3 major, 4 destroyed); prediction is the argmax.
# Loss: 1 L0 + 0.1 L1 + 0.5 L2 + 0.4 L3 + 0.2 L4 + 5 CE, Lk = dice 0.5 + focal 2 on channel k
# (schedules/xview2_damage_tune_2e.py has the tuning weights).
#
# Configs set `model = xview2_damage_teacher` (the default below) or `xview2_damage_student`.
# Input: view ['pre', 'post'], each normalised x / 127 - 1 (mean 127, std 127). The original code
# reads BGR with cv2, our loaders give RGB. The encoder starts from mmpretrain's random init (see
# the localisation base for ImageNet weights; the 1st-place code also leaves the localisation-weight
# initialisation of this model out in the xView2 KD code).
xview2_damage_norm_cfg = dict(type='BN', requires_grad=True)
xview2_damage_encoder = dict(
    type='UNetSEResNeXt',
    depth=50,
    groups=32,
    width_per_group=4,
    in_channels=3,
    out_indices=(0, 1, 2, 3),
    norm_cfg=xview2_damage_norm_cfg,
    norm_eval=False,
    style='pytorch')
xview2_damage_encoder_channels = [64, 256, 512, 1024, 2048]
xview2_damage_teacher_widths = [32, 48, 64, 128, 256]
xview2_damage_student_widths = [16, 24, 32, 64, 128]
xview2_damage_loss = dict(
    type='DamageComboLoss',
    channel_weights=[1.0, 0.1, 0.5, 0.4, 0.2],
    combo=dict(dice=0.5, focal=2.0),
    ce_weight=5.0)
xview2_damage_head = dict(
    type='XView2UNetHead',
    in_channels=xview2_damage_encoder_channels,
    decoder_channels=xview2_damage_teacher_widths,
    num_views=2,
    num_classes=5,
    align_corners=False,
    ignore_index=255,
    loss_decode=xview2_damage_loss)
xview2_damage_preprocessor = dict(
    type='mmengine.MultiModalDataPreprocessor',
    modalities=dict(
        pre=dict(mean=[127.0, 127.0, 127.0], std=[127.0, 127.0, 127.0]),
        post=dict(mean=[127.0, 127.0, 127.0], std=[127.0, 127.0, 127.0])),
    views=dict(damage=['pre', 'post']),
    base=dict(type='mmseg.SegDataPreProcessor', size_divisor=32, seg_pad_val=255))
xview2_damage_teacher = dict(
    _scope_='mmseg',
    type='SiameseEncoderDecoder',
    split=[3, 3],
    data_preprocessor=xview2_damage_preprocessor,
    backbone=xview2_damage_encoder,
    decode_head=xview2_damage_head,
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
xview2_damage_student = dict(
    xview2_damage_teacher,
    decode_head=dict(xview2_damage_head, decoder_channels=xview2_damage_student_widths))
model = xview2_damage_teacher
