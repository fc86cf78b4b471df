# Baseline: Faster R-CNN R50-FPN on RGB only (student_modalities of the data base), no
# distillation. The same detector, data and schedule as the teacher and the distilled students.
_base_ = [
    '../_base_/methods/baseline_faster-rcnn-r50-fpn.py', '../_base_/datasets/stf_night.py',
    '../_base_/schedules/stf_sgd_step.py'
]
