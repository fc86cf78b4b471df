# damage-kd-twoteacher_unet-seresnext50_pre-post_xview2.py at demo size: the demo damage teacher and
# the demo localisation teacher (narrow ResNet-18 UNets) teach the student of
# damage-kd_unet-r18_pre-post_xview2_demo.py with the dual-teacher losses, on the demo schedule.
_base_ = ['./damage-kd-twoteacher_unet-seresnext50_pre-post_xview2.py', '../_base_/xview2_demo.py']
_encoder = dict(_base_.demo_encoder, _delete_=True)
model = dict(
    architecture=dict(
        backbone=_encoder, decode_head=dict(_base_.demo_head, decoder_channels=[8, 8, 12, 16, 32])),
    teacher=dict(
        teachers=dict(
            damage=dict(model=dict(backbone=_encoder, decode_head=_base_.demo_head)),
            loc=dict(config='configs/building_damage/loc-teacher_unet-r18_pre_xview2_demo.py'))))
train_dataloader = dict(
    _base_.demo_train_dataloader,
    dataset=dict(
        _base_.demo_train_dataloader.dataset,
        pipeline=[
            dict(t, **_base_.demo_pipeline_options.get(t['type'], {}))
            for t in _base_.damage_train_pipeline
        ]))
val_dataloader = _base_.demo_val_dataloader
test_dataloader = _base_.demo_test_dataloader
optim_wrapper = _base_.demo_optim_wrapper
param_scheduler = _base_.demo_param_scheduler
train_cfg = dict(_base_.demo_train_cfg, val_interval=10)
default_hooks = _base_.demo_default_hooks
