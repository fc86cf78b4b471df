# SAR + EO ship chips: check the data, then teacher (SAR + EO), baseline (SAR) and the KD1 SAR
# student taught by the teacher's best checkpoint.
#   python tools/run_recipe.py configs/recipes/cmkd_ships.py --data-root data/ships
_base_ = ['./pair_cls.py']
data_root = 'data/ships'
stages = dict(
    teacher=dict(config='configs/pairs/ships/teacher_resnet34_sar-eo_ships.py'),
    baseline=dict(config='configs/pairs/ships/baseline_resnet34_sar_ships.py'),
    student=dict(config='configs/pairs/ships/kd1_resnet34_sar-eo-to-sar_ships.py'))
report = dict(
    title='SAR + EO ship chips, top-1 accuracy (%)',
    rows=dict(teacher='Teacher (SAR + EO)', baseline='Baseline (SAR)', student='KD1 (SAR)'))
