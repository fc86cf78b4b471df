# NTIRE 2021 MAVOC network: ResNet-34 with a 1-channel conv1 and a 10-class linear head, for EO
# and SAR alike. The NTIRE 2021 code starts from torchvision's ImageNet ResNet-34 and replaces conv1
# by a random 1-channel conv: InflatedPretrained(inflate='random') does the same ('mean' would start
# conv1 from the mean RGB filter instead). Offline, point the checkpoint at a local file or set
# init_cfg=None. The method bases (configs/_base_/methods/*_resnet34.py) build teacher, baseline
# and student from it with the input channels and the class count of the pair they are given.
imagenet_r34 = 'torchvision://resnet34'
# Class-weighted CE: w_c = (1/p_c) / sum_j (1/p_j), the NTIRE 2021 code's rule, on the class
# counts of the training set this config is given: class_weight='auto' is filled in before
# training by ClassWeightsFromDataHook (below), which logs the counts and weights.
mavoc_class_weight = 'auto'
# The NTIRE 2021 code's own weights, from its SAR training counts ([234135, 28030, 15234, 10587,
# 1668, 782, 768, 562, 783, 573]); right only for that training set. To use them, give them as the
# loss's class_weight, e.g. model.head.loss.class_weight=_base_.original_class_weight in a config of
# yours.
original_class_weight = [
    0.000522, 0.00436, 0.008023, 0.011544, 0.073272, 0.156289, 0.159138, 0.217469, 0.156089,
    0.213294
]
# Deprecated name of original_class_weight, kept for configs that use it.
seed_class_weight = original_class_weight
# Statistics from the configured training set, logged at start: class weights for 'auto' loss
# weights, per-channel mean/std for 'auto' modalities of the data preprocessor.
custom_hooks = [dict(type='ClassWeightsFromDataHook'), dict(type='ModalityStatsFromDataHook')]
classifier = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(
        type='ResNet',
        depth=34,
        in_channels=1,
        out_indices=(3, ),
        style='pytorch',
        init_cfg=dict(type='InflatedPretrained', checkpoint=imagenet_r34, inflate='random')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=512,
        # The NTIRE 2021 code's "mixup": lam * CE_w(out, y) + (1 - lam) * CE_w(out, y[perm]) on
        # clean outputs, lam ~ Beta(1, 1). mix_labels=False gives plain class-weighted CE.
        loss=dict(
            type='LabelMixCrossEntropyLoss',
            class_weight=mavoc_class_weight,
            mix_labels=True,
            alpha=1.0,
            loss_weight=1.0),
        topk=(1, )))
cls_preprocessor = dict(type='mmpretrain.ClsDataPreprocessor')
