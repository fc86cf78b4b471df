# Baseline: thermal only (1 channel), no distillation.
_base_ = [
    'mmseg::_base_/default_runtime.py', '../_base_/models/fcn_r18_tiny.py',
    '../_base_/datasets/mfnet_demo.py', '../_base_/schedules/demo_400it.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)
model = dict(
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities=_base_.modality_stats,
        views=dict(student=['thermal']),
        base=dict(type='mmseg.SegDataPreProcessor', size_divisor=8, seg_pad_val=255)),
    backbone=dict(in_channels=1))
