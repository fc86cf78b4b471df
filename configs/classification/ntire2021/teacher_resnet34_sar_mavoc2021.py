# NTIRE 2021 SAR model ("re-fit"): the EO-pretrained ResNet-34 trained on SAR chips for 120
# epochs with the same recipe. This is the SAR teacher of KD method 1. Start it from the EO
# baseline with --cfg-options load_from=work_dirs/baseline_resnet34_eo_mavoc2021/best_*.pth
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
        views=dict(sar=['sar']),
        base=_base_.cls_preprocessor))
