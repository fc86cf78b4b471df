# xView2 localisation teacher, tuning (the xView2 KD code's tune_teacher_building): from the best
# checkpoint of loc-teacher_unet-seresnext50_pre_xview2.py, lr 4e-5 for 12 epochs on all of train +
# tier3 (no holdout), validated on hold.
#   python tools/train.py configs/building_damage/loc-teacher-tune_unet-seresnext50_pre_xview2.py \
#       --cfg-options \
#           load_from=work_dirs/loc-teacher_unet-seresnext50_pre_xview2/best_localization_f1_*.pth
_base_ = [
    '../_base_/models/xview2_loc_seresnext50_unet.py', '../_base_/datasets/xview2.py',
    '../_base_/schedules/xview2_loc_tune_12e.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)
model = _base_.xview2_loc_teacher
train_dataloader = dict(
    _base_.loc_train_dataloader, dataset=dict(_base_.loc_train_dataloader['dataset'], holdout=None))
val_dataloader = dict(
    _base_.loc_val_dataloader,
    dataset=dict(_base_.loc_test_dataloader['dataset'], splits=('hold', )))
test_dataloader = _base_.loc_test_dataloader
val_evaluator = _base_.loc_evaluator
test_evaluator = _base_.loc_evaluator
default_hooks = dict(checkpoint=dict(save_best='localization_f1', rule='greater'))
