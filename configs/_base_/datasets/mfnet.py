# MFNet RGB-thermal segmentation: images/*.png are RGBA (R, G, B, thermal), labels/*.png ids 0-8.
# It declares the pair (modalities, teacher_modalities, student_modalities, modality_stats,
# classes) that the method bases' 'pair:<name>' fields and this pipeline's are filled from
# (cmkd_mm/utils/modality_pair.py).
dataset_type = 'MFNetDataset'
data_root = 'data/MFNet/'
crop_size = (480, 640)  # (h, w) of the padded batch
modalities = dict(
    rgb=dict(channels=[0, 1, 2], bit_depth=8), thermal=dict(channels=[3], bit_depth=8))
teacher_modalities = ['rgb', 'thermal']  # the teacher's input, in channel order
student_modalities = ['thermal']
classes = ('unlabeled', 'car', 'person', 'bike', 'curve', 'car_stop', 'guardrail', 'color_cone',
           'bump')  # MFNetDataset's classes, in label order
train_pipeline = [
    dict(type='LoadModalities', modalities='pair:modalities', same_size=True),
    dict(type='LoadSegLabels'),  # the shared decoder: names the file on failure
    dict(type='CheckSegLabels', num_classes='pair:num_classes'),  # ids, label/image sizes agree
    dict(type='MultiModalRandomFlip', prob=0.5),
    dict(type='PackMultiModalInputs', packer=dict(type='mmseg.PackSegInputs')),
]
test_pipeline = [
    dict(type='LoadModalities', modalities='pair:modalities', same_size=True),
    dict(type='LoadSegLabels'),  # the shared decoder: names the file on failure
    dict(type='CheckSegLabels', num_classes='pair:num_classes'),  # ids, label/image sizes agree
    dict(type='PackMultiModalInputs', packer=dict(type='mmseg.PackSegInputs')),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='train.txt', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='val.txt', pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='test.txt', pipeline=test_pipeline))
# mIoU over all 9 classes including "unlabeled" (MFNet/RTFNet/CEKD convention).
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

# Per-modality statistics in 8-bit units, used by MultiModalDataPreprocessor.
modality_stats = dict(
    rgb=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
    thermal=dict(mean=[80.0], std=[40.0]))
