# cmkd-mse_faster-rcnn-r50-fpn_rgb-gated-to-rgb_stf.py at demo size: narrow random-init teacher
# and student, demo data, short schedule.
_base_ = ['./cmkd-mse_faster-rcnn-r50-fpn_rgb-gated-to-rgb_stf.py', '../_base_/stf_demo.py']

model = dict(architecture=_base_.demo_detector, teacher=_base_.demo_detector)
train_dataloader = _base_.demo_train_dataloader
val_dataloader = _base_.demo_val_dataloader
test_dataloader = _base_.demo_test_dataloader
val_evaluator = _base_.demo_val_evaluator
test_evaluator = _base_.demo_test_evaluator
optim_wrapper = _base_.demo_optim_wrapper
param_scheduler = _base_.demo_param_scheduler
train_cfg = _base_.demo_train_cfg
log_processor = _base_.demo_log_processor
default_hooks = _base_.demo_default_hooks
