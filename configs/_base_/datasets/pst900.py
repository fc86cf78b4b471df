# PST900 RGB-thermal segmentation: <split>/{rgb,thermal,labels}/*.png, labels ids 0-4.
# No validation split exists; val and test both use test/. It declares the pair (modalities,
# teacher_modalities, student_modalities, modality_stats, classes) that the method bases'
# 'pair:<name>' fields and this pipeline's are filled from (cmkd_mm/utils/modality_pair.py).
dataset_type = 'PST900Dataset'
data_root = 'data/PST900/'
crop_size = (720, 1280)  # (h, w) of the padded batch
modalities = dict(rgb=dict(num_channels=3, bit_depth=8), thermal=dict(num_channels=1, bit_depth=8))
teacher_modalities = ['rgb', 'thermal']  # the teacher's input, in channel order
student_modalities = ['thermal']
classes = ('background', 'fire_extinguisher', 'backpack', 'hand_drill', 'survivor'
           )  # PST900Dataset's classes, in label order
train_pipeline = [
    dict(type='LoadModalities', modalities='pair:modalities', same_size=True),
    dict(type='LoadSegLabels'),  # the shared decoder: names the file on failure
    dict(type='CheckSegLabels', num_classes='pair:num_classes'),
    dict(type='MultiModalRandomFlip', prob=0.5),
    dict(type='PackMultiModalInputs', packer=dict(type='mmseg.PackSegInputs')),
]
test_pipeline = [
    dict(type='LoadModalities', modalities='pair:modalities', same_size=True),
    dict(type='LoadSegLabels'),  # the shared decoder: names the file on failure
    dict(type='CheckSegLabels', num_classes='pair:num_classes'),
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
