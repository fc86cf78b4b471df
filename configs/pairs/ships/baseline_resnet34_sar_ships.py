# Baseline: the same classifier on SAR only, no distillation.
_base_ = [
    '../../_base_/methods/baseline_resnet34.py', './_base_/ships_sar-eo.py',
    '../../_base_/schedules/mavoc_sgd_step.py'
]
