# Short iteration-based schedule for the CPU demo, with mmseg's default runtime.
_base_ = ['mmseg::_base_/default_runtime.py']
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=5e-4),
    clip_grad=None)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=40),
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=40, end=400, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=400, val_interval=400)
# (val_cfg and test_cfg come with the method: configs/_base_/methods/.)
# check_loss: stop at the first NaN/inf loss term, naming it (CheckFiniteLossHook).
# check_pipeline: refuse a val/test pipeline that resizes the labels, before training starts.
default_hooks = dict(
    check_loss=dict(type='CheckFiniteLossHook'),
    check_pipeline=dict(type='CheckEvalPipelineHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=400, max_keep_ckpts=1))
