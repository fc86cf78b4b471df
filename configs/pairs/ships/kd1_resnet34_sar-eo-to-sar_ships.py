# KD1 (logit distillation): the SAR student learns from the SAR + EO teacher's softened outputs
# (--cfg-options model.teacher_ckpt=<the teacher's best checkpoint>; the recipe hands it over).
_base_ = [
    '../../_base_/methods/kd1_resnet34.py', './_base_/ships_sar-eo.py',
    '../../_base_/schedules/mavoc_sgd_step.py'
]
