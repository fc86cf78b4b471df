# Seeing Through Fog pedestrian detection (CMKD, ICASSP 2023) as one recipe: the RGB + gated
# teacher, the RGB baseline, then the two RGB students (FPN P2-P5 MSE; per-level discriminators
# behind gradient reversal) taught by the teacher's best checkpoint. Every model is tested with
# its best val checkpoint (COCO mAP), as the original CMKD detector code does; the students are also
# written as plain mmdet detectors (<stage>/student.pth and .py).
#   python tools/run_recipe.py configs/recipes/cmkd_stf.py --data-root data/stf
# The prepare step converts the official release's night splits to COCO json first.
data_root = 'data/stf'
prepare = dict(
    coco=dict(
        type='STFToCOCO',
        splits=dict(
            train_night=['splits/train_clear_night.txt'],
            val_night=['splits/val_clear_night.txt'],
            test_night=['splits/test_clear_night.txt'])))
_evaluate = ['val', 'test']
_teacher = {'model.teacher_ckpt': 'teacher.best'}
stages = dict(
    teacher=dict(
        type='Train',
        config='configs/detection/teacher_faster-rcnn-r50-fpn_rgb-gated_stf.py',
        evaluate=_evaluate),
    baseline=dict(
        type='Train',
        config='configs/detection/baseline_faster-rcnn-r50-fpn_rgb_stf.py',
        evaluate=_evaluate),
    cmkd_mse=dict(
        type='Train',
        config='configs/detection/cmkd-mse_faster-rcnn-r50-fpn_rgb-gated-to-rgb_stf.py',
        inputs=_teacher,
        extract_student=True,
        evaluate=_evaluate),
    cmkd_adv=dict(
        type='Train',
        config='configs/detection/cmkd-adv_faster-rcnn-r50-fpn_rgb-gated-to-rgb_stf.py',
        inputs=_teacher,
        extract_student=True,
        evaluate=_evaluate))
report = dict(
    title='Seeing Through Fog (night), COCO bbox mAP (%)',
    rows=dict(
        teacher='Teacher (RGB + 3 gated)',
        baseline='Baseline (RGB)',
        cmkd_mse='CMKD-MSE (RGB)',
        cmkd_adv='CMKD-Adv (RGB)'),
    columns=[
        dict(label='val mAP', split='val', metric='coco/bbox_mAP', scale=100),
        dict(label='test mAP', split='test', metric='coco/bbox_mAP', scale=100),
        dict(label='test AP50', split='test', metric='coco/bbox_mAP_50', scale=100),
    ],
    time=True)
