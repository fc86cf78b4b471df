# Baseline: the same FCN on depth only, no distillation.
_base_ = [
    '../../_base_/methods/baseline_fcn-r18.py', './_base_/rgbd_rgb-depth.py',
    '../../_base_/schedules/cekd_sgd_200e.py'
]
