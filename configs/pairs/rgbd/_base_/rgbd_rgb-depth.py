# RGB + depth indoor scenes from an RGB-D camera, registered (same frame, same size):
#   data/rgbd/rgb/<name>.png      8-bit colour
#   data/rgbd/depth/<name>.png    16-bit grey, millimetres (0: no measurement)
#   data/rgbd/labels/<name>.png   class ids 0-3, in the order of `classes` (255: not labelled)
#   data/rgbd/{train,val,test}.txt   one <name> per line
# The teacher sees both; the deployed model sees only the depth camera, which works in the dark
# and records no picture of the people it sees.
# The pair, declared once: every modality field of the method configs derives from these names.
modalities = dict(
    rgb=dict(num_channels=3, bit_depth=8),
    depth=dict(num_channels=1, bit_depth=16))  # read as is: millimetres, not scaled to 8 bits
teacher_modalities = ['rgb', 'depth']
student_modalities = ['depth']
modality_stats = 'auto'  # measured on the training set before the first iteration
classes = ('wall', 'floor', 'box', 'person')
palette = [[120, 120, 120], [255, 128, 0], [0, 200, 0], [255, 0, 0]]

data_root = 'data/rgbd/'
dataset_type = 'MultiModalSegDataset'
train_pipeline = [
    dict(type='LoadModalities', modalities='pair:modalities', same_size=True),
    dict(type='LoadSegLabels'),
    dict(type='CheckSegLabels', num_classes='pair:num_classes'),  # ids < 4 or 255, sizes agree
    dict(type='MultiModalRandomFlip', prob=0.5),
    dict(type='PackMultiModalInputs', packer=dict(type='mmseg.PackSegInputs')),
]
test_pipeline = [
    dict(type='LoadModalities', modalities='pair:modalities', same_size=True),
    dict(type='LoadSegLabels'),
    dict(type='CheckSegLabels', num_classes='pair:num_classes'),
    dict(type='PackMultiModalInputs', packer=dict(type='mmseg.PackSegInputs')),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        modality_dirs=dict(rgb='rgb', depth='depth'),
        suffix='.png',
        seg_map_dir='labels',
        ann_file='train.txt',
        metainfo=dict(classes=classes, palette=palette),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        modality_dirs=dict(rgb='rgb', depth='depth'),
        suffix='.png',
        seg_map_dir='labels',
        ann_file='val.txt',
        metainfo=dict(classes=classes, palette=palette),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        modality_dirs=dict(rgb='rgb', depth='depth'),
        suffix='.png',
        seg_map_dir='labels',
        ann_file='test.txt',
        metainfo=dict(classes=classes, palette=palette),
        test_mode=True,
        pipeline=test_pipeline))
# mIoU (and mAcc, aAcc) over the four classes.
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
