# The documented entry point of cmkd_mm (README, quick start):
#   python tools/train.py configs/detection/cmkd_adv_stf.py
# It keeps this path and name for that command, its work_dirs/cmkd_adv_stf folder and the
# scripts that use them. The config itself follows the naming scheme of docs/config_names.md:
# CMKD-Adv, Faster R-CNN R50-FPN, RGB + gated teacher to RGB student, Seeing Through Fog.
_base_ = ['./cmkd-adv_faster-rcnn-r50-fpn_rgb-gated-to-rgb_stf.py']
