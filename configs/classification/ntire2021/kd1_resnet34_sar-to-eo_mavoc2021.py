# NTIRE 2021 KD method 1 (CMKD-s): the frozen SAR ResNet-34 teaches the EO ResNet-34 on paired
# chips, each network on its own modality and size (SAR 48 px, EO 30 px):
#   loss = 0.8 * CE_w,mix(s, y) + 0.2 * T^2 * KL(softmax(t/T) || softmax(s/T)),  T = 2
# with the KL averaged over all B x 10 elements as the NTIRE 2021 code does (reduction='mean';
# 'batchmean' is 10x larger for 10 classes). 120 epochs, SGD 0.01, StepLR(20, 0.5).
# (configs/_base_/methods/kd1_resnet34.py; the direction is the data base's: SAR teacher, EO
# student.)
_base_ = [
    '../../_base_/methods/kd1_resnet34.py', '../../_base_/datasets/mavoc2021.py',
    '../../_base_/schedules/mavoc_sgd_step.py'
]
# The SAR model (teacher_resnet34_sar_mavoc2021.py), e.g. --cfg-options
# model.teacher_ckpt=work_dirs/teacher_resnet34_sar_mavoc2021/best_accuracy_top1_epoch_N.pth
# Start the student from the EO baseline, as the NTIRE 2021 code does: --cfg-options
# model.architecture.init_cfg.type=Pretrained model.architecture.init_cfg.checkpoint=EO.pth

# As in the NTIRE 2021 code, the SAR teacher sees its test transform (Resize 48, no augmentation)
# while the EO student trains (its train transform is Resize 30 here: the original AutoAugment and
# Cutout are not available, see mavoc2021.py).
train_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline))
