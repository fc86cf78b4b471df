# Baseline: thermal only (1 channel: student_modalities of the data base), no distillation.
_base_ = [
    '../_base_/methods/baseline_fcn-r18.py', '../_base_/datasets/mfnet_demo.py',
    '../_base_/schedules/demo_400it.py'
]
