# The RGB + depth example of docs/custom_pairs.md at demo size: procedural rooms seen by an RGB-D
# camera (rgb/ PNGs, 16-bit depth/ PNGs in millimetres, labels/, split files) written to
# data/demo/rgbd, checked, then the example's own configs (configs/pairs/rgbd/; the narrow
# ResNet-18 FCN is the example's own network) on the MFNet demo's short schedule: 400 iterations
# of 4 images (25 epochs of the 64 training frames). Seed 0 in every stage.
_base_ = ['./cmkd_rgbd.py']
data_root = 'data/demo/rgbd'
seed = 0
prepare = dict(
    _delete_=True, data=dict(type='DemoData', kind='rgbd'), check=dict(type='CheckDataset'))
_loader = dict(batch_size=4, num_workers=0, persistent_workers=False)
cfg_options = {
    'train_dataloader':
    _loader,
    'val_dataloader':
    _loader,
    'test_dataloader':
    _loader,
    'optim_wrapper.optimizer.lr':
    0.02,
    'param_scheduler': [
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=40),
        dict(type='PolyLR', eta_min=1e-4, power=0.9, by_epoch=False, begin=40, end=400)
    ],
    'train_cfg.max_epochs':
    25,
    'train_cfg.val_interval':
    5,
    'default_hooks.checkpoint.interval':
    5,
    'default_hooks.logger.interval':
    8,
}
report = dict(title='RGB + depth demo (procedural rooms), mIoU over 4 classes (%)')
