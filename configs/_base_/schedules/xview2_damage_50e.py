# xView2 damage teacher schedule (the xView2 KD code's train_teacher = 1st-place train50_cls_cce):
# AdamW lr 2e-4, weight decay 1e-6, gradient-norm clip 0.999, MultiStepLR x0.5 at the original
# milestones, 50 epochs, batch 8 of 512x512 crops (apex amp O0, i.e. fp32), validation every
# epoch keeping the best checkpoint (the original code: 0.3 dice + 0.7 harmonic-mean damage F1; set
# save_best to the evaluator's key). The original scheduler.step(epoch) runs at the end of each
# epoch, one epoch later than mmengine reads the same milestones (see xview2_loc_150e.py).
# Runtime: xview2_runtime.py.
_base_ = ['./xview2_runtime.py']
max_epochs = 50
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, weight_decay=1e-6),
    clip_grad=dict(max_norm=0.999, norm_type=2))
param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[5, 11, 17, 23, 29, 33, 47, 50, 60, 70, 90, 110, 130, 150, 170, 180, 190],
        gamma=0.5,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs)
