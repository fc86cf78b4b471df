# NTIRE 2021 baseline, EO "pre-train": ResNet-34 (1-channel conv1) on EO chips, class-weighted
# CE with the NTIRE 2021 code's label mixing, 100 epochs. Its best checkpoint starts the SAR model,
# the KD students and the iterative chain.
_base_ = [
    '../../_base_/models/resnet34_1ch_mavoc.py', '../../_base_/datasets/mavoc2021.py',
    '../../_base_/schedules/mavoc_sgd_step.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)
model = dict(
    _base_.classifier,
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities=_base_.modality_stats,
        views=dict(eo=['eo']),
        base=_base_.cls_preprocessor))
train_cfg = dict(max_epochs=100)
