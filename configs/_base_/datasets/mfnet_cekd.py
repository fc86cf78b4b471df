# MFNet as CEKD reads it: pixels / 255 without mean/std, no augmentation (the original CEKD code
# defines flips but its dataset never applies them), batch 2, and edge labels for the teacher's edge
# branch (edge_4x/ when present, else derived from the label map by GenerateEdgeLabels). Validation
# on val.txt; the test split reports the whole test set and its day and night halves.
_base_ = ['./mfnet.py']
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
# mIoU over all 9 classes including "unlabeled" (MFNet/RTFNet/CEKD); include_unlabeled=False
# drops it. Per-class IoU and recall, and per day/night subset on the test split.
val_evaluator = dict(type='SegIoUMetric', include_unlabeled=True, nan_to_zero=True)
test_evaluator = val_evaluator
