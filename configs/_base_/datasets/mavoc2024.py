# MAVOC, PBVS 2024 layout (UNICORN v2, SAR classification + OOD detection), read the way the
# NJUST-KMG code reads it:
#   data_root/SAR_Train/<class name>/<file>.png + EO_Train/<class name>/<file>.png (pairs),
#   data_root/val/<image_id>.png + validation_reference.csv (SAR; class name, OOD_flag),
#   data_root/test/Gotcha<id>.png (SAR, unlabeled).
# Class folders map to the official ids (sedan 0 ... semi_w_trailer 9), see MAVOCDataset.
dataset_type = 'MAVOCDataset'
data_root = 'data/mavoc2024/'
# 3-channel loading like PIL .convert('RGB') of the 8-bit grey chips: the grey channel, thrice
# (to_gray=3; a chip stored as RGB gives its luminance, thrice).
load_modalities = dict(sar=dict(to_gray=3, bit_depth=8), eo=dict(to_gray=3, bit_depth=8))
meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip',
             'flip_direction', 'image_id', 'ood')
pack = dict(
    type='PackMultiModalInputs', packer=dict(type='mmpretrain.PackInputs', meta_keys=meta_keys))
# Train: Resize(224) -> RandomHorizontalFlip -> RandomVerticalFlip -> rotation by one of
# 90/180/270 degrees (always), run on SAR and EO independently as the NJUST-KMG
# code does.
train_pipeline = [
    dict(type='LoadModalities', modalities=load_modalities),
    dict(
        type='ApplyToModalities',
        modalities=['sar', 'eo'],
        keep_size=False,
        transforms=[
            dict(type='mmpretrain.Resize', scale=(224, 224)),
            dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='mmpretrain.RandomFlip', prob=0.5, direction='vertical'),
            # Exact on square images (quarter turns about the centre).
            dict(
                type='RandomChoice',
                transforms=[
                    [
                        dict(
                            type='mmpretrain.Rotate',
                            angle=90.,
                            prob=1.0,
                            random_negative_prob=0.0,
                            pad_val=0)
                    ],
                    [
                        dict(
                            type='mmpretrain.Rotate',
                            angle=180.,
                            prob=1.0,
                            random_negative_prob=0.0,
                            pad_val=0)
                    ],
                    [
                        dict(
                            type='mmpretrain.Rotate',
                            angle=270.,
                            prob=1.0,
                            random_negative_prob=0.0,
                            pad_val=0)
                    ],
                ]),
        ]),
    pack,
]
# Test: Resize(224) and the training normalisation. (The NJUST-KMG code's results.py reads BGR with
# cv2 and normalises with 0.5/0.5, unlike its training; this keeps the training preprocessing.)
test_pipeline = [
    dict(type='LoadModalities', modalities=dict(sar=load_modalities['sar'])),
    dict(
        type='ApplyToModalities',
        modalities=['sar'],
        keep_size=False,
        transforms=[dict(type='mmpretrain.Resize', scale=(224, 224))]),
    pack,
]
# The NJUST-KMG code samples classes evenly (torchsampler.ImbalancedDatasetSampler, batch 64); swap
# the sampler for a class-balanced one to follow it.
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        layout='2024',
        split='train',
        modalities=('sar', 'eo'),
        pipeline=train_pipeline))
# SAR validation chips; labels and OOD flags come from validation_reference.csv when it exists
# (OOD chips of no known class get gt_label -1).
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        layout='2024',
        split='valid',
        modalities=('sar', ),
        pipeline=test_pipeline))
# The flat SAR test folder (Gotcha<id>.png, unlabeled).
test_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        layout='2024',
        split='test',
        modalities=('sar', ),
        pipeline=test_pipeline))
# Top-1 and per-class accuracy of the in-distribution chips; with OOD flags (val) also the AUROC
# of the max-softmax score and the PBVS total 0.75 * accuracy + 0.25 * AUROC. The test metric
# writes the submission (image_id,class_id,score) when given a submission_file.
val_evaluator = dict(type='MAVOCMetric', ood_score='max_softmax')
test_evaluator = dict(
    type='MAVOCMetric', ood_score='max_softmax', submission_file=None, with_score=True)

# ImageNet statistics in 8-bit units (the NJUST-KMG code's Normalize((0.485, 0.456, 0.406),
# (0.229, 0.224, 0.225)) after ToTensor).
modality_stats = dict(
    sar=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
    eo=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
