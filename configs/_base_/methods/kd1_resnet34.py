# Logit distillation (KD1, the NTIRE 2021 code's KD method 1) for any sensor pair: the frozen
# teacher (./teacher_resnet34.py, on the teacher's modalities, loaded from model.teacher_ckpt)
# teaches the student (the same ResNet-34 classifier on the student's modalities); each network
# reads its own view of the batch, at its own size:
#   loss = (1 - kd_alpha) * CE_w,mix(s, y) + kd_alpha * T^2 * KL(softmax(t/T) || softmax(s/T))
# with T = 2, kd_alpha = 0.2 and the KL averaged over all B x num_classes elements as the NTIRE
# 2021 code does (reduction='mean'; 'batchmean' is num_classes times larger). 'pair:<name>' fields
# are filled from the pairing config's declared names (docs/custom_pairs.md).
#   _base_ = ['<this file>', '<your data config>', '<a schedule>']
#   python tools/train.py CONFIG --cfg-options model.teacher_ckpt=<the teacher's best.pth>
# Start the student from the baseline with --cfg-options
#   model.architecture.init_cfg.type=Pretrained model.architecture.init_cfg.checkpoint=<its .pth>
_base_ = ['../models/resnet34_1ch_mavoc.py']
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

teacher_ckpt = None  # the teacher's checkpoint: --cfg-options model.teacher_ckpt=...
kd_alpha = 0.2
teacher = dict(
    _base_.classifier,
    backbone=dict(_base_.classifier.backbone, in_channels='pair:teacher_channels'),
    head=dict(_base_.classifier.head, num_classes='pair:num_classes'))
student = dict(
    _base_.classifier,
    backbone=dict(_base_.classifier.backbone, in_channels='pair:student_channels'),
    head=dict(
        _base_.classifier.head,
        num_classes='pair:num_classes',
        loss=dict(_base_.classifier.head.loss, loss_weight=1 - kd_alpha)))
logits = dict(logits=dict(type='ModuleOutputs', source='head.fc'))
model = dict(
    _scope_='mmrazor',
    type='CrossModalDistill',
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities='pair:modality_stats',
        views=dict(student='pair:student_modalities', teacher='pair:teacher_modalities'),
        base=_base_.cls_preprocessor),
    architecture=student,
    teacher=teacher,
    teacher_ckpt=teacher_ckpt,
    teacher_view='teacher',
    student_view='student',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=logits,
        teacher_recorders=logits,
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', tau=2.0, reduction='mean', loss_weight=kd_alpha)),
        loss_forward_mappings=dict(
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
# Validation also reports the teacher on its own view (teacher/accuracy/top1).
val_cfg = dict(type='mmrazor.CrossModalDistillValLoop', evaluate_teacher=True)
test_cfg = dict(type='TestLoop')
