# PST900 RGB-thermal segmentation: <split>/{rgb,thermal,labels}/*.png, labels ids 0-4.
# No validation split exists; val and test both use test/.
dataset_type = 'PST900Dataset'
data_root = 'data/PST900/'
crop_size = (720, 1280)  # (h, w) of the padded batch
num_classes = 5
modalities = dict(rgb=dict(num_channels=3, bit_depth=8), thermal=dict(num_channels=1, bit_depth=8))
train_pipeline = [
    dict(type='LoadModalities', modalities=modalities, same_size=True),
    dict(type='LoadSegLabels'),  # the shared decoder: names the file on failure
    dict(type='CheckSegLabels', num_classes=num_classes),
    dict(type='MultiModalRandomFlip', prob=0.5),
    dict(type='PackMultiModalInputs', packer=dict(type='mmseg.PackSegInputs')),
]
test_pipeline = [
    dict(type='LoadModalities', modalities=modalities, same_size=True),
    dict(type='LoadSegLabels'),  # the shared decoder: names the file on failure
    dict(type='CheckSegLabels', num_classes=num_classes),
    dict(type='PackMultiModalInputs', packer=dict(type='mmseg.PackSegInputs')),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test', pipeline=test_pipeline))
test_dataloader = val_dataloader
# mIoU over all 5 classes including background (PST900 convention).
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

# Per-modality statistics in 8-bit units, used by MultiModalDataPreprocessor. The thermal values
# are placeholders (not measured on PST900); recompute them on the training split.
modality_stats = dict(
    rgb=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
    thermal=dict(mean=[80.0], std=[40.0]))
