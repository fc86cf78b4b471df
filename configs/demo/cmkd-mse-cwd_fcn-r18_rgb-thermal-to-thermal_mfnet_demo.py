# Cross-modal KD: the RGB-thermal teacher teaches the thermal-only student through feature
# MSE on the last backbone stage (mmrazor L2Loss, mean over elements) and channel-wise
# distillation (mmrazor ChannelWiseDivergence) on the logits.
_base_ = [
    'mmseg::_base_/default_runtime.py', '../_base_/models/fcn_r18_tiny.py',
    '../_base_/datasets/mfnet_demo.py', '../_base_/schedules/demo_400it.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

student = dict(_base_.model)
student['backbone'] = dict(_base_.model.backbone, in_channels=1)
teacher = dict(_base_.model)
teacher['backbone'] = dict(_base_.model.backbone, in_channels=4)
# Set to the teacher's checkpoint (configs/recipes/cmkd_fcn_mfnet_demo.py does), e.g.
# --cfg-options model.teacher_ckpt=work_dirs/teacher_fcn-r18_rgb-thermal_mfnet_demo/iter_400.pth
teacher_ckpt = None

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CrossModalDistill',
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities=_base_.modality_stats,
        views=dict(student=['thermal'], teacher=['rgb', 'thermal']),
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
val_cfg = dict(_delete_=True, type='mmrazor.CrossModalDistillValLoop', evaluate_teacher=True)
