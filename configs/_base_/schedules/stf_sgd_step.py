_base_ = 'mmdet::_base_/default_runtime.py'

# mmdet's runtime with the original CMKD detector code's schedule: SGD lr 0.005, momentum 0.9,
# weight decay 5e-4, batch 4; linear warm-up over the first 1000 iterations from 1/1000; x0.1 every
# 5 epochs; validation (COCO mAP) every epoch keeping the best checkpoint; early stop 5 epochs after
# the best one; at most 100 epochs.
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='SGD', lr=0.005, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=1000),
    dict(type='StepLR', step_size=5, gamma=0.1, by_epoch=True, begin=0, end=100)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_interval=1)
# (val_cfg and test_cfg come with the method: configs/_base_/methods/.)
# check_loss: stop at the first NaN/inf loss term, naming it (CheckFiniteLossHook).
# visualization: --show-dir draws on the modalities the model predicts from.
default_hooks = dict(
    check_loss=dict(type='CheckFiniteLossHook'),
    visualization=dict(type='MultiModalDetVisualizationHook'),
    checkpoint=dict(
        type='CheckpointHook',
        interval=1,
        max_keep_ckpts=2,
        save_best='coco/bbox_mAP',
        rule='greater'))
custom_hooks = [dict(type='EarlyStoppingHook', monitor='coco/bbox_mAP', rule='greater', patience=5)]
# The original code's batch is 4 on one GPU (tools/train.py --auto-scale-lr scales lr to yours).
auto_scale_lr = dict(enable=False, base_batch_size=4)
