# xView2 damage teacher schedule (the seed's train_teacher = 1st-place train50_cls_cce): AdamW
# lr 2e-4, weight decay 1e-6, gradient-norm clip 0.999, MultiStepLR x0.5 at the seed's
# milestones, 50 epochs, batch 8 of 512x512 crops (apex amp O0, i.e. fp32), validation every
# epoch keeping the best checkpoint (the seed: 0.3 dice + 0.7 harmonic-mean damage F1; set
# save_best to the evaluator's key). The seed's scheduler.step(epoch) runs at the end of each
# epoch, one epoch later than mmengine reads the same milestones (see xview2_loc_150e.py).
# Includes mmseg's default runtime with epoch logging.
_base_ = ['mmseg::_base_/default_runtime.py']
max_epochs = 50
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, weight_decay=1e-6),
    clip_grad=dict(max_norm=0.999, norm_type=2))
param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[5, 11, 17, 23, 29, 33, 47, 50, 60, 70, 90, 110, 130, 150, 170, 180, 190],
        gamma=0.5,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
log_processor = dict(by_epoch=True)
# check_loss: stop at the first NaN/inf loss term, naming it (CheckFiniteLossHook).
# check_pipeline: refuse a val/test pipeline that resizes the labels, before training starts.
default_hooks = dict(
    check_loss=dict(type='CheckFiniteLossHook'),
    check_pipeline=dict(type='CheckEvalPipelineHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=2, save_best='auto',
        rule='greater'),
    # --show-dir: pre | post | prediction | ground truth per tile
    visualization=dict(
        type='MultiModalSegVisualizationHook', modality=['pre', 'post'],
        modality_cfg=dict(channels=[0, 1, 2], bit_depth=8)))
