# NJUST-KMG (PBVS 2024 MAVOC) stage 2 as the released code runs it (sar_feature.py): the EO and
# the SAR encoders are both trained, on paired chips, with
#
#   loss = alpha * InfoNCE(f_SAR, f_EO) + (1 - alpha) * focal(EO head(f_EO), y)
#          + SortedMSE(f_SAR, f_EO)
#   alpha = 0.8 for epochs < 10, then 0.5   (LossWeightScheduleHook)
#
# * InfoNCE: symmetric CLIP-style cross-entropy of the cosine similarities of the batch, no logit
#   scale (tau = 1); gradients reach both encoders (teacher_detach=False);
# * focal: the EO model's own head loss (gamma 0.5); teacher_trainable=True adds the teacher's
#   loss ('teacher.loss'), and its weight is the head's loss_weight;
# * SortedMSE: MSE of the sorted values of each raw embedding (the code's swd_diff).
#
# The embeddings f are the neck outputs (the 128-d GAP feature of the default encoder, the
# 512-d projected CLIP embedding). The SAR head gets no loss (calculate_student_loss=False).
# Code: Adam lr 1e-6 over both encoders (one optimizer: the teacher is a submodule of the
# algorithm, so the single OptimWrapper holds its parameters too), CosineAnnealingLR(T_max 100),
# 100 epochs, batch 64, ImbalancedDatasetSampler.
#
# Deviations from the code: (1) the EO model starts from the stage-1 model when model.teacher_ckpt
# is set (the recipe does; the code starts both encoders from CLIP because its stage-1
# checkpoint holds no model); (2) the EO head reads the raw embedding as in stages 1 and 3 (the
# code feeds it the L2-normalised one); (3) the learning rate comes with the encoder (1e-6 for
# CLIP, 1e-3 for the small default, see the base model file).
_base_ = ['./kd-kl_resnet18_eo-to-sar_mavoc2024.py']

alpha_schedule = [(0, 0.8), (10, 0.5)]  # (first epoch, alpha): the InfoNCE weight
focal_schedule = [(0, 0.2), (10, 0.5)]  # (first epoch, 1 - alpha): the EO focal weight
feat = dict(feat=dict(type='ModuleOutputs', source='neck'))
model = dict(
    teacher_trainable=True,
    teacher=dict(head=dict(loss=dict(loss_weight=focal_schedule[0][1]))),
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_recorders=feat,
        teacher_recorders=feat,
        distill_losses=dict(
            loss_nce=dict(
                type='InfoNCELoss', tau=1.0, loss_weight=alpha_schedule[0][1],
                teacher_detach=False),
            loss_sort=dict(type='SortedFeatureMSELoss', loss_weight=1.0, teacher_detach=False)),
        loss_forward_mappings=dict(
            loss_nce=dict(
                preds_S=dict(from_student=True, recorder='feat', data_idx=0),
                preds_T=dict(from_student=False, recorder='feat', data_idx=0)),
            loss_sort=dict(
                preds_S=dict(from_student=True, recorder='feat', data_idx=0),
                preds_T=dict(from_student=False, recorder='feat', data_idx=0)))))
custom_hooks = [
    dict(
        type='LossWeightScheduleHook',
        by_epoch=True,
        schedule={
            'distiller.distill_losses.loss_nce.loss_weight': alpha_schedule,
            'teacher.head.loss_module.loss_weight': focal_schedule
        })
]
