# CEKD (RA-L 2023) on MFNet as one recipe: the CENet teacher (RGB + thermal, edge branch), the
# thermal-only EKNet baseline, and the CEKD EKNet student taught by the teacher's best val
# checkpoint (pair-wise similarity, soft CE T = 6, edge-hint MSE, pseudo-label CE). Each model
# is tested with its best val checkpoint, on test and its day / night halves; the student is
# also written as a plain mmseg model.
#   python tools/run_recipe.py configs/recipes/cekd_mfnet.py --data-root data/MFNet
_evaluate = ['val', 'test']
stages = dict(
    teacher=dict(
        type='Train',
        config='configs/segmentation/teacher_cenet-r50-bot_rgb-thermal_mfnet.py',
        evaluate=_evaluate),
    baseline=dict(
        type='Train',
        config='configs/segmentation/baseline_eknet-r50-bot_thermal_mfnet.py',
        evaluate=_evaluate),
    cekd=dict(
        type='Train',
        config='configs/segmentation/cekd_cenet-to-eknet-r50-bot_rgb-thermal-to-thermal_mfnet.py',
        inputs={'model.teacher_ckpt': 'teacher.best'},
        extract_student=True,
        evaluate=_evaluate))
report = dict(
    title='CEKD on MFNet, mIoU (%)',
    rows=dict(
        teacher='CENet teacher (RGB + T)', baseline='EKNet baseline (T)', cekd='CEKD EKNet (T)'),
    columns=[
        dict(label='val', split='val', metric='mIoU'),
        dict(label='test', split='test', metric='mIoU'),
        dict(label='test day', split='test', metric='day/mIoU'),
        dict(label='test night', split='test', metric='night/mIoU'),
    ],
    time=True)
