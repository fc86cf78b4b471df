# Baseline of any segmentation pair: the same narrow ResNet-18 FCN on the student's modalities
# only, no distillation: what the distilled students are measured against. 'pair:<name>' fields
# are filled from the pairing config's declared names (docs/custom_pairs.md).
#   _base_ = ['<this file>', '<your data config>', '<a schedule>']
_base_ = ['../models/fcn_r18_tiny.py']
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

model = dict(
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities='pair:modality_stats',
        views=dict(student='pair:student_modalities'),
        base=dict(type='mmseg.SegDataPreProcessor', size_divisor=8, seg_pad_val=255)),
    backbone=dict(in_channels='pair:student_channels'))
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
