# Cross-modal KD: the RGB-thermal teacher teaches the thermal-only student through feature
# MSE on the last backbone stage (mmrazor L2Loss, mean over elements) and channel-wise
# distillation (mmrazor ChannelWiseDivergence) on the logits
# (configs/_base_/methods/cmkd-mse-cwd_fcn-r18.py).
# Set the teacher's checkpoint (configs/recipes/cmkd_fcn_mfnet_demo.py does), e.g.
# --cfg-options model.teacher_ckpt=work_dirs/teacher_fcn-r18_rgb-thermal_mfnet_demo/iter_400.pth
_base_ = [
    '../_base_/methods/cmkd-mse-cwd_fcn-r18.py', '../_base_/datasets/mfnet_demo.py',
    '../_base_/schedules/demo_400it.py'
]
