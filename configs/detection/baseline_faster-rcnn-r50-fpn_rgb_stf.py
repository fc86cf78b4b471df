# Baseline: Faster R-CNN R50-FPN on RGB only, no distillation. The same detector, data and
# schedule as the teacher and the distilled students.
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
        views=dict(student=_base_.student_modalities),
        base=dict(type='mmdet.DetDataPreprocessor', pad_size_divisor=32)))
default_hooks = dict(visualization=dict(type='MultiModalDetVisualizationHook', modalities=['rgb']))
