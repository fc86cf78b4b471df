# Teacher of any sensor pair for classification: the ResNet-34 classifier of
# ../models/resnet34_1ch_mavoc.py on the teacher's modalities (their channels stacked in
# teacher_modalities order; conv1 of that many channels), a head of as many classes as the pair
# declares, class-weighted CE with label mixing (class_weight='auto': weights from the training
# set's class counts). It knows no data: the pairing config declares modalities,
# teacher_modalities, student_modalities, modality_stats and classes (docs/custom_pairs.md), and
# every 'pair:<name>' below is filled from them when the config is loaded.
#   _base_ = ['<this file>', '<your data config>', '<a schedule>']
_base_ = ['../models/resnet34_1ch_mavoc.py']
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

model = dict(
    _base_.classifier,
    backbone=dict(_base_.classifier.backbone, in_channels='pair:teacher_channels'),
    head=dict(_base_.classifier.head, num_classes='pair:num_classes'),
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities='pair:modality_stats',
        views=dict(teacher='pair:teacher_modalities'),
        base=_base_.cls_preprocessor))
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
