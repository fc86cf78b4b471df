# NTIRE 2021 MAVOC schedule: SGD lr 0.01, momentum 0.9, no weight decay, lr x0.5 every 20 epochs,
# 120 epochs (the EO pre-training runs 100). The best val top-1 checkpoint is kept. Includes
# mmpretrain's default runtime.
_base_ = ['mmpretrain::_base_/default_runtime.py']
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.))
param_scheduler = [dict(type='StepLR', step_size=20, gamma=0.5, by_epoch=True)]
# val_cfg / test_cfg come with the method (configs/_base_/methods/): a distillation validates with
# mmrazor.CrossModalDistillValLoop.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=120, val_interval=1)
# check_loss: stop at the first NaN/inf loss term, naming it (CheckFiniteLossHook).
default_hooks = dict(
    check_loss=dict(type='CheckFiniteLossHook'),
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(
        type='CheckpointHook',
        interval=1,
        max_keep_ckpts=2,
        save_best='accuracy/top1',
        rule='greater'))
randomness = dict(seed=2019)  # the NTIRE 2021 code's random seed
