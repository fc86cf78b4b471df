# LLVIP: visible + long-wave infrared pedestrians, registered pairs (same frame, same size).
#   data/llvip/visible/{train,test}/<id>.jpg    8-bit colour
#   data/llvip/infrared/{train,test}/<id>.jpg   8-bit grey, stored with 3 equal channels
#   data/llvip/Annotations/<id>.xml             Pascal VOC, class "person", both splits
# The pair, declared once: every modality field of the method configs derives from these names.
modalities = dict(
    rgb=dict(num_channels=3, bit_depth=8),
    ir=dict(to_gray=True, bit_depth=8))  # one grey channel from the 3 equal ones
teacher_modalities = ['rgb', 'ir']
student_modalities = ['ir']
modality_stats = 'auto'  # measured on the training set before the first iteration
classes = ('person', )

data_root = 'data/llvip/'
dataset_type = 'MultiModalVOCDataset'
train_pipeline = [
    dict(type='LoadModalities', modalities='pair:modalities', same_size=True),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='MultiModalResize', scale=(640, 512), keep_ratio=True),
    dict(type='MultiModalRandomFlip', prob=0.5),
    dict(type='PackMultiModalInputs', packer=dict(type='mmdet.PackDetInputs')),
]
# The test samples carry their boxes (instances) to the COCO metric, which then needs no json.
meta_keys = ('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip',
             'flip_direction', 'instances')
test_pipeline = [
    dict(type='LoadModalities', modalities='pair:modalities', same_size=True),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='MultiModalResize', scale=(640, 512), keep_ratio=True),
    dict(type='PackMultiModalInputs', packer=dict(type='mmdet.PackDetInputs', meta_keys=meta_keys)),
]

train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='mmdet.AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        modality_dirs=dict(rgb='visible/train', ir='infrared/train'),
        suffix='.jpg',
        samples_from='rgb',  # Annotations/ holds both splits: the samples are visible/train
        metainfo=dict(classes=classes),
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline))
# LLVIP has no validation split: validate on test, the split its benchmark reports.
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        modality_dirs=dict(rgb='visible/test', ir='infrared/test'),
        suffix='.jpg',
        samples_from='rgb',
        metainfo=dict(classes=classes),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# COCO bbox AP / AP50 from the XML boxes (no json: the metric reads each sample's instances;
# difficult objects are ignore regions).
val_evaluator = dict(type='mmdet.CocoMetric', metric='bbox')
test_evaluator = val_evaluator
