# Teacher of any segmentation pair: the narrow ResNet-18 FCN on the teacher's modalities fused
# early (their channels stacked in teacher_modalities order). It knows no data: the pairing config
# declares modalities, teacher_modalities, student_modalities, modality_stats and classes
# (docs/custom_pairs.md), and every 'pair:<name>' below is filled from them when the config loads.
#   _base_ = ['<this file>', '<your data config>', '<a schedule>']
_base_ = ['../models/fcn_r18_tiny.py']
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

model = dict(
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities='pair:modality_stats',
        views=dict(teacher='pair:teacher_modalities'),
        base=dict(type='mmseg.SegDataPreProcessor', size_divisor=8, seg_pad_val=255)),
    backbone=dict(in_channels='pair:teacher_channels'))
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
