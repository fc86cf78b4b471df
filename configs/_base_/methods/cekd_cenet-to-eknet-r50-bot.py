# CEKD for any segmentation pair: the frozen CENet (teacher modalities) teaches EKNet (student
# modalities). As in the original CEKD code the student learns from the teacher only (no
# ground-truth loss), four terms of weight 1:
#   loss_sim  pair-wise similarity of the last encoder feature (2048 ch @1/32);
#   loss_kdce soft cross-entropy of the logits, T = 6, no T^2, mean over pixels;
#   loss_hint MSE between the hints (decoder 1/4 map; the teacher's carries its edge map);
#   loss_seg  CE against the teacher's argmax (see PseudoLabelCELoss for the ground-truth mode).
# 'pair:<name>' fields are filled from the pairing config's declared names.
#   _base_ = ['<this file>', '<your data config>', '<a schedule>']
#   python tools/train.py CONFIG --cfg-options model.teacher_ckpt=<the teacher's checkpoint>
_base_ = ['../models/cekd_r50-bot.py']
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

teacher_ckpt = None  # the teacher's checkpoint: --cfg-options model.teacher_ckpt=...

recorders = dict(
    feat=dict(type='ModuleOutputs', source='backbone'),  # outputs[-1]: (fused) layer4
    logits=dict(type='ModuleOutputs', source='decode_head.deconv1'),
    hint=dict(type='ModuleOutputs', source='decode_head.hint_layer'))
model = dict(
    _scope_='mmrazor',
    type='CrossModalDistill',
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities='pair:modality_stats',
        views=dict(student='pair:student_modalities', teacher='pair:teacher_modalities'),
        base=_base_.seg_preprocessor),
    architecture=_base_.eknet,
    teacher=_base_.cenet,
    teacher_ckpt=teacher_ckpt,
    teacher_view='teacher',
    student_view='student',
    calculate_student_loss=False,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=recorders,
        teacher_recorders=recorders,
        distill_losses=dict(
            loss_sim=dict(type='PairwiseSimilarityLoss', loss_weight=1.0),
            loss_kdce=dict(type='PixelSoftCELoss', tau=6.0, loss_weight=1.0),
            loss_hint=dict(type='L2Loss', normalize=False, div_element=True, loss_weight=1.0),
            loss_seg=dict(type='PseudoLabelCELoss', use_gt=False, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_sim=dict(
                preds_S=dict(from_student=True, recorder='feat', data_idx=-1),
                preds_T=dict(from_student=False, recorder='feat', data_idx=-1)),
            loss_kdce=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')),
            loss_hint=dict(
                s_feature=dict(from_student=True, recorder='hint'),
                t_feature=dict(from_student=False, recorder='hint')),
            loss_seg=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
find_unused_parameters = True
# Validation also reports the teacher on its own view (teacher/mIoU ...).
val_cfg = dict(type='mmrazor.CrossModalDistillValLoop', evaluate_teacher=True)
test_cfg = dict(type='TestLoop')
