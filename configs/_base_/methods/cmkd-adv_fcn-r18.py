# Adversarial cross-modal KD for any segmentation pair: a discriminator behind a gradient-reversal
# layer (lambda 0.3) tells teacher from student features of the last backbone stage (BCE); it
# trains jointly with the student under the same optimizer. The discriminator pools adaptively, so
# any input size works. Teacher, student and views as in cmkd-mse-cwd_fcn-r18.py.
#   _base_ = ['<this file>', '<your data config>', '<a schedule>']
#   python tools/train.py CONFIG --cfg-options model.teacher_ckpt=<the teacher's checkpoint>
_base_ = ['./cmkd-mse-cwd_fcn-r18.py']

model = dict(
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone.layer4')),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone.layer4')),
        distill_losses=dict(
            loss_adv=dict(
                type='AdversarialFeatureLoss',
                grl_lambda=0.3,
                loss_weight=1.0,
                discriminator=dict(
                    type='FeatureDiscriminator',
                    in_channels=128,
                    channels=64,
                    pool_size=(4, 4),
                    fc_channels=32))),
        loss_forward_mappings=dict(
            loss_adv=dict(
                preds_S=dict(from_student=True, recorder='feat'),
                preds_T=dict(from_student=False, recorder='feat')))))
