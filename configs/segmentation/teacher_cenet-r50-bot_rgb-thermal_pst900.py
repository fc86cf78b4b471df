# CENet on PST900: the MFNet teacher with another dataset base (its 5 classes come from there)
# and the BoTNet tables sized for 1280x720 (padded to 1280x736, layer4 input 46x80). A new
# RGB-thermal dataset is this config, not new code.
_base_ = [
    '../_base_/methods/teacher_cenet-r50-bot.py', '../_base_/datasets/pst900_cekd.py',
    '../_base_/schedules/cekd_sgd_200e.py'
]
bot_cfg = dict(_base_.stream.bot_cfg, fmap_size=(46, 80))
model = dict(backbone=dict(main=dict(bot_cfg=bot_cfg), aux=dict(bot_cfg=bot_cfg)))
# --show-dir draws PST900's thermal image, its own 1-channel file (not each of the teacher's
# modalities).
default_hooks = dict(
    visualization=dict(modality='thermal', modality_cfg=dict(channels=[0], bit_depth=8)))
