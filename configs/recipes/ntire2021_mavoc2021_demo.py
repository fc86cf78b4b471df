# ntire2021_mavoc2021.py at demo size (bash tools/demo.sh mavoc): procedural SAR/EO chips in the
# 2021 layout (data/demo/mavoc2021, with test labels) and the *_mavoc2021_demo.py configs
# (narrow random-init ResNet-18, 12 epochs); the balancing keeps k = 5 of the 50 test chips.
_base_ = ['./ntire2021_mavoc2021.py']
data_root = 'data/demo/mavoc2021'
cfg_options = {'test_dataloader.dataset.label_file': 'test_labels.csv'}
prepare = dict(data=dict(type='DemoData', kind='mavoc2021'))
_cls = 'configs/classification/ntire2021/'
_balancing = dict(k=5)
stages = dict(
    eo=dict(config=_cls + 'baseline_resnet18_eo_mavoc2021_demo.py'),
    sar=dict(config=_cls + 'teacher_resnet18_sar_mavoc2021_demo.py'),
    kd1=dict(config=_cls + 'kd1_resnet18_sar-to-eo_mavoc2021_demo.py'),
    kd2=dict(
        body=dict(
            eo_step=dict(config=_cls + 'kd2-eo-step_resnet18_sar-to-eo_mavoc2021_demo.py'),
            sar_step=dict(config=_cls + 'kd2-sar-step_resnet18_eo-to-sar_mavoc2021_demo.py'))),
    kd1_pp_eval=dict(
        val_evaluator=dict(balancing=_balancing), test_evaluator=dict(balancing=_balancing)))
report = dict(title='NTIRE 2021 MAVOC demo (2021 layout), top-1 of the final EO model (%)')
