# CMKD-Adv for any sensor pair: one discriminator per FPN level P2-P5 tells teacher maps (label 1)
# from student maps (label 0) with BCE; the student receives the discriminators' gradient through
# a gradient-reversal layer (lambda 0.3). loss_adv = mean over the four levels, weight 1;
# discriminators and student train jointly under the same optimizer, as in the original code. The
# discriminators pool adaptively, so any input size works.
#   _base_ = ['<this file>', '<your data config>', '<a schedule>']
#   python tools/train.py CONFIG --cfg-options model.teacher_ckpt=<the teacher's best.pth>
_base_ = ['./cmkd-mse_faster-rcnn-r50-fpn.py']

levels = (0, 1, 2, 3)
discriminator = dict(
    type='FeatureDiscriminator',
    in_channels=256,
    channels=128,
    pool_size=(16, 16),
    fc_channels=108,
    dropout=0.5)
model = dict(
    distiller=dict(
        distill_losses={
            f'loss_adv_p{lvl + 2}':
            dict(
                type='AdversarialFeatureLoss',
                discriminator=discriminator,
                grl_lambda=0.3,
                loss_weight=1.0 / len(levels))
            for lvl in levels
        },
        loss_forward_mappings={
            f'loss_adv_p{lvl + 2}':
            dict(
                preds_S=dict(from_student=True, recorder='fpn', data_idx=lvl),
                preds_T=dict(from_student=False, recorder='fpn', data_idx=lvl))
            for lvl in levels
        }))
model['distiller']['distill_losses']['_delete_'] = True
model['distiller']['loss_forward_mappings']['_delete_'] = True
