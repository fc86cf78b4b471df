# Baseline of any sensor pair: the same Faster R-CNN R50-FPN on the student's modalities only, no
# distillation: what the distilled students are measured against. 'pair:<name>' fields are filled
# from the pairing config's declared names (docs/custom_pairs.md).
#   _base_ = ['<this file>', '<your data config>', '<a schedule>']
_base_ = ['../models/faster-rcnn_r50_fpn_cmkd.py']
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

model = dict(
    data_preprocessor=dict(
        _delete_=True,
        type='mmengine.MultiModalDataPreprocessor',
        modalities='pair:modality_stats',
        views=dict(student='pair:student_modalities'),
        base=dict(type='mmdet.DetDataPreprocessor', pad_size_divisor=32)),
    backbone=dict(in_channels='pair:student_channels'))
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
