# xView2 localisation teacher tuning (the xView2 KD code's tune_teacher_building = 1st-place
# tune50_loc):
# from the best localisation checkpoint (set load_from), all training data, AdamW lr 4e-5,
# weight decay 1e-6, gradient-norm clip 1.1, MultiStepLR x0.5 at the original milestones, 12
# epochs, batch 15. The original scheduler.step(epoch) runs at the end of each epoch, one epoch
# later than mmengine reads the same milestones (see xview2_loc_150e.py). Same loss as training.
_base_ = ['./xview2_loc_150e.py']
max_epochs = 12
optim_wrapper = dict(optimizer=dict(lr=4e-5))
param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[
            1, 2, 3, 4, 5, 7, 9, 11, 17, 23, 29, 33, 47, 50, 60, 70, 90, 110, 130, 150, 170, 180,
            190
        ],
        gamma=0.5,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs)
