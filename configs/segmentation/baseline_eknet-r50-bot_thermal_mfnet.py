# Thermal-only EKNet trained on the ground truth alone (no distillation): the baseline that
# CEKD's distillation is measured against (configs/_base_/methods/baseline_eknet-r50-bot.py).
_base_ = [
    '../_base_/methods/baseline_eknet-r50-bot.py', '../_base_/datasets/mfnet_cekd.py',
    '../_base_/schedules/cekd_sgd_200e.py'
]
