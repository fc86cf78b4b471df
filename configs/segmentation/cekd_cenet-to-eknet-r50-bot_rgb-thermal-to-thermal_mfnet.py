# CEKD: the frozen RGB-thermal CENet teaches the thermal-only EKNet. As in the original CEKD code
# the student learns from the teacher only (no ground-truth loss), four terms of weight 1:
#   loss_sim  pair-wise similarity of the last encoder feature (2048 ch @1/32);
#   loss_kdce soft cross-entropy of the logits, T = 6, no T^2, mean over pixels;
#   loss_hint MSE between the hints (decoder 1/4 map; the teacher's carries its edge map);
#   loss_seg  CE against the teacher's argmax (see PseudoLabelCELoss for the ground-truth mode).
# (configs/_base_/methods/cekd_cenet-to-eknet-r50-bot.py.) The teacher trained with
# teacher_cenet-r50-bot_rgb-thermal_mfnet.py, e.g. --cfg-options
# model.teacher_ckpt=work_dirs/teacher_cenet-r50-bot_rgb-thermal_mfnet/best_mIoU_epoch_N.pth
_base_ = [
    '../_base_/methods/cekd_cenet-to-eknet-r50-bot.py', '../_base_/datasets/mfnet_cekd.py',
    '../_base_/schedules/cekd_sgd_200e.py'
]
