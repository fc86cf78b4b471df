# xView2 damage student trained alone (the xView2 KD code's train_student --mode onlyS): the student
# of damage-kd_unet-seresnext50_pre-post_xview2.py with the same student losses and schedule, no
# teacher.
_base_ = ['./damage-kd_unet-seresnext50_pre-post_xview2.py']
model = dict(_base_.student, _delete_=True, data_preprocessor=_base_.xview2_damage_preprocessor)
val_cfg = dict(_delete_=True, type='ValLoop')
