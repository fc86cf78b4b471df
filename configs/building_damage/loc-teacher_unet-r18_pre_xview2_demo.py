# loc-teacher_unet-seresnext50_pre_xview2.py at demo size (configs/recipes/xview2_demo.py): the same
# data pipeline, loss and metric on 256x256 demo tiles with 128x128 crops, a narrow ResNet-18 UNet.
_base_ = ['./loc-teacher_unet-seresnext50_pre_xview2.py', '../_base_/xview2_demo.py']
model = dict(backbone=dict(_base_.demo_encoder, _delete_=True), decode_head=_base_.demo_head)
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
train_cfg = _base_.demo_train_cfg
default_hooks = _base_.demo_default_hooks
