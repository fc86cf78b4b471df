# MAVOC, NTIRE 2021 layout (Track 2, SAR+EO), read the way the NTIRE 2021 KD notebooks read it:
#   data_root/train_images/<0-9>/{SAR,EO}_<id>.png, valid_images/valid_{sar,eo}/,
#   test_images/test_{sar,eo}/ (see MAVOCDataset).
# Each sample packs {'sar': 1x48x48, 'eo': 1x30x30} (uint8) with its gt_label; views and
# normalisation are chosen by MultiModalDataPreprocessor(modalities=modality_stats, ...).
# The NTIRE 2021 code's KD CSV lists work too: dataset=dict(split=None, ann_file='kd_train_EO.csv',
#   modality_dirs=dict(sar='kd_train_SAR', eo='kd_train_EO')).
dataset_type = 'MAVOCDataset'
data_root = 'data/mavoc2021/'
# The sensor pair (cmkd_mm.utils.modality_pair; the method bases in configs/_base_/methods/ derive
# their input channels, views and statistics from these names). Both modalities as 1-channel 8-bit
# luminance (the NTIRE 2021 code's Grayscale(1)), whatever the PNG holds; both are loaded for every
# config, whichever of them its models read. The SAR model teaches the EO one; a config of the
# other direction swaps teacher_modalities and student_modalities.
modalities = dict(sar=dict(to_gray=True, bit_depth=8), eo=dict(to_gray=True, bit_depth=8))
teacher_modalities = ['sar']
student_modalities = ['eo']
# The 10 MAVOC 2021 classes, in class-id order (MAVOCDataset's; the folders are named 0-9).
classes = ('sedan', 'SUV', 'pickup truck', 'van', 'box truck', 'motorcycle', 'flatbed truck', 'bus',
           'pickup truck w/ trailer', 'flatbed truck w/ trailer')
# Earlier name of modalities, kept for configs that use it.
load_modalities = modalities
# image_id: the submission's id; ood: the OOD flag when a label file has one.
meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip',
             'flip_direction', 'image_id', 'ood')
pack = dict(
    type='PackMultiModalInputs', packer=dict(type='mmpretrain.PackInputs', meta_keys=meta_keys))
# The NTIRE 2021 code transforms each modality on its own (own random draws, own size).
# SAR train: Resize((52, 52)) -> RandomRotation(15) -> RandomResizedCrop(48) -> h/v flips.
# EO train: Resize((30, 30)). The NTIRE 2021 code also applies AutoAugment with the CIFAR-10 policy
# of pytorch-auto-augment and its own Cutout(16) to EO; mmpretrain has no such policy, so both
# are left out here (add them to the EO transforms if needed).
# Resizing uses cv2 bilinear (the NTIRE 2021 code: PIL bilinear).
train_pipeline = [
    dict(type='LoadModalities', modalities=modalities),
    dict(
        type='ApplyToModalities',
        modalities=['sar'],
        keep_size=False,
        transforms=[
            dict(type='mmpretrain.Resize', scale=(52, 52)),
            # uniform angle in [-15, 15] degrees, nearest, zero fill (torchvision's defaults)
            dict(
                type='mmpretrain.Rotate',
                magnitude_range=(0, 15),
                magnitude_std='inf',
                prob=1.0,
                random_negative_prob=0.5,
                pad_val=0),
            dict(type='mmpretrain.RandomResizedCrop', scale=48),
            dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='mmpretrain.RandomFlip', prob=0.5, direction='vertical'),
        ]),
    dict(
        type='ApplyToModalities',
        modalities=['eo'],
        keep_size=False,
        transforms=[dict(type='mmpretrain.Resize', scale=(30, 30))]),
    pack,
]
# The NTIRE 2021 code's test: SAR Resize(48) straight from the native chip, EO Resize(30) (shorter
# side; the chips are square, a fixed size also keeps odd chips stackable).
test_pipeline = [
    dict(type='LoadModalities', modalities=modalities),
    dict(
        type='ApplyToModalities',
        modalities=['sar'],
        keep_size=False,
        transforms=[dict(type='mmpretrain.Resize', scale=(48, 48))]),
    dict(
        type='ApplyToModalities',
        modalities=['eo'],
        keep_size=False,
        transforms=[dict(type='mmpretrain.Resize', scale=(30, 30))]),
    pack,
]
train_dataloader = dict(
    batch_size=512,  # the NTIRE 2021 code's
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        layout='2021',
        split='train',
        modalities=('sar', 'eo'),
        pipeline=train_pipeline))
# Validation on the paired valid chips. The challenge gives them without labels: put the
# reference labels (image_id,class_id or img_name,class_id rows) in valid_labels.csv, or point
# the val dataset at a held-out part of the training data (e.g. ann_file + modality_dirs).
val_dataloader = dict(
    batch_size=512,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        layout='2021',
        split='valid',
        modalities=('sar', 'eo'),
        label_file='valid_labels.csv',
        pipeline=test_pipeline))
# Unlabeled test chips (predictions for the results.csv submission).
test_dataloader = dict(
    batch_size=512,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        layout='2021',
        split='test',
        modalities=('sar', 'eo'),
        pipeline=test_pipeline))
# Top-1, per-class accuracy (and a confusion matrix with out_dir). The test chips have no labels:
# the test metric writes the submission (image_id,class_id) when given a submission_file, e.g.
# --cfg-options test_evaluator.submission_file=work_dirs/NAME/results.csv
val_evaluator = dict(type='MAVOCMetric')
test_evaluator = dict(type='MAVOCMetric', submission_file=None, with_score=False)

# Single-channel normalisation measured on the training set this config is given: 'auto' is
# filled in before training by ModalityStatsFromDataHook (the model configs add it), which logs
# the mean and std and saves them in every checkpoint. The method bases give every model the
# statistics of the whole pair (pair:modality_stats: teacher and student modalities).
modality_stats = dict(sar='auto', eo='auto')
# The NTIRE 2021 code's constants, in 8-bit units (mean * 255, std * 255 of its [0, 1] values:
# EO 0.2913437 / 0.12694514, SAR 0.4062625 / 0.12694514): right only for that code's training
# set. To use them: modality_stats = _base_.original_modality_stats in a config of yours.
original_modality_stats = dict(
    sar=dict(mean=[103.5969375], std=[32.3710107]), eo=dict(mean=[74.2926435], std=[32.3710107]))
# Deprecated name of original_modality_stats, kept for configs that use it.
seed_modality_stats = original_modality_stats
