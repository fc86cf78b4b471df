# xView2 damage student, dual-teacher mode (the xView2 KD code's train_student `--mode TwoTeacher`
# with its experiment script's `--LWF 1 --LFL 1 --alpha 0 --beta 1`): the damage teacher (pre +
# post) and the localisation teacher (pre image only) teach the siamese student at the same time,
#   loss = (1 - m) * L_cls + m * L_loc + always-on tuning terms,  m = 0.2
#   L_cls = theta * SoftBCE_5(s) + beta * LWF(s, t_damage)       as in damage-kd (theta = beta = 1)
#   L_loc = 0.5 * locLWF:  -(t^y * log s^y).mean(),  s = five2two(softmax(s / 2))[:, 1]
#           (any-building probability of the student), t = sigmoid(t_loc / 2), y = label > 0
# i.e. SoftBCE 0.8, LWF 0.8, locLWF 0.1 (the original code divides locLWF by 2). The feature terms
# (alpha * LFL, alpha_loc * locLFL) are off as in the script; add BatchL2FeatureLoss with
# channels=2048 on `backbone.layer4` recorders (`damage.` / `loc.` prefixes) to use them.
# The localisation teacher is declared by its training config; both checkpoints come from the
# tuning stages (the recipe hands them over by name):
#   python tools/train.py \
#       configs/building_damage/damage-kd-twoteacher_unet-seresnext50_pre-post_xview2.py \
#       --cfg-options model.teacher.teachers.damage.ckpt=DAMAGE_TUNED.pth \
#           model.teacher.teachers.loc.ckpt=LOC_TUNED.pth
_base_ = ['./damage-kd_unet-seresnext50_pre-post_xview2.py']
dual_teacher_m = 0.2
model = dict(
    architecture=dict(
        decode_head=dict(loss_decode=[
            _base_.xview2_damage_tune_loss,
            dict(type='SoftBCELoss', loss_weight=1.0 - dual_teacher_m),  # (1 - m) theta
        ])),
    data_preprocessor=dict(views=dict(damage=['pre', 'post'], pre=['pre'])),
    teacher=dict(
        _delete_=True,
        type='TeacherGroup',
        eval_teacher='damage',
        teachers=dict(
            damage=dict(model=_base_.xview2_damage_teacher, ckpt=None, view='damage'),
            loc=dict(
                config='configs/building_damage/loc-teacher_unet-seresnext50_pre_xview2.py',
                ckpt=None,
                view='pre'))),
    distiller=dict(
        teacher_recorders=dict(
            _delete_=True,
            logits=dict(type='ModuleOutputs', source='damage.decode_head.conv_seg'),
            loc_logits=dict(type='ModuleOutputs', source='loc.decode_head.conv_seg')),
        distill_losses=dict(
            loss_lwf=dict(loss_weight=1.0 - dual_teacher_m),  # (1 - m) beta
            loss_loc_lwf=dict(
                type='TeacherWeightedLikelihoodLoss',
                five2two=True,
                temperature=2.0,
                loss_weight=dual_teacher_m * 0.5)),
        loss_forward_mappings=dict(
            loss_loc_lwf=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='loc_logits'),
                gt=dict(from_student=True, recorder='gt', data_idx=1)))))
