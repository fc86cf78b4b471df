# CMKD (feature MSE + channel-wise logits KD): the depth student learns from the RGB + depth
# teacher (--cfg-options model.teacher_ckpt=<the teacher's best checkpoint>; the recipe hands it
# over).
_base_ = [
    '../../_base_/methods/cmkd-mse-cwd_fcn-r18.py', './_base_/rgbd_rgb-depth.py',
    '../../_base_/schedules/cekd_sgd_200e.py'
]
