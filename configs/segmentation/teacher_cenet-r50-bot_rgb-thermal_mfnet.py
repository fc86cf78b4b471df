# CEKD teacher CENet on MFNet: RGB + thermal, CE + edge BCE, the original CEKD code's schedule.
_base_ = [
    '../_base_/models/cekd_r50-bot.py', '../_base_/datasets/mfnet_cekd.py',
    '../_base_/schedules/cekd_sgd_200e.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)
model = dict(
    _base_.cenet,
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities=_base_.modality_stats,
        views=dict(teacher=['rgb', 'thermal']),
        base=_base_.seg_preprocessor))
