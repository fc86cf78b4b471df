# NTIRE 2021 KD method 2, SAR step: the SAR student learns from the frozen EO model of the same
# iteration, with the KD weight 0.8 (CE 0.2). See kd2-eo-step_resnet34_sar-to-eo_mavoc2021.py.
_base_ = ['./kd2-eo-step_resnet34_sar-to-eo_mavoc2021.py']
teacher_modalities = ['eo']
student_modalities = ['sar']
model = dict(
    architecture=dict(head=dict(loss=dict(loss_weight=0.2))),
    distiller=dict(distill_losses=dict(loss_kl=dict(loss_weight=0.8))))
