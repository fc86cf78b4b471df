# Demo-size pieces for the NTIRE 2021 MAVOC configs
# (configs/classification/ntire2021/*_mavoc2021_demo.py): a narrow random-init ResNet-18
# (1-channel conv1), the procedural chips in the 2021 layout (written by the demo recipe or
# make_mavoc_demo) and a short schedule for a CPU.
demo_data_root = 'data/demo/mavoc2021/'
# The demo classes are balanced, so the class weights of the real (80 % sedan) training set
# would only hide classes 0-3: the demo uses none.
demo_net = dict(
    backbone=dict(depth=18, stem_channels=16, base_channels=16, init_cfg=None),
    head=dict(in_channels=128, loss=dict(class_weight=None)))
demo_kl_weights = dict(distiller=dict(distill_losses=dict(loss_kl=dict(class_weight=None))))
demo_loader = dict(
    batch_size=32, num_workers=0, persistent_workers=False, dataset=dict(data_root=demo_data_root))
demo_max_epochs = 12
demo_optim_wrapper = dict(optimizer=dict(lr=0.05))
demo_param_scheduler = [dict(type='StepLR', step_size=4, gamma=0.5, by_epoch=True)]
demo_train_cfg = dict(max_epochs=demo_max_epochs, val_interval=2)
demo_default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=2))
