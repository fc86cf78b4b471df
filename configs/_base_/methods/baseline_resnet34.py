# Baseline of any sensor pair for classification: the same ResNet-34 classifier as the teacher
# (./teacher_resnet34.py) on the student's modalities only, no distillation: what the distilled
# students are measured against. 'pair:<name>' fields are filled from the pairing config's
# declared names (docs/custom_pairs.md).
#   _base_ = ['<this file>', '<your data config>', '<a schedule>']
_base_ = ['../models/resnet34_1ch_mavoc.py']
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

model = dict(
    _base_.classifier,
    backbone=dict(_base_.classifier.backbone, in_channels='pair:student_channels'),
    head=dict(_base_.classifier.head, num_classes='pair:num_classes'),
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities='pair:modality_stats',
        views=dict(student='pair:student_modalities'),
        base=_base_.cls_preprocessor))
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
