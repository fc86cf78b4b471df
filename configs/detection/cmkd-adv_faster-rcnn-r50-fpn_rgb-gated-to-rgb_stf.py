# CMKD-Adv: per-level discriminators on the FPN maps P2-P5 behind gradient reversal
# (configs/_base_/methods/cmkd-adv_faster-rcnn-r50-fpn.py). The discriminators pool adaptively,
# so any input size works (cmkd-adv-fixedhead_faster-rcnn-r50-fpn_rgb-gated-to-rgb_stf.py has the
# original code's fixed-size head). configs/detection/cmkd_adv_stf.py is this config under its
# first name.
_base_ = [
    '../_base_/methods/cmkd-adv_faster-rcnn-r50-fpn.py', '../_base_/datasets/stf_night.py',
    '../_base_/schedules/stf_sgd_step.py'
]
