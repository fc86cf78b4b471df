# Demo-size pieces for the CEKD configs (configs/segmentation/*_mfnet_demo.py): narrow random-init
# ResNet-18 encoders, the procedural MFNet-layout demo data (160x120, written by the demo
# recipes) and a short schedule that runs on a laptop CPU.
demo_data_root = 'data/demo/mfnet/'
demo_stream = dict(
    depth=18,
    stem_channels=16,
    base_channels=16,
    bot_cfg=dict(fmap_size=(8, 10), heads=4),  # layer4 input of a 120x160 image
    init_cfg=None)
demo_decoder = dict(in_channels=(16, 16, 32, 64, 128), channels=16)
demo_cenet = dict(backbone=dict(main=demo_stream, aux=demo_stream), decode_head=demo_decoder)
demo_eknet = dict(
    backbone=demo_stream, decode_head=demo_decoder, enhancement=dict(pool_size=(4, 5)))
demo_loader = dict(
    batch_size=4, num_workers=0, persistent_workers=False, dataset=dict(data_root=demo_data_root))
demo_max_epochs = 40
demo_optim_wrapper = dict(optimizer=dict(lr=0.02))
demo_param_scheduler = [
    dict(type='ExponentialLR', gamma=0.93, by_epoch=True, begin=0, end=demo_max_epochs)
]
demo_train_cfg = dict(max_epochs=demo_max_epochs, val_interval=10)
demo_default_hooks = dict(logger=dict(interval=16), checkpoint=dict(interval=10, max_keep_ckpts=1))
