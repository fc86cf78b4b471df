# Thermal-only EKNet trained on the ground truth alone (no distillation): the baseline that
# CEKD's distillation is measured against.
_base_ = [
    '../_base_/models/cekd_r50-bot.py', '../_base_/datasets/mfnet_cekd.py',
    '../_base_/schedules/cekd_sgd_200e.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)
model = dict(
    _base_.eknet,
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities=_base_.modality_stats,
        views=dict(student=['thermal']),
        base=_base_.seg_preprocessor))
