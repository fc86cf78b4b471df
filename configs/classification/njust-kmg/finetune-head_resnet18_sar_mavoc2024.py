# NJUST-KMG (PBVS 2024 MAVOC) stage 3 as the README describes it: the SAR encoder of stage 2 is
# frozen and only the linear classifier is trained, with class-balanced sampling and the focal
# loss. Everything else as finetune-full_resnet18_sar_mavoc2024.py (the code's stage 3, which trains
# all weights).
#
# Frozen means no change at all: backbone.frozen_stages covers every stage (its parameters get
# requires_grad=False and its normalisation layers stay in eval mode, so BatchNorm statistics do
# not move either), and the backbone and neck parameters get lr_mult=0 (the CLIP projection
# neck has weights; the default GAP neck has none).
#
# The README's "down-sampled" class-balanced set: ClassBalancedSampler draws len(dataset) samples
# per epoch; set train_dataloader.sampler.num_samples (e.g. 10 x 353, ten times the smallest
# 2024 class) for a smaller balanced epoch.
_base_ = ['./finetune-full_resnet18_sar_mavoc2024.py']

model = dict(backbone=dict(frozen_stages=_base_.encoder.num_stages))
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={
        'backbone': dict(lr_mult=0., decay_mult=0.),
        'neck': dict(lr_mult=0., decay_mult=0.)
    }))
