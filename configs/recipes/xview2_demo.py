# xView2 building damage at demo size (bash tools/demo.sh xview2): procedural pre/post scenes in
# the xBD layout (data/demo/xview2: 48 train, 16 hold, 16 test tiles of 256x256), the localisation
# teacher (pre image -> buildings), the localisation student (half the decoder widths) trained
# alone and taught by the teacher (T-S: soft BCE + combo + teacher-weighted likelihood, T = 2),
# and the siamese damage teacher (pre + post -> background and 4 damage levels); narrow
# ResNet-18 UNets, 60 epochs each on CPU; validated on hold, tested on test with the official
# xView2 score (the damage model's own localisation).
data_root = 'data/demo/xview2'
seed = 0
prepare = dict(
    data=dict(type='DemoData', kind='xview2', options=dict(
        splits=dict(train=48, hold=16, test=16), size=256)))
_cfg = 'configs/building_damage/'
_evaluate = ['val', 'test']
stages = dict(
    loc=dict(type='Train', config=_cfg + 'loc_unet-r18_xview2_demo.py', evaluate=_evaluate),
    loc_student=dict(
        type='Train', config=_cfg + 'loc-student_unet-r18_xview2_demo.py', evaluate=_evaluate),
    loc_kd=dict(
        type='Train', config=_cfg + 'loc-kd_unet-r18_xview2_demo.py',
        inputs={'model.teacher_ckpt': 'loc.best'}, extract_student=True, evaluate=_evaluate),
    damage=dict(type='Train', config=_cfg + 'damage_unet-r18_xview2_demo.py',
                evaluate=_evaluate))
report = dict(
    title='xView2 building damage demo (xBD layout, 256x256 tiles), test split (%)',
    rows=dict(
        loc='Localisation teacher (pre)', loc_student='Localisation student alone (pre)',
        loc_kd='Localisation student, T-S (pre)', damage='Damage teacher (pre + post)'),
    columns=[
        dict(label='F1_loc', split='test', metric='localization_f1', scale=100),
        dict(label='IoU_loc', split='test', metric='localization_iou', scale=100),
        dict(label='F1_dmg', split='test', metric='damage_f1', scale=100),
        dict(label='score', split='test', metric='score', scale=100),
        dict(label='val score', split='val', metric='score', scale=100),
    ],
    time=True)
