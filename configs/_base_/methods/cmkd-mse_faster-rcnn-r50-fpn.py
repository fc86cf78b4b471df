# CMKD-MSE for any sensor pair: the student (its modalities only) mimics the teacher's FPN maps
# P2-P5 (teacher on its own modalities, frozen, loaded from model.teacher_ckpt).
#   loss_kd = 0.5 * mean_l MSE(P_l^student, P_l^teacher),  l = P2..P5
# added to the Faster R-CNN losses (each of the four mmrazor L2Loss terms, a mean squared error
# with div_element=True, has weight 0.5 / 4). The teacher runs only to its FPN (extract_feat).
# 'pair:<name>' fields are filled from the pairing config's declared names.
#   _base_ = ['<this file>', '<your data config>', '<a schedule>']
#   python tools/train.py CONFIG --cfg-options model.teacher_ckpt=<the teacher's best.pth>
_base_ = ['../models/faster-rcnn_r50_fpn_cmkd.py']
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

teacher = dict(_base_.model)
teacher['data_preprocessor'] = None
teacher['backbone'] = dict(_base_.model.backbone, in_channels='pair:teacher_channels')
student = dict(_base_.model)
student['data_preprocessor'] = None
student['backbone'] = dict(_base_.model.backbone, in_channels='pair:student_channels')
teacher_ckpt = None  # the teacher's checkpoint: --cfg-options model.teacher_ckpt=...
levels = (0, 1, 2, 3)  # P2-P5; P6 (the max-pooled level) is not distilled, as in the original code

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CrossModalDistill',
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities='pair:modality_stats',
        views=dict(student='pair:student_modalities', teacher='pair:teacher_modalities'),
        base=dict(type='mmdet.DetDataPreprocessor', pad_size_divisor=32)),
    architecture=student,
    teacher=teacher,
    teacher_ckpt=teacher_ckpt,
    teacher_view='teacher',
    student_view='student',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        distill_losses={
            f'loss_mse_p{lvl + 2}':
            dict(type='L2Loss', normalize=False, div_element=True, loss_weight=0.5 / len(levels))
            for lvl in levels
        },
        loss_forward_mappings={
            f'loss_mse_p{lvl + 2}':
            dict(
                s_feature=dict(from_student=True, recorder='fpn', data_idx=lvl),
                t_feature=dict(from_student=False, recorder='fpn', data_idx=lvl))
            for lvl in levels
        }))
find_unused_parameters = True
# Validation also reports the teacher on its own view (teacher/coco/bbox_mAP).
val_cfg = dict(type='mmrazor.CrossModalDistillValLoop', evaluate_teacher=True)
test_cfg = dict(type='TestLoop')
