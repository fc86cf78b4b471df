# CMKD-Adv: the infrared student learns from the visible + infrared teacher's FPN maps
# (--cfg-options model.teacher_ckpt=<the teacher's best checkpoint>; the recipe hands it over).
_base_ = [
    '../../_base_/methods/cmkd-adv_faster-rcnn-r50-fpn.py', './_base_/llvip_rgb-ir.py',
    '../../_base_/schedules/det_sgd_12e.py'
]
