# CEKD teacher CENet on MFNet: RGB + thermal (teacher_modalities of the data base), CE + edge BCE,
# the original CEKD code's schedule (configs/_base_/methods/teacher_cenet-r50-bot.py).
_base_ = [
    '../_base_/methods/teacher_cenet-r50-bot.py', '../_base_/datasets/mfnet_cekd.py',
    '../_base_/schedules/cekd_sgd_200e.py'
]
# --show-dir draws the thermal channel of the RGBA file (not each of the teacher's modalities).
default_hooks = dict(
    visualization=dict(modality='thermal', modality_cfg=dict(channels=[3], bit_depth=8)))
