# damage-kd_seresnext50-unet_xview2.py at demo size: the demo damage teacher
# (narrow siamese ResNet-18 UNet) teaches a student with half its decoder widths.
_base_ = ['./damage-kd_seresnext50-unet_xview2.py', '../_base_/xview2_demo.py']
_encoder = dict(_base_.demo_encoder, _delete_=True)
model = dict(
    architecture=dict(
        backbone=_encoder,
        decode_head=dict(_base_.demo_head, decoder_channels=[8, 8, 12, 16, 32])),
    teacher=dict(backbone=_encoder, decode_head=_base_.demo_head))
train_pipeline = [
    dict(t, **_base_.demo_pipeline_options.get(t['type'], {}))
    for t in _base_.damage_train_pipeline
]
_loader = dict(num_workers=0, persistent_workers=False)
_data = dict(data_root=_base_.demo_data_root, holdout=None, expect_size=_base_.demo_tile)
train_dataloader = dict(
    _loader, batch_size=4, dataset=dict(_data, splits=('train', ), pipeline=train_pipeline))
val_dataloader = dict(_loader, dataset=dict(_data, splits=('hold', )))
test_dataloader = dict(_loader, dataset=dict(_data, splits=('test', )))
optim_wrapper = _base_.demo_optim_wrapper
param_scheduler = _base_.demo_param_scheduler
train_cfg = dict(_base_.demo_train_cfg, val_interval=10)
default_hooks = _base_.demo_default_hooks
