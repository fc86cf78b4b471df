# loc-kd_unet-seresnext50_pre_xview2.py at demo size (configs/recipes/xview2_demo.py): the demo
# localisation teacher (narrow ResNet-18 UNet) teaches a student with half its decoder widths.
_base_ = ['./loc-kd_unet-seresnext50_pre_xview2.py', '../_base_/xview2_demo.py']
_encoder = dict(_base_.demo_encoder, _delete_=True)
model = dict(
    architecture=dict(
        backbone=_encoder, decode_head=dict(_base_.demo_head, decoder_channels=[8, 8, 12, 16, 32])),
    teacher=dict(backbone=_encoder, decode_head=_base_.demo_head))
train_dataloader = dict(
    _base_.demo_train_dataloader,
    dataset=dict(
        _base_.demo_train_dataloader.dataset,
        pipeline=[
            dict(t, **_base_.demo_pipeline_options.get(t['type'], {}))
            for t in _base_.loc_train_pipeline
        ]))
val_dataloader = _base_.demo_val_dataloader
test_dataloader = _base_.demo_test_dataloader
optim_wrapper = _base_.demo_optim_wrapper
param_scheduler = _base_.demo_param_scheduler
train_cfg = dict(_base_.demo_train_cfg, val_interval=10)
default_hooks = _base_.demo_default_hooks
