# CMKD-Adv: the depth student learns from the RGB + depth teacher's features through a
# discriminator behind gradient reversal (--cfg-options model.teacher_ckpt=...; the recipe hands
# it over).
_base_ = [
    '../../_base_/methods/cmkd-adv_fcn-r18.py', './_base_/rgbd_rgb-depth.py',
    '../../_base_/schedules/cekd_sgd_200e.py'
]
