# What the *_stf_demo.py configs change in the full Seeing Through Fog configs: a narrow,
# randomly initialised detector, the procedural demo data and a short schedule, so that the four
# models train on 2 CPU cores in minutes. Only new variable names here; each demo config applies
# them to the full config it inherits.
#
# Demo data: the official STF layout at 1/4 of the real resolutions (RGB 480x256, gated 320x180),
# written and converted by configs/recipes/cmkd_stf_demo.py, or by hand:
#   python -c "from cmkd_mm.demo import make_stf_demo; make_stf_demo('data/demo/stf')"
#   python tools/dataset_converters/stf_to_coco.py data/demo/stf \
#       --out-dir data/demo/stf/annotations \
#       --split train_night=splits/train_clear_night.txt,splits/light_fog_night.txt \
#       --split val_night=splits/val_clear_night.txt \
#       --split test_night=splits/test_clear_night.txt,splits/dense_fog_night.txt

# ResNet-18 with 16 base channels and a 64-channel FPN.
demo_detector = dict(
    init_cfg=None,
    backbone=dict(depth=18, base_channels=16, norm_eval=False),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=64),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64),
        bbox_head=dict(in_channels=64, fc_out_channels=256)),
    # Fewer proposals and RoIs than the full model: the demo images are 320x180.
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=300), rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))
demo_fpn_channels = 64

demo_data_root = 'data/demo/stf/'
_modalities = dict(
    gated0=dict(num_channels=1, bit_depth=10),
    gated1=dict(num_channels=1, bit_depth=10),
    gated2=dict(num_channels=1, bit_depth=10),
    rgb=dict(num_channels=3, bit_depth=8))
demo_pipeline = [
    dict(
        type='LoadModalities',
        modalities=_modalities,
        ref_modality='gated0',
        same_size=[['gated0', 'gated1', 'gated2']]),  # one camera: one size
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    # camera_window of the intrinsics scaled by 1/4 (the official window / 4).
    dict(
        type='RegisterModalities',
        windows=dict(rgb=(77.695, 60.79, 402.285, 243.3725)),
        ref_size=(320, 180)),  # the gated frame
    dict(type='MultiModalResize', scale=(320, 180), keep_ratio=False),  # the gated frame as is
    dict(type='PackMultiModalInputs', packer=dict(type='mmdet.PackDetInputs')),
]
demo_train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=demo_data_root, pipeline=demo_pipeline))
demo_val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=demo_data_root, pipeline=demo_pipeline))
demo_test_dataloader = demo_val_dataloader
demo_val_evaluator = dict(ann_file=demo_data_root + 'annotations/val_night.json')
demo_test_evaluator = dict(ann_file=demo_data_root + 'annotations/test_night.json')

# The original CMKD detector code's schedule shape, shortened: SGD, warm-up, x0.1 step, validation
# every epoch.
demo_optim_wrapper = dict(optimizer=dict(lr=0.02))
demo_param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=50),
    dict(type='StepLR', step_size=6, gamma=0.1, by_epoch=True, begin=0, end=8)
]
demo_train_cfg = dict(max_epochs=8, val_interval=2)
demo_log_processor = dict(window_size=10)
demo_default_hooks = dict(logger=dict(interval=10))
