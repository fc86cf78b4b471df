"""Convert the torchvision Faster R-CNN R50-FPN of the original CMKD detector code (Seeing
Through Fog) to cmkd_mm models.

The original CMKD detector code,
``AlirezaRahimpour/Cross-Modality-Knowledge-Distillation-for-Robust-Pedestrian-Detection``
(``build_model`` in ``train_*.py``), builds torchvision's ``fasterrcnn_resnet50_fpn`` (COCO
weights, ``FrozenBatchNorm2d`` with ``eps=0``), replaces ``backbone.body.conv1`` by a
fresh ``Conv2d(in_channels, 64, 7, 2, 3, bias=False)`` (6 channels, RGB + gated0-2, for the
teacher; 3 for the baseline and the students) and the box predictor by
``FastRCNNPredictor(1024, 2)`` (background + pedestrian). Its files (``teacher_Net.pth`` etc.)
are ``torch.save(model.state_dict())`` of that model.

The targets are the models of ``configs/detection/*_stf.py`` (mmdet ``FasterRCNN``: ``ResNet``,
``FPN``, ``RPNHead``, ``Shared2FCBBoxHead``, one class).

Not weight differences, but output ones that a converter cannot remove: torchvision rounds its
base anchors to whole pixels (mmdet keeps them fractional, e.g. 45.25 x 22.63 instead of 46 x 22
at P2, ratio 0.5) and derives each level's anchor stride from ``padded size // feature size``
(mmdet: the fixed 4..64, e.g. 61 instead of 64 on P6 of a 864-wide batch); its ``RoIAlign`` is
``aligned=False, sampling_ratio=2`` where our config has mmcv's ``aligned=True,
sampling_ratio=0``. The weights themselves convert exactly (``tests/test_zoo/
test_convert_stf.py`` checks the FPN, the RPN head, the box head and the frozen BNs against
torchvision's formulas).
"""
import os.path as osp
from collections import OrderedDict
from typing import Dict

import torch

from .base import (check_complete, fill_num_batches_tracked, load_source, rename, save_converted,
                   target_model)

#: torchvision's ``FrozenBatchNorm2d`` eps in the COCO detectors (``overwrite_eps(model, 0.0)``).
ORIGINAL_BN_EPS = 0.0
#: mmdet ``ResNet`` (``nn.BatchNorm2d``) eps.
MMDET_BN_EPS = 1e-5

# Ordered rules, original key -> ours. ``(?:0\.)?`` / ``(?:0\.0\.)?``: torchvision >= 0.13 wraps the
# FPN and RPN convs in ``Conv2dNormActivation`` (``inner_blocks.0.0.weight``,
# ``rpn.head.conv.0.0.weight``); the original code's torchvision 0.12 has ``inner_blocks.0.weight``,
# ``rpn.head.conv.weight``. Both are accepted.
RULES = [
    (r'backbone\.body\.(.+)', r'backbone.\1'),
    (r'backbone\.fpn\.inner_blocks\.(\d+)\.(?:0\.)?(weight|bias)',
     r'neck.lateral_convs.\1.conv.\2'),
    (r'backbone\.fpn\.layer_blocks\.(\d+)\.(?:0\.)?(weight|bias)', r'neck.fpn_convs.\1.conv.\2'),
    (r'rpn\.head\.conv\.(?:0\.0\.)?(weight|bias)', r'rpn_head.rpn_conv.\1'),
    (r'rpn\.head\.cls_logits\.(weight|bias)', r'rpn_head.rpn_cls.\1'),
    (r'rpn\.head\.bbox_pred\.(weight|bias)', r'rpn_head.rpn_reg.\1'),
    (r'roi_heads\.box_head\.fc6\.(weight|bias)', r'roi_head.bbox_head.shared_fcs.0.\1'),
    (r'roi_heads\.box_head\.fc7\.(weight|bias)', r'roi_head.bbox_head.shared_fcs.1.\1'),
    (r'roi_heads\.box_predictor\.cls_score\.(weight|bias)', r'roi_head.bbox_head.fc_cls.\1'),
    (r'roi_heads\.box_predictor\.bbox_pred\.(weight|bias)', r'roi_head.bbox_head.fc_reg.\1'),
]


