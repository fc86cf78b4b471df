# CMKD-MSE: the RGB student mimics the RGB+gated teacher's FPN maps P2-P5
# (configs/_base_/methods/cmkd-mse_faster-rcnn-r50-fpn.py). The teacher trained with
# teacher_faster-rcnn-r50-fpn_rgb-gated_stf.py, e.g.
# --cfg-options model.teacher_ckpt=work_dirs/teacher_faster-rcnn-r50-fpn_rgb-gated_stf/best.pth
_base_ = [
    '../_base_/methods/cmkd-mse_faster-rcnn-r50-fpn.py', '../_base_/datasets/stf_night.py',
    '../_base_/schedules/stf_sgd_step.py'
]
