# NTIRE 2021 KD method 2 (CMKD-m), EO step: the EO student learns from the frozen SAR model with
#   loss = 0.8 * CE_w,mix(s, y) + 0.2 * mean_{b,c}( w_c * T^2 * KL_elementwise ),  T = 2
# (class-weighted, element-wise KL as the NTIRE 2021 code's KD2). 20 epochs per step. The recipe
# configs/recipes/ntire2021_mavoc2021.py runs 5 x (EO step, SAR step) and sets the teacher, the
# student's start and lr 0.01 * 0.5^i. Built on the KD1 method base
# (configs/_base_/methods/kd1_resnet34.py) with its KL term made class-weighted; both modalities
# get their train transforms (the data base's train pipeline), as in the NTIRE 2021 code's KD2.
_base_ = [
    '../../_base_/methods/kd1_resnet34.py', '../../_base_/datasets/mavoc2021.py',
    '../../_base_/schedules/mavoc_sgd_step.py'
]
model = dict(
    distiller=dict(
        distill_losses=dict(
            loss_kl=dict(
                _delete_=True,
                type='ClassWeightedKLDivergence',
                tau=2.0,
                class_weight=_base_.mavoc_class_weight,
                loss_weight=_base_.kd_alpha))))
train_cfg = dict(max_epochs=20)
param_scheduler = [dict(type='StepLR', step_size=50, gamma=0.5, by_epoch=True)]  # no-op in 20
