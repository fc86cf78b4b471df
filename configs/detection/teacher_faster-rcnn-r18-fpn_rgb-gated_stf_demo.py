# teacher_faster-rcnn-r50-fpn_rgb-gated_stf.py at demo size: narrow random-init detector, demo
# data, short schedule.
_base_ = ['./teacher_faster-rcnn-r50-fpn_rgb-gated_stf.py', '../_base_/stf_demo.py']

model = _base_.demo_detector
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
