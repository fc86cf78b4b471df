# The RGB-thermal FCN family on MFNet-layout demo data (bash tools/demo.sh seg): a narrow
# ResNet-18 FCN teacher on RGB + thermal, the thermal baseline, and two thermal students taught
# by the teacher's best checkpoint (feature MSE + channel-wise logits KD; a discriminator behind
# gradient reversal). 400 iterations each on CPU, seed 0; every model is validated and tested.
# The configs are demo-size only (configs/demo/); for the full-size thermal method see
# cekd_mfnet.py.
data_root = 'data/demo/mfnet'
seed = 0
cfg_options = {'default_hooks.logger.interval': 100}
prepare = dict(data=dict(type='DemoData', kind='mfnet'))
_evaluate = ['val', 'test']
_teacher = {'model.teacher_ckpt': 'teacher.best'}
stages = dict(
    teacher=dict(
        type='Train',
        config='configs/demo/teacher_fcn-r18_rgb-thermal_mfnet_demo.py',
        evaluate=_evaluate),
    baseline=dict(
        type='Train',
        config='configs/demo/baseline_fcn-r18_thermal_mfnet_demo.py',
        evaluate=_evaluate),
    cmkd=dict(
        type='Train',
        config='configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py',
        inputs=_teacher,
        extract_student=True,
        evaluate=_evaluate),
    cmkd_adv=dict(
        type='Train',
        config='configs/demo/cmkd-adv_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py',
        inputs=_teacher,
        extract_student=True,
        evaluate=_evaluate))
report = dict(
    title='RGB-thermal segmentation demo (MFNet layout), mIoU over 9 classes (%)',
    rows=dict(
        teacher='Teacher (RGB + thermal)',
        baseline='Baseline (thermal)',
        cmkd='CMKD (thermal)',
        cmkd_adv='CMKD-Adv (thermal)'),
    columns=[
        dict(label='val mIoU', split='val', metric='mIoU'),
        dict(label='test mIoU', split='test', metric='mIoU'),
        dict(label='test mAcc', split='test', metric='mAcc'),
    ],
    time=True)
