# NTIRE 2021 SAR model ("re-fit"): the EO-pretrained ResNet-34 trained on SAR chips for 120
# epochs with the same recipe. This is the SAR teacher of KD method 1. Start it from the EO
# baseline with --cfg-options load_from=work_dirs/baseline_resnet34_eo_mavoc2021/best_*.pth
_base_ = [
    '../../_base_/methods/teacher_resnet34.py', '../../_base_/datasets/mavoc2021.py',
    '../../_base_/schedules/mavoc_sgd_step.py'
]
