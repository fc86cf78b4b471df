# Teacher: RGB + thermal early fusion (4 channels: teacher_modalities of the data base) on the
# MFNet-format demo data.
_base_ = [
    '../_base_/methods/teacher_fcn-r18.py', '../_base_/datasets/mfnet_demo.py',
    '../_base_/schedules/demo_400it.py'
]
