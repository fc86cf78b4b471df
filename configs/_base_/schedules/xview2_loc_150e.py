# xView2 localisation teacher schedule (the xView2 KD code's train_teacher_building = 1st-place
# train50_loc): AdamW lr 1.5e-4, weight decay 1e-6, gradient-norm clip 1.1, MultiStepLR x0.5 at
# the original milestones (those past epoch 150 never fire), 150 epochs, batch 15 of 512x512 crops,
# validation every epoch keeping the best checkpoint (the original code keeps the best val Dice at
# 0.5; set save_best to the evaluator's key). Runtime: xview2_runtime.py.
#
# The original code calls scheduler.step(epoch) at the END of each epoch, so its lr halves one epoch
# later than a milestone list read the usual way (e.g. from the 17th epoch, index 16, for
# milestone 15); the milestones below are the original numbers, applied the mmengine way.
# The original code trains with apex amp O1: optim_wrapper type='AmpOptimWrapper' on a GPU.
_base_ = ['./xview2_runtime.py']
max_epochs = 150
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1.5e-4, weight_decay=1e-6),
    clip_grad=dict(max_norm=1.1, norm_type=2))
param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[15, 29, 43, 53, 65, 80, 90, 100, 110, 130, 150, 170, 180, 190],
        gamma=0.5,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs)
