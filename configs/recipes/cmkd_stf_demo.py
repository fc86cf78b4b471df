# cmkd_stf.py at demo size (bash tools/demo.sh det): procedural night/fog scenes in the official
# STF layout, written to data/demo/stf with their COCO json, and the *_stf_demo.py configs
# (narrow ResNet-18 Faster R-CNN, random init, 8 epochs). Seed 0 in every stage.
_base_ = ['./cmkd_stf.py']
data_root = 'data/demo/stf'
seed = 0
prepare = dict(_delete_=True, data=dict(type='DemoData', kind='stf'))
stages = dict(
    teacher=dict(config='configs/detection/teacher_faster-rcnn-r18-fpn_rgb-gated_stf_demo.py'),
    baseline=dict(config='configs/detection/baseline_faster-rcnn-r18-fpn_rgb_stf_demo.py'),
    cmkd_mse=dict(
        config='configs/detection/cmkd-mse_faster-rcnn-r18-fpn_rgb-gated-to-rgb_stf_demo.py'),
    cmkd_adv=dict(
        config='configs/detection/cmkd-adv_faster-rcnn-r18-fpn_rgb-gated-to-rgb_stf_demo.py'))
report = dict(title='Seeing Through Fog demo (official layout, night/fog), COCO bbox mAP (%)')
