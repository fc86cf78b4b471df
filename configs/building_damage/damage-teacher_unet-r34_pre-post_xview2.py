# xView2 damage with the siamese ResNet-34 UNet (the 1st-place Res34_Unet_Double); data and schedule
# as damage-teacher_unet-seresnext50_pre-post_xview2.py, loss of the 1st-place ResNet-34 recipe.
_base_ = [
    '../_base_/models/xview2_resnet34_unet.py', '../_base_/datasets/xview2.py',
    '../_base_/schedules/xview2_damage_50e.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)
model = dict(_base_.xview2_r34_damage, _delete_=True)
train_dataloader = _base_.damage_train_dataloader
val_dataloader = _base_.damage_val_dataloader
test_dataloader = _base_.damage_test_dataloader
val_evaluator = _base_.damage_evaluator
test_evaluator = _base_.damage_evaluator
default_hooks = dict(checkpoint=dict(save_best='score', rule='greater'))
