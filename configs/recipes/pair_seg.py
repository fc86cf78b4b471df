# Any sensor pair, segmentation: check every split the stages read, then the teacher (every
# sensor), the baseline (the student's sensor only) and a distilled student taught by the
# teacher's best checkpoint. Each model is tested with its best val checkpoint (mIoU); the student
# is also written as a plain mmseg model (student/student.pth and .py). A pair's recipe names the
# configs (docs/custom_pairs.md):
#   _base_ = ['./pair_seg.py']   # a recipe in configs/recipes/; elsewhere, this file's path
#   stages = dict(teacher=dict(config=...), baseline=dict(config=...), student=dict(config=...))
# More students are more stages of the same form as `student`.
prepare = dict(check=dict(type='CheckDataset'))
_evaluate = ['val', 'test']
stages = dict(
    teacher=dict(type='Train', evaluate=_evaluate),
    baseline=dict(type='Train', evaluate=_evaluate),
    student=dict(
        type='Train',
        inputs={'model.teacher_ckpt': 'teacher.best'},
        extract_student=True,
        evaluate=_evaluate))
report = dict(
    title='mIoU (%)',
    rows=dict(teacher='Teacher', baseline='Baseline', student='Distilled student'),
    columns=[
        dict(label='val mIoU', split='val', metric='mIoU'),
        dict(label='test mIoU', split='test', metric='mIoU'),
        dict(label='test mAcc', split='test', metric='mAcc'),
    ],
    time=True)
