# CENet on PST900: the MFNet teacher with another dataset base, 5 classes and the BoTNet tables
# sized for 1280x720 (padded to 1280x736, layer4 input 46x80). A new RGB-thermal dataset is
# this config, not new code.
_base_ = [
    '../_base_/models/cekd_r50-bot.py', '../_base_/datasets/pst900_cekd.py',
    '../_base_/schedules/cekd_sgd_200e.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)
bot_cfg = dict(_base_.stream.bot_cfg, fmap_size=(46, 80))
model = dict(
    _base_.cenet,
    backbone=dict(
        _base_.cenet.backbone,
        main=dict(_base_.cenet.backbone.main, bot_cfg=bot_cfg),
        aux=dict(_base_.cenet.backbone.aux, bot_cfg=bot_cfg)),
    decode_head=dict(_base_.cenet.decode_head, num_classes=_base_.num_classes),
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities=_base_.modality_stats,
        views=dict(teacher=['rgb', 'thermal']),
        base=_base_.seg_preprocessor))
# PST900's thermal image is its own 1-channel file.
default_hooks = dict(visualization=dict(modality_cfg=dict(channels=[0], bit_depth=8)))
