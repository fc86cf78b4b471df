# CEKD teacher CENet for any segmentation pair of two modalities: one ResNet-50/BoT stream per
# teacher modality (teacher_modalities order: main, aux), the aux stream added into the main one
# at every level, the edge branch; CE + edge BCE (configs/_base_/models/cekd_r50-bot.py). It knows
# no data: 'pair:<name>' fields are filled from the pairing config's declared names
# (docs/custom_pairs.md). The CEKD data bases also give the edge labels (GenerateEdgeLabels).
#   _base_ = ['<this file>', '<your data config>', '<a schedule>']
_base_ = ['../models/cekd_r50-bot.py']
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

model = dict(
    _base_.cenet,
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities='pair:modality_stats',
        views=dict(teacher='pair:teacher_modalities'),
        base=_base_.seg_preprocessor))
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
