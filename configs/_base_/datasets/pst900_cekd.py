# PST900 as the CEKD configs read MFNet: pixels / 255 without mean/std, no augmentation, batch 2,
# edge labels derived from the label maps for the teacher's edge branch.
_base_ = ['./pst900.py']
modality_stats = dict(
    rgb=dict(mean=[0., 0., 0.], std=[255., 255., 255.]), thermal=dict(mean=[0.], std=[255.]))
train_pipeline = [
    dict(type='LoadModalities', modalities='pair:modalities', same_size=True),
    dict(type='LoadSegLabels'),  # the shared decoder: names the file on failure
    dict(type='CheckSegLabels', num_classes='pair:num_classes'),
    dict(type='GenerateEdgeLabels', radius=2, scale=0.25),
    dict(type='PackMultiModalInputs', packer=dict(type='mmseg.PackSegInputs')),
]
train_dataloader = dict(
    batch_size=2,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(pipeline=train_pipeline))
val_evaluator = dict(type='SegIoUMetric', include_unlabeled=True, nan_to_zero=True)
test_evaluator = val_evaluator
