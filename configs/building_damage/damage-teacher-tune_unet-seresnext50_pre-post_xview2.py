# xView2 damage teacher, tuning (the xView2 KD code's tune_teacher): from the best checkpoint of
# damage-teacher_unet-seresnext50_pre-post_xview2.py, lr 1e-5, 2 epochs, batch 16, the 1st-place
# tuning loss 0.1 L0 + 0.1 L1 + 0.3 L2 + 0.3 L3 + 0.2 L4 + 11 CE.
#   python tools/train.py \
#       configs/building_damage/damage-teacher-tune_unet-seresnext50_pre-post_xview2.py \
#       --cfg-options \
#           load_from=work_dirs/damage-teacher_unet-seresnext50_pre-post_xview2/best_score_*.pth
_base_ = [
    '../_base_/models/xview2_damage_seresnext50_unet.py', '../_base_/datasets/xview2.py',
    '../_base_/schedules/xview2_damage_tune_2e.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)
model = dict(
    _base_.xview2_damage_teacher,
    decode_head=dict(
        _base_.xview2_damage_teacher.decode_head, loss_decode=_base_.xview2_damage_tune_loss))
train_dataloader = dict(_base_.damage_train_dataloader, batch_size=16)
val_dataloader = _base_.damage_val_dataloader
test_dataloader = _base_.damage_test_dataloader
val_evaluator = _base_.damage_evaluator
test_evaluator = _base_.damage_evaluator
default_hooks = dict(checkpoint=dict(save_best='score', rule='greater'))
