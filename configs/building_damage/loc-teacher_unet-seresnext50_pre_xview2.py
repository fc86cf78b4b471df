# xView2 localisation teacher (the xView2 KD code's train_teacher_building = 1st-place train50_loc):
# SE-ResNeXt50 UNet on the pre image, 512x512 crops, dice 1 + focal 10, AdamW 1.5e-4 for 150
# epochs; validation on the 10 % holdout of train + tier3 at full tile size; the best
# localisation F1 is kept.
#   python tools/train.py configs/building_damage/loc-teacher_unet-seresnext50_pre_xview2.py
_base_ = [
    '../_base_/models/xview2_loc_seresnext50_unet.py', '../_base_/datasets/xview2.py',
    '../_base_/schedules/xview2_loc_150e.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)
model = _base_.xview2_loc_teacher
train_dataloader = _base_.loc_train_dataloader
val_dataloader = _base_.loc_val_dataloader
test_dataloader = _base_.loc_test_dataloader
val_evaluator = _base_.loc_evaluator
test_evaluator = _base_.loc_evaluator
default_hooks = dict(checkpoint=dict(save_best='localization_f1', rule='greater'))
