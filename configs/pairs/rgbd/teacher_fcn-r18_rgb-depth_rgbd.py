# Teacher: the narrow ResNet-18 FCN on RGB + depth (4 channels, fused at the input).
_base_ = [
    '../../_base_/methods/teacher_fcn-r18.py', './_base_/rgbd_rgb-depth.py',
    '../../_base_/schedules/cekd_sgd_200e.py'
]
