# Teacher of any sensor pair: Faster R-CNN R50-FPN on the teacher's modalities fused early (their
# channels stacked in teacher_modalities order; conv1 inflated from the COCO detector's RGB
# filters). It knows no data: the pairing config declares modalities, teacher_modalities,
# student_modalities, modality_stats and classes (docs/custom_pairs.md), and every 'pair:<name>'
# below is filled from them when the config is loaded.
#   _base_ = ['<this file>', '<your data config>', '<a schedule>']
_base_ = ['../models/faster-rcnn_r50_fpn_cmkd.py']
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

model = dict(
    data_preprocessor=dict(
        _delete_=True,
        type='mmengine.MultiModalDataPreprocessor',
        modalities='pair:modality_stats',
        views=dict(teacher='pair:teacher_modalities'),
        base=dict(type='mmdet.DetDataPreprocessor', pad_size_divisor=32)),
    backbone=dict(in_channels='pair:teacher_channels'))
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
