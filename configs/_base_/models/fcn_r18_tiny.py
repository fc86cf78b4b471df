# A narrow ResNet-18 FCN (output stride 8) small enough to train on CPU. The method bases
# (configs/_base_/methods/*_fcn-r18.py) set backbone.in_channels to the channel count of the view
# the model reads; the class count comes from the pairing config's `classes` ('pair:num_classes',
# utils/modality_pair.py).
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    _scope_='mmseg',
    type='EncoderDecoder',
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        in_channels=3,
        stem_channels=16,
        base_channels=16,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True),
    decode_head=dict(
        type='FCNHead',
        in_channels=128,
        in_index=3,
        channels=32,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes='pair:num_classes',
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
