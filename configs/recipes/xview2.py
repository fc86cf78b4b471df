# xView2 building damage (building_damage_kd, GeoInformatica 2022) in its training order:
# masks from the label JSONs -> localisation teacher (150 epochs) -> its tuning (12) -> damage
# teacher (50) -> its tuning (2) -> localisation students -> damage students, every student 30
# epochs on the SE-ResNeXt50 UNets (the students halve the decoder widths):
#   loc_student          localisation student alone (onlyS)
#   loc_kd               localisation student taught by the tuned loc teacher (T-S)
#   damage_student       damage student alone (onlyS); damage_student_transfer from loc_kd
#   damage_kd            taught by the tuned damage teacher (T-S); damage_kd_transfer from loc_kd
#                        (the xView2 KD code's experiment script: T-S with --transfer 1)
#   damage_two           both tuned teachers at once (TwoTeacher); damage_two_transfer from loc_kd
# "transfer" is the xView2 KD code's curriculum: the damage student starts from the localisation
# student (the distilled one, res50_loc_KD_best, as in the original code), its encoder and decoder;
# the 5-class output layer does not fit and keeps its initialisation. Every stage hands its
# checkpoint over by name, resumes after a crash and is tested on test with the xView2 score; the
# tuned teachers and the students also report parameters and CPU latency at 1024x1024.
#   python tools/run_recipe.py configs/recipes/xview2.py --data-root data/xview2
#   python tools/run_recipe.py configs/recipes/xview2.py --demo      # xview2_demo.py
data_root = 'data/xview2'
prepare = dict(masks=dict(type='XView2Masks', splits=['train', 'tier3', 'hold', 'test']))
_cfg = 'configs/building_damage/'
_evaluate = ['val', 'test']
_profile = dict(shape=(1024, 1024), iters=3, onnx=False)
_transfer = {'model.architecture.init_cfg.checkpoint': 'loc_kd.student'}
_damage_teacher = {'model.teacher_ckpt': 'damage_tune.best'}
_two_teachers = {
    'model.teacher.teachers.damage.ckpt': 'damage_tune.best',
    'model.teacher.teachers.loc.ckpt': 'loc_tune.best'
}
stages = dict(
    loc=dict(
        type='Train',
        config=_cfg + 'loc-teacher_unet-seresnext50_pre_xview2.py',
        evaluate=_evaluate),
    loc_tune=dict(
        type='Train',
        config=_cfg + 'loc-teacher-tune_unet-seresnext50_pre_xview2.py',
        inputs={'load_from': 'loc.best'},
        evaluate=_evaluate,
        profile=_profile),
    damage=dict(
        type='Train',
        config=_cfg + 'damage-teacher_unet-seresnext50_pre-post_xview2.py',
        evaluate=_evaluate),
    damage_tune=dict(
        type='Train',
        config=_cfg + 'damage-teacher-tune_unet-seresnext50_pre-post_xview2.py',
        inputs={'load_from': 'damage.best'},
        evaluate=_evaluate,
        profile=_profile),
    loc_student=dict(
        type='Train',
        config=_cfg + 'loc-baseline_unet-seresnext50_pre_xview2.py',
        evaluate=_evaluate,
        profile=_profile),
    loc_kd=dict(
        type='Train',
        config=_cfg + 'loc-kd_unet-seresnext50_pre_xview2.py',
        inputs={'model.teacher_ckpt': 'loc_tune.best'},
        extract_student=True,
        evaluate=_evaluate,
        profile=_profile),
    damage_student=dict(
        type='Train',
        config=_cfg + 'damage-baseline_unet-seresnext50_pre-post_xview2.py',
        evaluate=_evaluate,
        profile=_profile),
    damage_student_transfer=dict(
        type='Train',
        config=_cfg + 'damage-baseline_unet-seresnext50_pre-post_xview2.py',
        inputs={'model.init_cfg.checkpoint': 'loc_kd.student'},
        evaluate=_evaluate),
    damage_kd=dict(
        type='Train',
        config=_cfg + 'damage-kd_unet-seresnext50_pre-post_xview2.py',
        inputs=_damage_teacher,
        extract_student=True,
        evaluate=_evaluate,
        profile=_profile),
    damage_kd_transfer=dict(
        type='Train',
        config=_cfg + 'damage-kd_unet-seresnext50_pre-post_xview2.py',
        inputs=dict(_damage_teacher, **_transfer),
        extract_student=True,
        evaluate=_evaluate),
    damage_two=dict(
        type='Train',
        config=_cfg + 'damage-kd-twoteacher_unet-seresnext50_pre-post_xview2.py',
        inputs=_two_teachers,
        extract_student=True,
        evaluate=_evaluate),
    damage_two_transfer=dict(
        type='Train',
        config=_cfg + 'damage-kd-twoteacher_unet-seresnext50_pre-post_xview2.py',
        inputs=dict(_two_teachers, **_transfer),
        extract_student=True,
        evaluate=_evaluate))
_columns = [
    dict(label='score', split='test', metric='score', scale=100),
    dict(label='F1_loc', split='test', metric='localization_f1', scale=100),
    dict(label='F1_dmg', split='test', metric='damage_f1', scale=100),
    dict(label='IoU_loc', split='test', metric='localization_iou', scale=100),
    dict(label='params (M)', split='profile', metric='params', scale=1e-6, fmt='.2f'),
    dict(label='CPU ms', split='profile', metric='eager_ms', fmt='.0f'),
]
report = dict(
    title='xView2 building damage, test split (%); damage rows: the official xView2 score',
    rows=dict(
        loc_tune='Localisation teacher, tuned (pre)',
        loc_student='Localisation student alone (onlyS)',
        loc_kd='Localisation student, T-S',
        damage_tune='Damage teacher, tuned (pre + post)',
        damage_student='Damage student alone (onlyS)',
        damage_student_transfer='Damage student alone, transfer',
        damage_kd='Damage student, T-S',
        damage_kd_transfer='Damage student, T-S, transfer',
        damage_two='Damage student, TwoTeacher',
        damage_two_transfer='Damage student, TwoTeacher, transfer'),
    columns=_columns,
    time=True)
