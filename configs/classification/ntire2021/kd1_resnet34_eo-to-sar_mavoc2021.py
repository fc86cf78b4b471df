# KD method 1 in the reverse direction: the frozen EO ResNet-34 teaches the SAR one (the SAR
# classification track). Same loss and schedule as kd1_resnet34_sar-to-eo_mavoc2021.py; the SAR
# student trains with the SAR train transform (crop, rotation, flips) of the data base.
_base_ = [
    '../../_base_/methods/kd1_resnet34.py', '../../_base_/datasets/mavoc2021.py',
    '../../_base_/schedules/mavoc_sgd_step.py'
]
# The EO model (baseline_resnet34_eo_mavoc2021.py) via --cfg-options model.teacher_ckpt=...
teacher_modalities = ['eo']
student_modalities = ['sar']
