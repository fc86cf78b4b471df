# xView2 localisation student trained alone (the xView2 KD code's train_student_building --mode
# onlyS):
# the student UNet of loc-kd_unet-seresnext50_pre_xview2.py with the same student losses
# (theta * SoftBCE + ComboLoss(dice 3, focal 10), temperature 2) and schedule, no teacher: the
# baseline the distilled student is compared with.
_base_ = ['./loc-kd_unet-seresnext50_pre_xview2.py']
model = dict(_base_.student, _delete_=True, data_preprocessor=_base_.xview2_loc_preprocessor)
val_cfg = dict(_delete_=True, type='ValLoop')
