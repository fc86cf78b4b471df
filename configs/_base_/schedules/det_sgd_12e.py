_base_ = 'mmdet::_base_/default_runtime.py'

# mmdet's 1x schedule for a batch of 4 on one GPU (lr 0.02 x 4 / 16): SGD, momentum 0.9, weight
# decay 1e-4, linear warm-up over 500 iterations, x0.1 at epochs 8 and 11, 12 epochs; validation
# every epoch keeping the best COCO mAP checkpoint. (val_cfg and test_cfg come with the method.)
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='SGD', lr=0.005, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=12, milestones=[8, 11], gamma=0.1)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
# check_loss: stop at the first NaN/inf loss term, naming it (CheckFiniteLossHook).
# visualization: --show-dir draws on the modalities the model predicts from.
default_hooks = dict(
    check_loss=dict(type='CheckFiniteLossHook'),
    checkpoint=dict(
        type='CheckpointHook',
        interval=1,
        max_keep_ckpts=2,
        save_best='coco/bbox_mAP',
        rule='greater'),
    visualization=dict(type='MultiModalDetVisualizationHook'))
# tools/train.py --auto-scale-lr scales lr to your total batch.
auto_scale_lr = dict(enable=False, base_batch_size=4)
