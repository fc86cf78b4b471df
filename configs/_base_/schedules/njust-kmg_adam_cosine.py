# NJUST-KMG schedule of every stage (the released code's): Adam without weight decay, cosine
# annealing with T_max = the stage's epochs (100 for stages 1-2; stage 3 sets 50), a checkpoint
# every epoch. Each stage sets the learning rate that comes with its encoder
# (configs/_base_/models/njust-kmg_mavoc2024.py). Includes mmpretrain's default runtime.
_base_ = ['mmpretrain::_base_/default_runtime.py']
max_epochs = 100
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, begin=0, end=max_epochs)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
# check_loss: stop at the first NaN/inf loss term, naming it (CheckFiniteLossHook).
default_hooks = dict(
    check_loss=dict(type='CheckFiniteLossHook'),
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2))
randomness = dict(seed=0)
