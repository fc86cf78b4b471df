# Faster R-CNN R50-FPN as in the original CMKD detector code (Seeing Through Fog): every backbone
# stage trainable, torchvision's test-time defaults (score 0.05, NMS 0.5, 100 detections,
# 2000/1000 RPN proposals in training/testing). The class count comes from the pairing config's
# `classes` ('pair:num_classes', utils/modality_pair.py).
_base_ = 'mmdet::_base_/models/faster-rcnn_r50_fpn.py'

# The original code starts from torchvision's COCO Faster R-CNN; this is mmdet's COCO counterpart.
# It is loaded by the whole detector's init_cfg (InflatedPretrained), which inflates conv1 for
# inputs with other than 3 channels; the box head of another class count is left to its own init.
coco_detector_ckpt = (
    'https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/'
    'faster_rcnn_r50_fpn_1x_coco/faster_rcnn_r50_fpn_1x_coco_20200130-047c8118.pth')
model = dict(
    init_cfg=dict(type='InflatedPretrained', checkpoint=coco_detector_ckpt, inflate='mean'),
    backbone=dict(frozen_stages=-1, init_cfg=None),
    roi_head=dict(bbox_head=dict(num_classes='pair:num_classes')),
    train_cfg=dict(rpn_proposal=dict(nms_pre=2000, max_per_img=2000)),
    test_cfg=dict(
        rpn=dict(nms_pre=1000, max_per_img=1000),
        rcnn=dict(score_thr=0.05, nms=dict(type='nms', iou_threshold=0.5), max_per_img=100)))
