# xView2 damage teacher (the xView2 KD code's train_teacher): the siamese SE-ResNeXt50 UNet on pre
# and post (shared weights), 5 classes (background + 4 damage levels), loss
# 1 L0 + 0.1 L1 + 0.5 L2 + 0.4 L3 + 0.2 L4 + 5 CE (Lk = dice 0.5 + focal 2 on channel k), AdamW
# 2e-4 for 50 epochs, damaged tiles oversampled; validation on the 10 % holdout with the official
# xView2 score (localisation from this model), the best score is kept.
#   python tools/train.py configs/building_damage/damage-teacher_unet-seresnext50_pre-post_xview2.py
_base_ = [
    '../_base_/models/xview2_damage_seresnext50_unet.py', '../_base_/datasets/xview2.py',
    '../_base_/schedules/xview2_damage_50e.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)
model = _base_.xview2_damage_teacher
train_dataloader = _base_.damage_train_dataloader
val_dataloader = _base_.damage_val_dataloader
test_dataloader = _base_.damage_test_dataloader
val_evaluator = _base_.damage_evaluator
test_evaluator = _base_.damage_evaluator
default_hooks = dict(checkpoint=dict(save_best='score', rule='greater'))
