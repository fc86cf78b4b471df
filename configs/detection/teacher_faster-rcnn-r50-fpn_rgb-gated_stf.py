# Teacher: Faster R-CNN R50-FPN on RGB + the three gated slices, fused early (6 input channels,
# the original code's order rgb, gated0, gated1, gated2: teacher_modalities of the data base).
# conv1 is inflated from the COCO detector's RGB filters (InflatedPretrained inflate='mean'); the
# original code's random conv1 is inflate='random'.
_base_ = [
    '../_base_/methods/teacher_faster-rcnn-r50-fpn.py', '../_base_/datasets/stf_night.py',
    '../_base_/schedules/stf_sgd_step.py'
]
# Draw test predictions (--show-dir) on the RGB image and on the middle gated slice.
default_hooks = dict(visualization=dict(modalities=dict(rgb={}, gated1=dict(bit_depth=10))))
