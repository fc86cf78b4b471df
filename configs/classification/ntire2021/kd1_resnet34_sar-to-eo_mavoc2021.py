# NTIRE 2021 KD method 1 (CMKD-s): the frozen SAR ResNet-34 teaches the EO ResNet-34 on paired
# chips, each network on its own modality and size (SAR 48 px, EO 30 px):
#   loss = 0.8 * CE_w,mix(s, y) + 0.2 * T^2 * KL(softmax(t/T) || softmax(s/T)),  T = 2
# with the KL averaged over all B x 10 elements as the NTIRE 2021 code does (reduction='mean';
# 'batchmean' is 10x larger for 10 classes). 120 epochs, SGD 0.01, StepLR(20, 0.5).
_base_ = [
    '../../_base_/models/resnet34_1ch_mavoc.py', '../../_base_/datasets/mavoc2021.py',
    '../../_base_/schedules/mavoc_sgd_step.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

# The SAR model (teacher_resnet34_sar_mavoc2021.py), e.g. --cfg-options
# model.teacher_ckpt=work_dirs/teacher_resnet34_sar_mavoc2021/best_accuracy_top1_epoch_N.pth
teacher_ckpt = None
student_view, teacher_view = 'eo', 'sar'
kd_alpha = 0.2
student = dict(
    _base_.classifier,
    head=dict(
        _base_.classifier.head, loss=dict(_base_.classifier.head.loss, loss_weight=1 - kd_alpha)))
logits = dict(logits=dict(type='ModuleOutputs', source='head.fc'))
model = dict(
    _scope_='mmrazor',
    type='CrossModalDistill',
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities=_base_.modality_stats,
        views=dict(student=[student_view], teacher=[teacher_view]),
        base=_base_.cls_preprocessor),
    architecture=student,
    teacher=_base_.classifier,
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
# As in the NTIRE 2021 code, the SAR teacher sees its test transform (Resize 48, no augmentation)
# while the EO student trains (its train transform is Resize 30 here: the original AutoAugment and
# Cutout are not available, see mavoc2021.py).
train_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline))
# Start the student from the EO baseline, as the NTIRE 2021 code does: --cfg-options
# model.architecture.init_cfg.type=Pretrained model.architecture.init_cfg.checkpoint=EO.pth
val_cfg = dict(_delete_=True, type='mmrazor.CrossModalDistillValLoop', evaluate_teacher=True)
