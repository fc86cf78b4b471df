# NJUST-KMG (PBVS 2024 MAVOC) stage 2 as the README describes it: the EO encoder of stage 1 is
# frozen (teacher, EO chips) and the SAR encoder (student, the paired SAR chips) learns to mimic
# its features with a KL loss:
#
#   loss = KL( softmax(f_EO / tau) || softmax(f_SAR / tau) ) * tau^2,   tau = 1
#
# over the feature dimension of the embeddings f (the neck outputs: the 128-d GAP feature of the
# default encoder, the 512-d projected CLIP embedding), batch-mean (mmrazor's KLDivergence). The
# SAR head gets no loss (calculate_student_loss=False); stage 3 trains it. The README gives no
# temperature or schedule: the code's stage-2 schedule is used (Adam, cosine T_max 100, 100
# epochs, batch 64, class-balanced sampling; lr with the encoder, see the base model file).
# The frozen teacher is the stage-1 EO model: model.teacher_ckpt, which the recipe
# configs/recipes/njust-kmg_mavoc2024.py hands over.
# Both encoders start from the encoder's initialisation (CLIP for 'clip-vit-b32', as the code).
# No validation (the SAR head is untrained); the last checkpoint goes to stage 3 through
# tools/model_converters/extract_student.py.
_base_ = [
    '../../_base_/models/njust-kmg_mavoc2024.py', '../../_base_/datasets/mavoc2024.py',
    '../../_base_/schedules/njust-kmg_adam_cosine.py'
]
custom_imports = dict(imports=['cmkd_mm'], allow_failed_imports=False)

teacher_ckpt = None  # the stage-1 EO checkpoint
kl_tau = 1.0
# The embedding of both encoders (neck output; a tuple, hence data_idx=0 below).
feat = dict(feat=dict(type='ModuleOutputs', source='neck'))
model = dict(
    _scope_='mmrazor',
    type='CrossModalDistill',
    data_preprocessor=dict(
        type='mmengine.MultiModalDataPreprocessor',
        modalities=_base_.modality_stats,
        views=dict(student=['sar'], teacher=['eo']),
        base=_base_.cls_preprocessor),
    architecture=_base_.classifier,
    teacher=_base_.classifier,
    teacher_ckpt=teacher_ckpt,
    teacher_view='teacher',
    student_view='student',
    calculate_student_loss=False,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=feat,
        teacher_recorders=feat,
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', tau=kl_tau, reduction='batchmean', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='feat', data_idx=0),
                preds_T=dict(from_student=False, recorder='feat', data_idx=0)))))
train_dataloader = dict(batch_size=64, sampler=dict(_delete_=True, type='ClassBalancedSampler'))
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None

optim_wrapper = dict(optimizer=dict(lr=_base_.encoder.lr.stage2))
