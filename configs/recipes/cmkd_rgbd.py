# RGB + depth segmentation: check the data, then teacher (RGB + depth), baseline (depth) and two
# depth students taught by the teacher's best checkpoint (CMKD MSE + CWD; CMKD-Adv).
#   python tools/run_recipe.py configs/recipes/cmkd_rgbd.py --data-root data/rgbd
_base_ = ['./pair_seg.py']
data_root = 'data/rgbd'
_pairs = 'configs/pairs/rgbd/'
stages = dict(
    teacher=dict(config=_pairs + 'teacher_fcn-r18_rgb-depth_rgbd.py'),
    baseline=dict(config=_pairs + 'baseline_fcn-r18_depth_rgbd.py'),
    student=dict(config=_pairs + 'cmkd-mse-cwd_fcn-r18_rgb-depth-to-depth_rgbd.py'),
    cmkd_adv=dict(
        type='Train',
        config=_pairs + 'cmkd-adv_fcn-r18_rgb-depth-to-depth_rgbd.py',
        inputs={'model.teacher_ckpt': 'teacher.best'},
        extract_student=True,
        evaluate=['val', 'test']))
report = dict(
    title='RGB + depth indoor segmentation, mIoU over 4 classes (%)',
    rows=dict(
        teacher='Teacher (RGB + depth)',
        baseline='Baseline (depth)',
        student='CMKD MSE + CWD (depth)',
        cmkd_adv='CMKD-Adv (depth)'))
