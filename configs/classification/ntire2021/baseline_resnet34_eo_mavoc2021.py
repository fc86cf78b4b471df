# NTIRE 2021 baseline, EO "pre-train": ResNet-34 (1-channel conv1) on EO chips, class-weighted
# CE with the NTIRE 2021 code's label mixing, 100 epochs. Its best checkpoint starts the SAR model,
# the KD students and the iterative chain.
_base_ = [
    '../../_base_/methods/baseline_resnet34.py', '../../_base_/datasets/mavoc2021.py',
    '../../_base_/schedules/mavoc_sgd_step.py'
]
train_cfg = dict(max_epochs=100)
