# CEKD's student network EKNet on the student's modalities, trained on the ground truth alone (no
# distillation): the baseline that CEKD's distillation is measured against
# (configs/_base_/models/cekd_r50-bot.py). 'pair:<name>' fields are filled from the pairing
# config's declared names (docs/custom_pairs.md).
#   _base_ = ['<this file>', '<your data config>', '<a schedule>']
_base_ = ['../models/cekd_r50-bot.py']
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

model = dict(
    _base_.eknet,
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities='pair:modality_stats',
        views=dict(student='pair:student_modalities'),
        base=_base_.seg_preprocessor))
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
