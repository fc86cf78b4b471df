# KD method 1 in the reverse direction: the frozen EO ResNet-34 teaches the SAR one (the SAR
# classification track). Same loss and schedule as kd1_resnet34_sar-to-eo_mavoc2021.py.
_base_ = ['./kd1_resnet34_sar-to-eo_mavoc2021.py']
# The EO model (baseline_resnet34_eo_mavoc2021.py) via --cfg-options model.teacher_ckpt=...
model = dict(data_preprocessor=dict(views=dict(student=['sar'], teacher=['eo'])))
# The SAR student trains with the SAR train transform (crop, rotation, flips).
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
