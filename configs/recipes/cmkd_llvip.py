# LLVIP: check the data, then teacher (visible + infrared), baseline (infrared) and the CMKD-Adv
# infrared student taught by the teacher's best checkpoint.
#   python tools/run_recipe.py configs/recipes/cmkd_llvip.py --data-root data/llvip
_base_ = ['./pair_det.py']
data_root = 'data/llvip'
stages = dict(
    teacher=dict(config='configs/pairs/llvip/teacher_faster-rcnn-r50-fpn_rgb-ir_llvip.py'),
    baseline=dict(config='configs/pairs/llvip/baseline_faster-rcnn-r50-fpn_ir_llvip.py'),
    student=dict(config='configs/pairs/llvip/cmkd-adv_faster-rcnn-r50-fpn_rgb-ir-to-ir_llvip.py'))
report = dict(
    title='LLVIP pedestrians, COCO bbox mAP (%)',
    rows=dict(
        teacher='Teacher (visible + infrared)',
        baseline='Baseline (infrared)',
        student='CMKD-Adv (infrared)'))
