# Baseline: the same detector on infrared only, no distillation.
_base_ = [
    '../../_base_/methods/baseline_faster-rcnn-r50-fpn.py', './_base_/llvip_rgb-ir.py',
    '../../_base_/schedules/det_sgd_12e.py'
]
