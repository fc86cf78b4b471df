# Demo-size pieces for the xView2 configs (configs/building_damage/*_xview2_demo.py): the
# procedural pre/post scenes in the xBD layout (256x256 tiles, written by the demo recipe or
# make_xview2_demo: train 48, hold 16, test 16 tiles), a narrow random-init ResNet-18 UNet
# (encoder taps 16-128 channels) and a short AdamW schedule for a CPU. Validation on hold, test
# on test, whole tiles.
demo_data_root = 'data/demo/xview2/'
demo_tile = (256, 256)
demo_crop = 128
# Pipeline settings scaled from 1024 to 256 pixel tiles (crop 512 -> 128, shifts 320 -> 80).
demo_pipeline_options = dict(
    XView2ContentCrop=dict(crop_size=demo_crop),
    MultiModalShiftScaleRotate=dict(shift=80, center_jitter=80))
demo_encoder = dict(
    type='UNetResNet',
    depth=18,
    stem_channels=16,
    base_channels=16,
    in_channels=3,
    out_indices=(0, 1, 2, 3),
    norm_cfg=dict(type='BN', requires_grad=True),
    norm_eval=False,
    style='pytorch',
    init_cfg=None)
demo_head = dict(in_channels=[16, 16, 32, 64, 128], decoder_channels=[16, 16, 24, 32, 64])
demo_max_epochs = 60
demo_optim_wrapper = dict(optimizer=dict(lr=1e-3))
demo_param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[40, 52],
        gamma=0.5,
        by_epoch=True,
        begin=0,
        end=demo_max_epochs)
]
demo_train_cfg = dict(max_epochs=demo_max_epochs, val_interval=10)
demo_default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=10))
# Dataloaders of the demo configs (their train pipelines: the full config's, with
# demo_pipeline_options applied to each transform).
demo_loader = dict(num_workers=0, persistent_workers=False)
demo_data = dict(data_root=demo_data_root, holdout=None, expect_size=demo_tile)
demo_train_dataloader = dict(demo_loader, batch_size=4, dataset=dict(demo_data, splits=('train', )))
demo_val_dataloader = dict(demo_loader, dataset=dict(demo_data, splits=('hold', )))
demo_test_dataloader = dict(demo_loader, dataset=dict(demo_data, splits=('test', )))
