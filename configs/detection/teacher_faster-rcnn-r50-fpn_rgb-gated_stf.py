# Teacher: Faster R-CNN R50-FPN on RGB + the three gated slices, fused early (6 input channels,
# the original code's order rgb, gated0, gated1, gated2). conv1 is inflated from the COCO detector's
# RGB filters (InflatedPretrained inflate='mean'); the original code's random conv1 is
# inflate='random'.
_base_ = [
    '../_base_/models/faster-rcnn_r50_fpn_stf.py', '../_base_/datasets/stf_night.py',
    '../_base_/schedules/stf_sgd_step.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

model = dict(
    data_preprocessor=dict(
        _delete_=True,
        type='mmengine.MultiModalDataPreprocessor',
        modalities=_base_.modality_stats,
        views=dict(teacher=_base_.teacher_modalities),
        base=dict(type='mmdet.DetDataPreprocessor', pad_size_divisor=32)),
    backbone=dict(in_channels=6))
# Draw test predictions (--show-dir) on the RGB image and on the middle gated slice.
default_hooks = dict(
    visualization=dict(
        type='MultiModalDetVisualizationHook', modalities=dict(rgb={}, gated1=dict(bit_depth=10))))
