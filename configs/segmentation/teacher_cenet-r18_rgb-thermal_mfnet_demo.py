# teacher_cenet-r50-bot_rgb-thermal_mfnet.py at demo size (configs/recipes/cekd_mfnet_demo.py).
_base_ = ['./teacher_cenet-r50-bot_rgb-thermal_mfnet.py', '../_base_/cekd_mfnet_demo.py']
model = _base_.demo_cenet
train_dataloader = _base_.demo_loader
val_dataloader = _base_.demo_loader
test_dataloader = _base_.demo_loader
optim_wrapper = _base_.demo_optim_wrapper
param_scheduler = _base_.demo_param_scheduler
train_cfg = _base_.demo_train_cfg
default_hooks = _base_.demo_default_hooks
