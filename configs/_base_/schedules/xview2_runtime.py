# The runtime both xView2 schedules share (xview2_loc_150e.py, xview2_damage_50e.py): mmseg's
# default runtime, epoch-based loops and logging, the checks and checkpointing every schedule
# base of cmkd_mm has, and --show-dir pictures of the pre and post images.
_base_ = ['mmseg::_base_/default_runtime.py']
train_cfg = dict(type='EpochBasedTrainLoop', val_interval=1)
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
        type='CheckpointHook',
        by_epoch=True,
        interval=1,
        max_keep_ckpts=2,
        save_best='auto',
        rule='greater'),
    # --show-dir: pre | post | prediction | ground truth per tile
    visualization=dict(
        type='MultiModalSegVisualizationHook',
        modality=['pre', 'post'],
        modality_cfg=dict(channels=[0, 1, 2], bit_depth=8)))
