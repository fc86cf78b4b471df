# njust-kmg_mavoc2024.py at demo size (bash tools/demo.sh mavoc): procedural chips in the 2024
# layout (data/demo/mavoc2024: class-name folders, val/ with OOD chips and its reference CSV,
# Gotcha<id> test chips), 4 epochs per stage, batch 32, in-process data loading.
_base_ = ['./njust-kmg_mavoc2024.py']
data_root = 'data/demo/mavoc2024'
prepare = dict(data=dict(type='DemoData', kind='mavoc2024'))
_epochs = 4
cfg_options = {
    'train_cfg.max_epochs': _epochs,
    'param_scheduler.0.T_max': _epochs,
    'param_scheduler.0.end': _epochs,
}
for _split in ('train', 'val', 'test'):
    cfg_options.update({
        f'{_split}_dataloader.num_workers': 0,
        f'{_split}_dataloader.persistent_workers': False,
        f'{_split}_dataloader.batch_size': 32
    })
report = dict(title='NJUST-KMG demo (2024 layout), SAR val with OOD chips')
