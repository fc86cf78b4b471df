# configs/recipes/xview2.py at demo size (bash tools/demo.sh xview2): procedural pre/post scenes
# in the xBD layout (data/demo/xview2: 48 train, 16 hold, 16 test tiles of 256x256), masks
# written from their label JSONs, narrow ResNet-18 UNets trained 60 epochs each on CPU, no
# tuning stages (the teachers hand over their best checkpoints directly):
#   loc / damage            localisation teacher (pre) and siamese damage teacher (pre + post)
#   loc_student / loc_kd    localisation student alone and taught by the teacher (T-S)
#   damage_student          damage student alone (onlyS)
#   damage_kd               T-S with transfer from loc_kd (the xView2 KD code's experiment
#                           setting)
#   damage_two              TwoTeacher: damage and localisation teachers at once, no transfer
# Validated on hold, tested on test with the official xView2 score; the table also gives each
# model's parameters and CPU latency at 256x256 (batch 1).
_base_ = ['./xview2.py']
data_root = 'data/demo/xview2'
seed = 0
prepare = dict(
    _delete_=True,
    data=dict(
        type='DemoData',
        kind='xview2',
        options=dict(splits=dict(train=48, hold=16, test=16), size=256)),
    masks=dict(type='XView2Masks', splits=['train', 'hold', 'test']))
_cfg = 'configs/building_damage/'
_evaluate = ['val', 'test']
_profile = dict(shape=(256, 256), iters=5, onnx=False)
stages = dict(
    _delete_=True,
    loc=dict(
        type='Train',
        config=_cfg + 'loc-teacher_unet-r18_pre_xview2_demo.py',
        evaluate=_evaluate,
        profile=_profile),
    loc_student=dict(
        type='Train',
        config=_cfg + 'loc-baseline_unet-r18_pre_xview2_demo.py',
        evaluate=_evaluate,
        profile=_profile),
    loc_kd=dict(
        type='Train',
        config=_cfg + 'loc-kd_unet-r18_pre_xview2_demo.py',
        inputs={'model.teacher_ckpt': 'loc.best'},
        extract_student=True,
        evaluate=_evaluate,
        profile=_profile),
    damage=dict(
        type='Train',
        config=_cfg + 'damage-teacher_unet-r18_pre-post_xview2_demo.py',
        evaluate=_evaluate,
        profile=_profile),
    damage_student=dict(
        type='Train',
        config=_cfg + 'damage-baseline_unet-r18_pre-post_xview2_demo.py',
        evaluate=_evaluate,
        profile=_profile),
    damage_kd=dict(
        type='Train',
        config=_cfg + 'damage-kd_unet-r18_pre-post_xview2_demo.py',
        inputs={
            'model.teacher_ckpt': 'damage.best',
            'model.architecture.init_cfg.checkpoint': 'loc_kd.student'
        },
        extract_student=True,
        evaluate=_evaluate,
        profile=_profile),
    damage_two=dict(
        type='Train',
        config=_cfg + 'damage-kd-twoteacher_unet-r18_pre-post_xview2_demo.py',
        inputs={
            'model.teacher.teachers.damage.ckpt': 'damage.best',
            'model.teacher.teachers.loc.ckpt': 'loc.best'
        },
        extract_student=True,
        evaluate=_evaluate,
        profile=_profile))
report = dict(
    _delete_=True,
    title='xView2 building damage demo (xBD layout, 256x256 tiles), test split (%); CPU ms '
    'at 256x256',
    rows=dict(
        loc='Localisation teacher (pre)',
        loc_student='Localisation student alone (onlyS)',
        loc_kd='Localisation student, T-S',
        damage='Damage teacher (pre + post)',
        damage_student='Damage student alone (onlyS)',
        damage_kd='Damage student, T-S, transfer',
        damage_two='Damage student, TwoTeacher'),
    columns=_base_._columns,
    time=True)
