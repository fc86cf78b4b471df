# xView2 localisation with the ResNet-34 UNet (the 1st-place Res34_Unet_Loc, one of the encoders
# it ensembles); data and schedule as loc-teacher_unet-seresnext50_pre_xview2.py.
_base_ = [
    '../_base_/models/xview2_resnet34_unet.py', '../_base_/datasets/xview2.py',
    '../_base_/schedules/xview2_loc_150e.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)
model = _base_.xview2_r34_loc
train_dataloader = _base_.loc_train_dataloader
val_dataloader = _base_.loc_val_dataloader
test_dataloader = _base_.loc_test_dataloader
val_evaluator = _base_.loc_evaluator
test_evaluator = _base_.loc_evaluator
default_hooks = dict(checkpoint=dict(save_best='localization_f1', rule='greater'))
