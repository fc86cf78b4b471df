# Teacher: the ResNet-34 classifier on SAR + EO (4 channels, fused at the input).
_base_ = [
    '../../_base_/methods/teacher_resnet34.py', './_base_/ships_sar-eo.py',
    '../../_base_/schedules/mavoc_sgd_step.py'
]
