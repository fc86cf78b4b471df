# The SAR + EO ship example of docs/custom_pairs.md at demo size: procedural ship chips in class
# folders (cargo, fishing, tanker) written to data/demo/ships, checked, then the example's own
# configs (configs/pairs/ships/) with the MAVOC demo's narrow random-init ResNet-18 and its
# schedule (12 epochs, lr 0.05 halved every 4). Seed 0 in every stage.
_base_ = ['./cmkd_ships.py']
data_root = 'data/demo/ships'
seed = 0
prepare = dict(
    _delete_=True, data=dict(type='DemoData', kind='ships'), check=dict(type='CheckDataset'))
_loader = dict(batch_size=32, num_workers=0, persistent_workers=False)
cfg_options = {
    'model.backbone': dict(depth=18, stem_channels=16, base_channels=16, init_cfg=None),
    'model.head.in_channels': 128,
    'train_dataloader': _loader,
    'val_dataloader': _loader,
    'test_dataloader': _loader,
    'optim_wrapper.optimizer.lr': 0.05,
    'param_scheduler': [dict(type='StepLR', step_size=4, gamma=0.5, by_epoch=True)],
    'train_cfg.max_epochs': 12,
    'train_cfg.val_interval': 2,
    'default_hooks.checkpoint.interval': 2,
    'default_hooks.logger.interval': 10,
}
report = dict(title='SAR + EO ship chips demo (procedural), top-1 accuracy (%)')
