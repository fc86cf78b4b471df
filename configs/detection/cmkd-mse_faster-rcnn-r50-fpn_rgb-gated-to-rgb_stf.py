# CMKD-MSE: the RGB student mimics the RGB+gated teacher's FPN maps P2-P5.
#   loss_kd = 0.5 * mean_l MSE(P_l^student, P_l^teacher),  l = P2..P5
# added to the Faster R-CNN losses (each of the four mmrazor L2Loss terms, a mean squared error
# with div_element=True, has weight 0.5 / 4). The teacher runs only to its FPN (extract_feat).
_base_ = ['./baseline_faster-rcnn-r50-fpn_rgb_stf.py']

teacher = dict(_base_.model)
teacher['data_preprocessor'] = None
teacher['backbone'] = dict(_base_.model.backbone, in_channels=6)
student = dict(_base_.model)
student['data_preprocessor'] = None
# The teacher trained with teacher_faster-rcnn-r50-fpn_rgb-gated_stf.py, e.g.
# --cfg-options model.teacher_ckpt=work_dirs/teacher_faster-rcnn-r50-fpn_rgb-gated_stf/best.pth
teacher_ckpt = None
levels = (0, 1, 2, 3)  # P2-P5; P6 (the max-pooled level) is not distilled, as in the original code

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CrossModalDistill',
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities=_base_.modality_stats,
        views=dict(student=_base_.student_modalities, teacher=_base_.teacher_modalities),
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
val_cfg = dict(_delete_=True, type='mmrazor.CrossModalDistillValLoop', evaluate_teacher=True)
