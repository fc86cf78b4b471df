# NJUST-KMG (PBVS 2024 MAVOC, SAR classification + OOD score) as one recipe with both variants;
# stage 1 is shared:
#   stage1_eo               EO encoder + head, focal loss, class-balanced sampling;
#   stage2_kl               (the README) the frozen stage-1 EO model teaches the SAR encoder
#                           with a KL loss on the embeddings; the SAR student is extracted;
#   stage3_head_from_kl     (the README) from that SAR model, encoder frozen, head trained;
#   stage2_joint            (the code) EO (from stage 1) and SAR encoders trained together,
#                           InfoNCE + focal (EO) + sorted MSE;
#   stage3_full_from_joint  (the code) all weights fine-tuned;
#   inference_*             TTA (the stage-3 config's tta_pipeline), the energy score,
#                           id-gap cluster voting in the NJUST-KMG code's order and tie-break,
#                           and <stage>/results.csv (image_id,class_id,score); with val data
#                           the same post-processing is scored on val (top-1, AUROC, PBVS
#                           total).
# Without val/ and validation_reference.csv validation is off and the last checkpoints are used.
#   python tools/run_recipe.py configs/recipes/njust-kmg_mavoc2024.py --data-root data/mavoc2024
_cls = 'configs/classification/njust-kmg/'
optional_val = ['val', 'validation_reference.csv']
# cluster_order='numeric' / tie_break='smallest' give the deterministic alternative.
_postprocess = dict(
    ood_score='energy',
    energy_t=1.0,
    cluster='id-gap',
    id_gap=100,
    cluster_order='name',
    tie_break='original',
    vote_threshold=0.95)
stages = dict(
    stage1_eo=dict(type='Train', config=_cls + 'teacher_resnet18_eo_mavoc2024.py'),
    stage2_kl=dict(
        type='Train',
        config=_cls + 'kd-kl_resnet18_eo-to-sar_mavoc2024.py',
        inputs={'model.teacher_ckpt': 'stage1_eo.best'},
        extract_student=True),
    stage3_head_from_kl=dict(
        type='Train',
        config=_cls + 'finetune-head_resnet18_sar_mavoc2024.py',
        inputs={'model.init_cfg.checkpoint': 'stage2_kl.student'}),
    inference_kl_head=dict(
        type='MAVOCInference',
        inputs=dict(config='stage3_head_from_kl.config', checkpoint='stage3_head_from_kl.best'),
        postprocess=_postprocess),
    stage2_joint=dict(
        type='Train',
        config=_cls + 'kd-joint_resnet18_eo-to-sar_mavoc2024.py',
        inputs={'model.teacher_ckpt': 'stage1_eo.best'},
        extract_student=True),
    stage3_full_from_joint=dict(
        type='Train',
        config=_cls + 'finetune-full_resnet18_sar_mavoc2024.py',
        inputs={'model.init_cfg.checkpoint': 'stage2_joint.student'}),
    inference_joint_full=dict(
        type='MAVOCInference',
        inputs=dict(
            config='stage3_full_from_joint.config', checkpoint='stage3_full_from_joint.best'),
        postprocess=_postprocess))
report = dict(
    title='NJUST-KMG (PBVS 2024), SAR val with OOD chips',
    rows=dict(inference_kl_head='KL + head (README)', inference_joint_full='joint + full (code)'),
    columns=[
        dict(label='top-1 %', split='val', metric='accuracy/top1'),
        dict(label='AUROC', split='val', metric='auroc', fmt='.3f'),
        dict(label='PBVS total', split='val', metric='pbvs_total', fmt='.3f'),
    ],
    time=False)
