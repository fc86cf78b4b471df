# NJUST-KMG (PBVS 2024 MAVOC) stage 3 as the released code runs it (fintune.py): the SAR
# classifier (the stage-2 SAR encoder + a linear head) is fine-tuned on the SAR chips, all
# weights trained, with the focal loss (gamma 0.5) and class-balanced sampling: Adam lr 1e-4,
# CosineAnnealingLR(T_max 50), 50 epochs, batch 64 (the lr comes with the encoder: 1e-4 for
# CLIP as in the code, 1e-3 for the small default, see the base model file).
# The start is the stage-2 SAR model: model.init_cfg = dict(type='Pretrained', checkpoint=...)
# with the plain student checkpoint of stage 2, which the recipe
# configs/recipes/njust-kmg_mavoc2024.py hands over.
#
# Validation (when data_root holds val/ and validation_reference.csv): top-1 of the
# in-distribution chips, AUROC of the energy score logsumexp(logits) (higher = in-distribution)
# and the PBVS total 0.75 * top-1 + 0.25 * AUROC, which picks the best checkpoint (the code
# keeps every epoch's model and has no validation). Test: the flat SAR test folder; MAVOCMetric
# writes image_id,class_id,score when given a submission_file. tools/test.py --tta uses
# tta_model/tta_pipeline below (flips x rotations, averaged); the MAVOCInference stages of
# configs/recipes/njust-kmg_mavoc2024.py run the whole inference with them (TTA, cluster voting,
# OOD score, results.csv).
_base_ = [
    '../../_base_/models/njust-kmg_mavoc2024.py', '../../_base_/datasets/mavoc2024.py',
    '../../_base_/schedules/njust-kmg_adam_cosine.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

focal_gamma = 0.5
ood_score = 'energy'  # or 'max_softmax' (the code's score column), 'max_logit'
model = dict(
    _base_.classifier,
    head=dict(_base_.classifier.head, loss=dict(_base_.classifier.head.loss, gamma=focal_gamma)),
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities=_base_.modality_stats,
        views=dict(sar=['sar']),
        base=_base_.cls_preprocessor))
train_dataloader = dict(batch_size=64, sampler=dict(_delete_=True, type='ClassBalancedSampler'))
val_evaluator = dict(type='MAVOCMetric', ood_score=ood_score)
test_evaluator = dict(type='MAVOCMetric', ood_score=ood_score, with_score=True)

max_epochs = 50
optim_wrapper = dict(optimizer=dict(lr=_base_.encoder.lr.stage3))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, begin=0, end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(save_best='pbvs_total', rule='greater'))

# Test-time augmentation: the mean of the predictions (softmax scores, logits, embeddings) of
# every combination of the lists below; 8 views at 224 px.
_sar = ['sar']
_load, _pack = _base_.test_pipeline[0], _base_.test_pipeline[-1]
tta_model = dict(type='AverageClsLogitsTTA')
tta_pipeline = [
    _load,
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(
                    type='ApplyToModalities',
                    modalities=_sar,
                    keep_size=False,
                    transforms=[dict(type='mmpretrain.Resize', scale=(224, 224))])
            ],
            [
                dict(
                    type='ApplyToModalities',
                    modalities=_sar,
                    transforms=[dict(type='mmpretrain.RandomFlip', prob=0.)]),
                dict(
                    type='ApplyToModalities',
                    modalities=_sar,
                    transforms=[
                        dict(type='mmpretrain.RandomFlip', prob=1., direction='horizontal')
                    ]),
            ],
            [
                dict(
                    type='ApplyToModalities',
                    modalities=_sar,
                    transforms=[dict(type='mmpretrain.RandomFlip', prob=0.)]),
            ] + [
                dict(
                    type='ApplyToModalities',
                    modalities=_sar,
                    transforms=[
                        dict(
                            type='mmpretrain.Rotate',
                            angle=angle,
                            prob=1.,
                            random_negative_prob=0.,
                            pad_val=0)
                    ]) for angle in (90., 180., 270.)
            ],
            [_pack],
        ])
]
