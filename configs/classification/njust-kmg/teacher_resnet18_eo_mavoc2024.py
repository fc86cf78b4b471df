# NJUST-KMG (PBVS 2024 MAVOC) stage 1: the EO encoder + linear head, trained on the EO chips.
#
# README: EO classifier with the focal loss and class-balanced (weighted random) sampling.
# Code (pretrain.py): CLIP ViT-B/32 + Linear(512, 10), Adam lr 1e-6, CosineAnnealingLR(T_max 100),
# 100 epochs, batch 64, torchsampler's ImbalancedDatasetSampler (draw probability 1 / class
# count, len(dataset) draws per epoch). It builds the focal loss but trains with plain CE.
#
# Here: focal loss (the README; focal_gamma = 0 gives the code's CE), ClassBalancedSampler (the
# code's sampler), Adam + cosine over 100 epochs, batch 64. The learning rate comes with the
# encoder (configs/_base_/models/njust-kmg_mavoc2024.py: 1e-6 for CLIP as in the code, 1e-3 for
# the small default trained from scratch). The PBVS 2024 val and test chips are SAR only, so
# there is no validation; the last checkpoint is the EO model (the frozen teacher of stage 2 KL,
# the starting EO encoder of stage 2 joint; the recipe passes it on).
_base_ = [
    '../../_base_/models/njust-kmg_mavoc2024.py', '../../_base_/datasets/mavoc2024.py',
    '../../_base_/schedules/njust-kmg_adam_cosine.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

focal_gamma = 0.5
model = dict(
    _base_.classifier,
    head=dict(_base_.classifier.head, loss=dict(_base_.classifier.head.loss, gamma=focal_gamma)),
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities=_base_.modality_stats,
        views=dict(eo=['eo']),
        base=_base_.cls_preprocessor))
train_dataloader = dict(batch_size=64, sampler=dict(_delete_=True, type='ClassBalancedSampler'))
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None

optim_wrapper = dict(optimizer=dict(lr=_base_.encoder.lr.stage1))
