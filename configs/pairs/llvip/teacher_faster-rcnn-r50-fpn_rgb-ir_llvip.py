# Teacher: Faster R-CNN R50-FPN on visible + infrared (4 channels, fused at the input).
_base_ = [
    '../../_base_/methods/teacher_faster-rcnn-r50-fpn.py', './_base_/llvip_rgb-ir.py',
    '../../_base_/schedules/det_sgd_12e.py'
]
