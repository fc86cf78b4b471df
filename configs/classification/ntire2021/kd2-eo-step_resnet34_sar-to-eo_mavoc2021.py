# NTIRE 2021 KD method 2 (CMKD-m), EO step: the EO student learns from the frozen SAR model with
#   loss = 0.8 * CE_w,mix(s, y) + 0.2 * mean_{b,c}( w_c * T^2 * KL_elementwise ),  T = 2
# (class-weighted, element-wise KL as the NTIRE 2021 code's KD2). 20 epochs per step. The recipe
# configs/recipes/ntire2021_mavoc2021.py runs 5 x (EO step, SAR step) and sets the teacher, the
# student's start and lr 0.01 * 0.5^i.
_base_ = ['./kd1_resnet34_sar-to-eo_mavoc2021.py']
kd_alpha = 0.2
model = dict(
    architecture=dict(head=dict(loss=dict(loss_weight=1 - kd_alpha))),
    distiller=dict(
        distill_losses=dict(
            loss_kl=dict(
                _delete_=True,
                type='ClassWeightedKLDivergence',
                tau=2.0,
                class_weight=_base_.mavoc_class_weight,
                loss_weight=kd_alpha))))
train_cfg = dict(max_epochs=20)
param_scheduler = [dict(type='StepLR', step_size=50, gamma=0.5, by_epoch=True)]  # no-op in 20
# Both modalities get their train transforms in method 2 (the NTIRE 2021 code's KD2).
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
