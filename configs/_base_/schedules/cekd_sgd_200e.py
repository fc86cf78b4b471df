# CEKD schedule: SGD lr 0.01, momentum 0.9, weight decay 5e-4, lr x0.95 after every epoch, up to
# 200 epochs (the original CEKD code stops by hand; here the best val mIoU checkpoint is kept).
# Includes mmseg's default runtime, with epoch-based logging.
_base_ = ['mmseg::_base_/default_runtime.py']
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4))
param_scheduler = [dict(type='ExponentialLR', gamma=0.95, by_epoch=True, begin=0, end=200)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200, val_interval=1)
# (val_cfg and test_cfg come with the method: configs/_base_/methods/.)
log_processor = dict(by_epoch=True)
# check_loss: stop at the first NaN/inf loss term, naming it (CheckFiniteLossHook).
# check_pipeline: refuse a val/test pipeline that resizes the labels, before training starts.
# visualization: --show-dir draws the modalities the model predicts from, then the prediction and
# the ground truth.
default_hooks = dict(
    check_loss=dict(type='CheckFiniteLossHook'),
    check_pipeline=dict(type='CheckEvalPipelineHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=True,
        interval=1,
        max_keep_ckpts=2,
        save_best='mIoU',
        rule='greater'),
    visualization=dict(type='MultiModalSegVisualizationHook'))
