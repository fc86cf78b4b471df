# teacher_resnet34_sar_mavoc2021.py at demo size (configs/recipes/ntire2021_mavoc2021_demo.py).
_base_ = ['./teacher_resnet34_sar_mavoc2021.py', '../../_base_/mavoc2021_demo.py']
model = dict(_base_.demo_net)
train_dataloader = _base_.demo_loader
val_dataloader = _base_.demo_loader
test_dataloader = _base_.demo_loader
optim_wrapper = _base_.demo_optim_wrapper
param_scheduler = _base_.demo_param_scheduler
train_cfg = _base_.demo_train_cfg
default_hooks = _base_.demo_default_hooks
