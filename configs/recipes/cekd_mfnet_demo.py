# cekd_mfnet.py at demo size (bash tools/demo.sh cekd): the MFNet-layout demo data and the
# *_mfnet_demo.py configs (narrow R18 encoders, 40 epochs), seed 0. The demo scenes hold 4 of
# the 9 MFNet classes, so the mIoU averages over the classes that occur (nan_to_zero=False).
_base_ = ['./cekd_mfnet.py']
data_root = 'data/demo/mfnet'
seed = 0
cfg_options = {'val_evaluator.nan_to_zero': False, 'test_evaluator.nan_to_zero': False}
prepare = dict(data=dict(type='DemoData', kind='mfnet'))
stages = dict(
    teacher=dict(config='configs/segmentation/teacher_cenet-r18_rgb-thermal_mfnet_demo.py'),
    baseline=dict(config='configs/segmentation/baseline_eknet-r18_thermal_mfnet_demo.py'),
    cekd=dict(
        config='configs/segmentation/cekd_cenet-to-eknet-r18_rgb-thermal-to-thermal_mfnet_demo.py'))
report = dict(title='CEKD demo (MFNet layout), mIoU over the classes present (%)')
