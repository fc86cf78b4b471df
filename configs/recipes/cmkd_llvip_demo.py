# The LLVIP example of docs/custom_pairs.md at demo size (bash tools/demo.sh pair): procedural
# night scenes in the LLVIP layout (visible + infrared JPEGs, VOC XML) written to data/demo/llvip,
# checked, then the example's own configs (configs/pairs/llvip/) with the demo-size detector of
# the Seeing Through Fog demo (narrow ResNet-18, random init), 160x128 input and a short schedule.
# Seed 0 in every stage.
_base_ = ['./cmkd_llvip.py', '../_base_/stf_demo.py']
data_root = 'data/demo/llvip'
seed = 0
prepare = dict(
    _delete_=True, data=dict(type='DemoData', kind='llvip'), check=dict(type='CheckDataset'))
_loader = dict(num_workers=0, persistent_workers=False)
cfg_options = {
    **{
        f'model.{key}': value
        for key, value in _base_.demo_detector.items()
    },
    **{
        f'model.distiller.distill_losses.loss_adv_p{level}.discriminator.in_channels':
        _base_.demo_fpn_channels
        for level in (2, 3, 4, 5)
    },
    'train_dataloader':
    dict(_loader, batch_size=4),
    'val_dataloader':
    dict(_loader, batch_size=4),
    'test_dataloader':
    dict(_loader, batch_size=4),
    'train_dataloader.dataset.pipeline.2.scale': (160, 128),
    'val_dataloader.dataset.pipeline.2.scale': (160, 128),
    'test_dataloader.dataset.pipeline.2.scale': (160, 128),
    'optim_wrapper.optimizer.lr':
    0.02,
    'param_scheduler': [
        dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=50),
        dict(type='MultiStepLR', by_epoch=True, begin=0, end=8, milestones=[6], gamma=0.1)
    ],
    'train_cfg.max_epochs':
    8,
    'train_cfg.val_interval':
    2,
    'default_hooks.logger.interval':
    10,
    'log_processor.window_size':
    10,
}
report = dict(title='LLVIP-layout demo (procedural night scenes), COCO bbox mAP (%)')
