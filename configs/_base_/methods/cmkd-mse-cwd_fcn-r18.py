# Cross-modal KD for any segmentation pair: the student (its modalities only) learns from the
# teacher (its own modalities, frozen, loaded from model.teacher_ckpt) through feature MSE on the
# last backbone stage (mmrazor L2Loss, mean over elements) and channel-wise distillation (mmrazor
# ChannelWiseDivergence) on the logits, added to the student's cross-entropy. Both are the narrow
# ResNet-18 FCN. 'pair:<name>' fields are filled from the pairing config's declared names.
#   _base_ = ['<this file>', '<your data config>', '<a schedule>']
#   python tools/train.py CONFIG --cfg-options model.teacher_ckpt=<the teacher's checkpoint>
_base_ = ['../models/fcn_r18_tiny.py']
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

student = dict(_base_.model)
student['backbone'] = dict(_base_.model.backbone, in_channels='pair:student_channels')
teacher = dict(_base_.model)
teacher['backbone'] = dict(_base_.model.backbone, in_channels='pair:teacher_channels')
teacher_ckpt = None  # the teacher's checkpoint: --cfg-options model.teacher_ckpt=...

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CrossModalDistill',
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities='pair:modality_stats',
        views=dict(student='pair:student_modalities', teacher='pair:teacher_modalities'),
        base=dict(type='mmseg.SegDataPreProcessor', size_divisor=8, seg_pad_val=255)),
    architecture=student,
    teacher=teacher,
    teacher_ckpt=teacher_ckpt,
    teacher_view='teacher',
    student_view='student',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            feat=dict(type='ModuleOutputs', source='backbone.layer4'),
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
        teacher_recorders=dict(
            feat=dict(type='ModuleOutputs', source='backbone.layer4'),
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
        distill_losses=dict(
            loss_feat=dict(type='L2Loss', normalize=False, div_element=True, loss_weight=1.0),
            loss_kl=dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_feat=dict(
                s_feature=dict(from_student=True, recorder='feat'),
                t_feature=dict(from_student=False, recorder='feat')),
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
find_unused_parameters = True
# Validation also reports the teacher on its own view (teacher/mIoU ...).
val_cfg = dict(type='mmrazor.CrossModalDistillValLoop', evaluate_teacher=True)
test_cfg = dict(type='TestLoop')
