# Seeing Through Fog, night, official layout (docs/detection.md). Prepare the annotations with
#   python tools/dataset_converters/stf_to_coco.py data/stf --out-dir data/stf/annotations \
#       --split train_night=splits/train_clear_night.txt \
#       --split val_night=splits/val_clear_night.txt --split test_night=splits/test_clear_night.txt
# Boxes are in the 1280x720 frame of the gated camera (gt_labels/gated_labels_TMP): gated0 is the
# reference modality, and the RGB image is registered onto that frame.
dataset_type = 'STFDataset'
data_root = 'data/stf/'
modality_dirs = dict(
    rgb='cam_stereo_left_lut', gated0='gated0_10bit', gated1='gated1_10bit', gated2='gated2_10bit')
modalities = dict(
    gated0=dict(num_channels=1, bit_depth=10),
    gated1=dict(num_channels=1, bit_depth=10),
    gated2=dict(num_channels=1, bit_depth=10),
    rgb=dict(num_channels=3, bit_depth=8))
# The part of the 1920x1024 RGB image that the gated camera sees, from the official intrinsics
# (cmkd_mm.datasets.stf_format.camera_window(CAMERAS['cam_stereo_left'], CAMERAS['gated']);
# far-field approximation: stereo baseline and small rotations ignored).
registration_windows = dict(rgb=(310.78, 243.16, 1609.14, 973.49))
gated_size = (1280, 720)  # (w, h) of the label frame: a gated image of another size is an error
# The original CMKD detector code's network input: 1280x768 images resized to a 500-pixel short side
# = 833x500.
input_size = (833, 500)
meta_keys = ('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip',
             'flip_direction')
# No training augmentation, as in the original code.
train_pipeline = [
    dict(
        type='LoadModalities',
        modalities=modalities,
        ref_modality='gated0',
        same_size=[['gated0', 'gated1', 'gated2']]),  # one camera: one size
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='RegisterModalities', windows=registration_windows, ref_size=gated_size),
    dict(type='MultiModalResize', scale=input_size, keep_ratio=False),
    dict(type='PackMultiModalInputs', packer=dict(type='mmdet.PackDetInputs', meta_keys=meta_keys)),
]
test_pipeline = train_pipeline
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='mmdet.AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        modality_dirs=modality_dirs,
        ann_file='annotations/train_night.json',
        filter_cfg=dict(filter_empty_gt=False),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        modality_dirs=modality_dirs,
        ann_file='annotations/val_night.json',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        modality_dirs=modality_dirs,
        ann_file='annotations/test_night.json',
        test_mode=True,
        pipeline=test_pipeline))
# COCO bbox AP, AP50, AP75, APs/m/l against the converter's json (DontCare = iscrowd regions).
val_evaluator = dict(
    type='mmdet.CocoMetric', ann_file=data_root + 'annotations/val_night.json', metric='bbox')
test_evaluator = dict(
    type='mmdet.CocoMetric', ann_file=data_root + 'annotations/test_night.json', metric='bbox')

# Per-modality statistics for MultiModalDataPreprocessor, in native units: ImageNet statistics
# for RGB, the original code's (0.406, 0.225) of full scale for the 10-bit gated slices.
modality_stats = dict(
    rgb=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
    gated0=dict(mean=[415.3], std=[230.2]),
    gated1=dict(mean=[415.3], std=[230.2]),
    gated2=dict(mean=[415.3], std=[230.2]))
teacher_modalities = ['rgb', 'gated0', 'gated1', 'gated2']  # the original channel order
student_modalities = ['rgb']
classes = ('pedestrian', )  # STFDataset's classes
