# xView2 localisation student, teacher-student mode (the xView2 KD code's train_student_building
# with its experiment script's setting `--mode T-S --LWF 1 --LFL 1 --alpha 0 --beta 1`): the student
# UNet (decoder widths halved: [16, 24, 32, 64, 128]) learns from the frozen, tuned localisation
# teacher on the same pre image, at temperature 2:
#   student: theta * SoftBCE(sigmoid(s / 2), m) + ComboLoss(dice 3, focal 10) on s / 2
#   distill: beta * LWF = -(sigmoid(t / 2)^y * log sigmoid(s / 2)^y), y the GT building mask
# theta = beta = 1. The feature term (alpha * LFL, L2 over the batch of layer4 differences) is
# off as in the script (alpha = 0); add it with BatchL2FeatureLoss on backbone recorders.
# The original ComboLoss receives sigmoid(s / 2) and applies a sigmoid again: fixed here
# (double_sigmoid=True reproduces it). AdamW 2e-3, wd 1e-6, clip 1.1, 30 epochs, batch 8.
#   python tools/train.py configs/building_damage/loc-kd_unet-seresnext50_pre_xview2.py \
#       --cfg-options \
#           model.teacher_ckpt=work_dirs/loc-teacher-tune_unet-seresnext50_pre_xview2/best_*.pth
_base_ = [
    '../_base_/models/xview2_loc_seresnext50_unet.py', '../_base_/datasets/xview2.py',
    '../_base_/schedules/xview2_loc_150e.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)
kd_temperature = 2.0
student = dict(
    _base_.xview2_loc_student,
    decode_head=dict(
        _base_.xview2_loc_student.decode_head,
        loss_decode=[
            dict(type='ComboLoss', weights=dict(dice=3.0, focal=10.0), temperature=kd_temperature),
            dict(type='SoftBCELoss', temperature=kd_temperature, loss_weight=1.0),  # theta
        ]))
teacher_ckpt = None
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CrossModalDistill',
    data_preprocessor=_base_.xview2_loc_preprocessor,
    architecture=student,
    teacher=_base_.xview2_loc_teacher,
    teacher_ckpt=teacher_ckpt,
    teacher_view='pre',
    student_view='pre',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='decode_head.conv_seg'),
            gt=dict(
                type='MethodInputs',
                source='mmseg.models.decode_heads.decode_head.BaseDecodeHead.loss_by_feat')),
        teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='decode_head.conv_seg')),
        distill_losses=dict(
            loss_lwf=dict(
                type='TeacherWeightedLikelihoodLoss', temperature=kd_temperature,
                loss_weight=1.0)),  # beta
        loss_forward_mappings=dict(
            loss_lwf=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits'),
                gt=dict(from_student=True, recorder='gt', data_idx=1)))))
find_unused_parameters = True
train_dataloader = dict(_base_.loc_train_dataloader, batch_size=8)
val_dataloader = _base_.loc_val_dataloader
test_dataloader = _base_.loc_test_dataloader
val_evaluator = _base_.loc_evaluator
test_evaluator = _base_.loc_evaluator
val_cfg = dict(_delete_=True, type='mmrazor.CrossModalDistillValLoop', evaluate_teacher=True)
max_epochs = 30
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[4, 6, 8, 10, 12, 14, 15, 16, 17, 18, 19, 20],
        gamma=0.5,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
default_hooks = dict(checkpoint=dict(save_best='localization_f1', rule='greater'))
