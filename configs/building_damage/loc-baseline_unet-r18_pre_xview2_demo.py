# loc-baseline_unet-seresnext50_pre_xview2.py at demo size: the demo student of
# loc-kd_unet-r18_pre_xview2_demo.py trained alone with the same losses and schedule.
_base_ = ['./loc-kd_unet-r18_pre_xview2_demo.py']
model = dict(
    _base_.model.architecture, _delete_=True, data_preprocessor=_base_.model.data_preprocessor)
val_cfg = dict(_delete_=True, type='ValLoop')
