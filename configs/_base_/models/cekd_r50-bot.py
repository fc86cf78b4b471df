# The two CEKD networks (Feng et al., RA-L 2023), both with ResNet-50 encoders whose layer4 is a
# BoTNet self-attention stage (trained from scratch) and the RTFNet TransBottleneck decoder.
#
# cenet (teacher): RGB and thermal streams, thermal added into RGB after the stem and every
#   stage; the CDCM/CSAM edge branch at 1/4 adds sigmoid(edge) to the hint; CE + class-balanced
#   edge BCE. RGB loads ImageNet ResNet-50; the 1-channel thermal conv1 is the mean of the RGB
#   conv1 filters (InflatedPretrained). The two streams read the teacher's two modalities
#   (teacher_modalities order: main, aux).
# eknet (student): the thermal stream alone, the decoder without the edge branch, and the
#   thermal enhancement module (M = T ** w, w predicted per image, added at every decoder scale).
#   It reads the student's modalities.
#
# The method bases (configs/_base_/methods/*_cenet*.py, *_eknet*.py) set `model = dict(cenet or
# eknet, data_preprocessor=...)`. The channel and class counts are 'pair:<name>' references,
# filled from the pairing config (utils/modality_pair.py). Offline, set the init_cfg to None or to
# a local checkpoint.
imagenet_r50 = 'torchvision://resnet50'
norm_cfg = dict(type='BN', requires_grad=True)
bot_fmap_size = (30, 40)  # (h, w) of the layer4 input (1/16) at the 480x640 training size
stream = dict(
    type='BoTResNet',
    depth=50,
    out_stem=True,
    num_stages=4,
    out_indices=(0, 1, 2, 3),
    strides=(1, 2, 2, 2),
    dilations=(1, 1, 1, 1),
    norm_cfg=norm_cfg,
    norm_eval=False,
    style='pytorch',
    bot_cfg=dict(fmap_size=bot_fmap_size, num_blocks=3, heads=4, proj_factor=4))
decoder = dict(
    type='RTFDecoderHead',
    in_channels=(64, 256, 512, 1024, 2048),
    channels=128,
    num_blocks=2,
    num_classes='pair:num_classes',
    align_corners=False,
    loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0))
cenet = dict(
    _scope_='mmseg',
    type='EncoderDecoder',
    backbone=dict(
        type='FusionResNet',
        main=dict(stream, init_cfg=dict(type='Pretrained', checkpoint=imagenet_r50)),
        aux=dict(stream, init_cfg=dict(type='InflatedPretrained', checkpoint=imagenet_r50)),
        split_channels='pair:teacher_split_channels'),  # channels of main and aux
    decode_head=dict(
        decoder,
        edge_module=dict(type='EdgeModule'),
        # double_sigmoid=True reproduces the original CEKD code, which applies the sigmoid twice.
        loss_edge=dict(type='AutoWeightedEdgeBCELoss', double_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
eknet = dict(
    _scope_='mmseg',
    type='EnhancedEncoderDecoder',
    backbone=dict(
        stream,
        in_channels='pair:student_channels',
        init_cfg=dict(type='InflatedPretrained', checkpoint=imagenet_r50)),
    decode_head=decoder,
    # The thermal channel arrives as T / 255 (the original normalisation, mfnet_cekd.py), so mean=0,
    # std=1, max_value=1 give T in [0, 1]. pool_size=None is CEKD's fixed weight head for
    # 480x640 inputs; give a grid (e.g. (8, 10)) for other sizes.
    enhancement=dict(
        type='ThermalEnhancementModule',
        thermal_channel=0,
        enlightening=2.0,
        pool_size=None,
        mean=0.0,
        std=1.0,
        max_value=1.0),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
# The base of both models' MultiModalDataPreprocessor.
seg_preprocessor = dict(type='mmseg.SegDataPreProcessor', size_divisor=32, seg_pad_val=255)
