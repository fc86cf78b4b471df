# xView2 damage student, teacher-student mode (the xView2 KD code's train_student with its
# experiment script's setting `--mode T-S --LWF 1 --LFL 1 --alpha 0 --beta 1`): the siamese student
# UNet (decoder widths halved) learns from the frozen, tuned damage teacher on pre + post:
#   student: theta * -(log_softmax(s) * Y).mean()                 (SoftBCELoss, 5 classes)
#            + 0.1 L0 + 0.1 L1 + 0.3 L2 + 0.3 L3 + 0.2 L4 + 11 CE  (always on, the tuning loss)
#   distill: beta * LWF = -(softmax(t) * log_softmax(s) * Y).mean()
# with Y the one-hot damage target; theta = beta = 1; the feature term (alpha * LFL on the
# concatenated pre/post layer4 features) is off as in the script (alpha = 0). Its
# `--transfer 1` starts the student from the localisation student: hand its checkpoint to
# model.architecture.init_cfg (a recipe input 'model.architecture.init_cfg.checkpoint').
# AdamW 2e-3, wd 1e-6, clip 0.999, 30 epochs, batch 5, validation every 2 epochs.
#   python tools/train.py configs/building_damage/damage-kd_unet-seresnext50_pre-post_xview2.py \
#       --cfg-options \
#       model.teacher_ckpt=work_dirs/damage-teacher-tune_unet-seresnext50_pre-post_xview2/best_*.pth
_base_ = [
    '../_base_/models/xview2_damage_seresnext50_unet.py', '../_base_/datasets/xview2.py',
    '../_base_/schedules/xview2_damage_tune_2e.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)
student = dict(
    _base_.xview2_damage_student,
    decode_head=dict(
        _base_.xview2_damage_student.decode_head,
        loss_decode=[
            _base_.xview2_damage_tune_loss,
            dict(type='SoftBCELoss', loss_weight=1.0),  # theta
        ]))
teacher_ckpt = None
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CrossModalDistill',
    data_preprocessor=_base_.xview2_damage_preprocessor,
    architecture=student,
    teacher=_base_.xview2_damage_teacher,
    teacher_ckpt=teacher_ckpt,
    teacher_view='damage',
    student_view='damage',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg'),
            gt=dict(
                type='MethodInputs',
                source='mmseg.models.decode_heads.decode_head.BaseDecodeHead.loss_by_feat')),
        teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
        distill_losses=dict(
            loss_lwf=dict(type='TeacherWeightedLikelihoodLoss', loss_weight=1.0)),  # beta
        loss_forward_mappings=dict(
            loss_lwf=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits'),
                gt=dict(from_student=True, recorder='gt', data_idx=1)))))
find_unused_parameters = True
train_dataloader = dict(_base_.damage_train_dataloader, batch_size=5)
val_dataloader = _base_.damage_val_dataloader
test_dataloader = _base_.damage_test_dataloader
val_evaluator = _base_.damage_evaluator
test_evaluator = _base_.damage_evaluator
val_cfg = dict(_delete_=True, type='mmrazor.CrossModalDistillValLoop', evaluate_teacher=True)
max_epochs = 30
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[5, 11, 17, 23, 29],
        gamma=0.5,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
default_hooks = dict(checkpoint=dict(save_best='score', rule='greater'))
