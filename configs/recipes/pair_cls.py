# Any sensor pair, classification: check every split the stages read, then the teacher (every
# sensor), the baseline (the student's sensor only) and a distilled student taught by the
# teacher's best checkpoint. Each model is tested with its best val checkpoint (top-1); the
# student is also written as a plain mmpretrain classifier (student/student.pth and .py). A pair's
# recipe names the configs (docs/custom_pairs.md):
#   _base_ = ['./pair_cls.py']   # a recipe in configs/recipes/; elsewhere, this file's path
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
    title='top-1 accuracy (%)',
    rows=dict(teacher='Teacher', baseline='Baseline', student='Distilled student'),
    columns=[
        dict(label='val top-1', split='val', metric='accuracy/top1'),
        dict(label='test top-1', split='test', metric='accuracy/top1'),
    ],
    time=True)