def fold_bn_eps(state: Dict[str, torch.Tensor], src_eps: float, dst_eps: float) -> None:
    """Rescale every backbone BN ``weight`` in place so that a BN with ``dst_eps`` computes what
    the original BN with ``src_eps`` computed: ``w' = w * sqrt((var + dst_eps) / (var + src_eps))``
    (a channel with ``var + src_eps == 0`` is left as it is)."""
    if src_eps == dst_eps:
        return
    for key in [k for k in state if k.startswith('backbone.') and k.endswith('.running_var')]:
        var, weight_key = state[key], key[:-len('running_var')] + 'weight'
        scale = ((var + dst_eps) / (var + src_eps)).sqrt()
        scale = torch.where(var + src_eps > 0, scale, torch.ones_like(var))
        state[weight_key] = state[weight_key] * scale


def convert_stf(state: Dict[str, torch.Tensor],
                num_classes: int = 1,
                src_bn_eps: float = ORIGINAL_BN_EPS,
                dst_bn_eps: float = MMDET_BN_EPS) -> 'OrderedDict[str, torch.Tensor]':
    """Convert an original (torchvision ``fasterrcnn_resnet50_fpn``) state dict to mmdet's
    ``FasterRCNN`` R50-FPN of the STF configs.

    Mapping (original key -> ours):

    * ``backbone.body.*`` (torchvision ResNet-50 behind ``IntermediateLayerGetter``) ->
      ``backbone.*``: ``conv1``, ``bn1``, ``layer1..4.<i>.conv1..3 / bn1..3 / downsample.0..1``
      have the same names and shapes in mmdet's ``ResNet`` (both stride the 3x3 conv). The
      original ``conv1`` (64 x 6 x 7 x 7 for the teacher, 64 x 3 x 7 x 7 otherwise) is copied as
      it is: its input channels are RGB (``torchvision.io.read_image``) then gated0, gated1,
      gated2, the order of our views (``teacher_modalities``), so no channel is moved.
    * ``FrozenBatchNorm2d`` holds ``weight, bias, running_mean, running_var`` and no
      ``num_batches_tracked``: that buffer is filled with 0. Its eps is 0 in the original code
      (``overwrite_eps(model, 0.0)``), ours 1e-5: the BN weights are rescaled
      (:func:`fold_bn_eps`) so that every BN gives the original output.
    * ``backbone.fpn.inner_blocks.<i>`` / ``layer_blocks.<i>`` (also ``.<i>.0``) ->
      ``neck.lateral_convs.<i>.conv`` / ``neck.fpn_convs.<i>.conv``. torchvision's extra level
      ``pool`` (``max_pool2d(P5, 1, 2)``) is mmdet's ``num_outs=5`` max-pool: no weights.
    * ``rpn.head.conv`` (also ``conv.0.0``) / ``cls_logits`` / ``bbox_pred`` ->
      ``rpn_head.rpn_conv`` / ``rpn_cls`` / ``rpn_reg``, channels unchanged: both frameworks put
      the 3 anchors of a location in the order of the aspect ratios (0.5, 1, 2), ratio = h / w,
      one size per level (torchvision 32..512 = mmdet strides 4..64 x scale 8); objectness
      channel ``a`` and deltas ``4a..4a+3`` = (dx, dy, dw, dh) belong to anchor ``a`` in both
      (torchvision ``view(N, A, 4, H, W)``, mmdet ``permute(1, 2, 0).reshape(-1, 4)``), with
      the same box coder (weights / stds 1).
    * ``roi_heads.box_head.fc6`` / ``fc7`` -> ``roi_head.bbox_head.shared_fcs.0`` / ``.1``: both
      flatten the 256 x 7 x 7 RoI features channel-major (``flatten(1)``), so the 12544 input
      columns keep their order.
    * ``roi_heads.box_predictor.cls_score`` -> ``fc_cls``: torchvision's class 0 is the
      background, mmdet's background is the last of ``num_classes + 1`` outputs: the rows are
      reordered to (1, ..., num_classes, 0), which keeps every softmax probability.
    * ``roi_heads.box_predictor.bbox_pred`` -> ``fc_reg``: torchvision has 4 rows per class
      including the background, mmdet's class-specific ``fc_reg`` ``4 * num_classes`` rows
      without it: the background's 4 rows are dropped. The deltas are the same numbers:
      torchvision decodes with weights (10, 10, 5, 5), i.e. divides by them, and our config's
      ``target_stds`` (0.1, 0.1, 0.2, 0.2) multiply by their inverses (means 0).

    Args:
        state (dict): Original state dict (``module.`` prefix already removed).
        num_classes (int): Foreground classes (mmdet's ``num_classes``); the original predictor
            has ``num_classes + 1`` outputs. Defaults to 1 (pedestrian).
        src_bn_eps (float): The original BN eps. Defaults to 0 (torchvision's COCO detectors).
        dst_bn_eps (float): Our BN eps. Defaults to 1e-5.

    Returns:
        OrderedDict: The state dict of the cmkd_mm (mmdet) model.
    """
    cls_key, reg_key = 'roi_heads.box_predictor.cls_score.weight', \
        'roi_heads.box_predictor.bbox_pred.weight'
    for key in (cls_key, reg_key, 'backbone.body.conv1.weight'):
        if key not in state:
            raise KeyError(f'{key} not in the source: not a torchvision Faster R-CNN state dict')
    if state[cls_key].shape[0] != num_classes + 1 or \
            state[reg_key].shape[0] != 4 * (num_classes + 1):
        raise ValueError(f'the source predictor has {state[cls_key].shape[0]} classes (with '
                         f'background) and {state[reg_key].shape[0]} box outputs; '
                         f'num_classes={num_classes} needs {num_classes + 1} and '
                         f'{4 * (num_classes + 1)}')
    out = rename(state, RULES)
    for suffix in ('weight', 'bias'):
        cls = out[f'roi_head.bbox_head.fc_cls.{suffix}']
        out[f'roi_head.bbox_head.fc_cls.{suffix}'] = torch.cat([cls[1:], cls[:1]])
        out[f'roi_head.bbox_head.fc_reg.{suffix}'] = \
            out[f'roi_head.bbox_head.fc_reg.{suffix}'][4:].clone()
    fold_bn_eps(out, src_bn_eps, dst_bn_eps)
    return fill_num_batches_tracked(out)


def convert_stf_checkpoint(src: str, out: str, config: str) -> str:
    """Convert a checkpoint of the original CMKD detector code, check that it fills
    ``config``'s model, save it.

    Args:
        src (str): Original checkpoint (e.g. ``weights/teacher_Net.pth``).
        out (str): Output checkpoint (``state_dict`` + ``meta``, as mmengine saves).
        config (str): Config of the target model: the teacher or baseline config, or a
            distillation config (its student). Its ``num_classes`` is used.

    Returns:
        str: ``out``.
    """
    model = target_model(config)
    num_classes = model.roi_head.bbox_head.num_classes
    state = convert_stf(load_source(src), num_classes)
    check_complete(model, state)
    meta = dict(
        source=osp.basename(src),
        config=config,
        num_classes=num_classes,
        converter='cmkd_mm.zoo.converters.stf',
        bn_eps=dict(original=ORIGINAL_BN_EPS, ours=MMDET_BN_EPS))
    return save_converted(state, out, meta)
