# xView2 damage teacher tuning (the xView2 KD code's tune_teacher = 1st-place tune50_cls_cce): from
# the best damage checkpoint (set load_from), AdamW lr 1e-5, weight decay 1e-6, gradient-norm clip
# 0.999, MultiStepLR x0.5 at the original milestones, 2 epochs, batch 16, and the tuning loss
# 0.1 L0 + 0.1 L1 + 0.3 L2 + 0.3 L3 + 0.2 L4 + 11 CE (Lk = dice 0.5 + focal 2 on channel k).
#
# A schedule base cannot set `model` (mmengine refuses a key defined by two bases), so the
# tuning loss is given as `xview2_damage_tune_loss`; the final config applies it:
#     model = dict(decode_head=dict(loss_decode=_base_.xview2_damage_tune_loss))
_base_ = ['./xview2_damage_50e.py']
max_epochs = 2
optim_wrapper = dict(optimizer=dict(lr=1e-5))
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
xview2_damage_tune_loss = dict(
    type='DamageComboLoss',
    channel_weights=[0.1, 0.1, 0.3, 0.3, 0.2],
    combo=dict(dice=0.5, focal=2.0),
    ce_weight=11.0)
