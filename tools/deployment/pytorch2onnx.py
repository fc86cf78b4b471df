#!/usr/bin/env python
"""Export a segmentation, classification or detection model to ONNX, normalisation folded in.

The model is the config's: a plain model (teacher, baseline, extracted student) or, for a
distillation config, its student on the student view (the ``architecture.*`` weights of the
checkpoint). The ONNX graph takes the raw input view, the view's modalities concatenated on the
channels in their native units (e.g. ``[pre RGB, post RGB]`` 0-255 for the xView2 damage model,
one thermal channel for an MFNet student) and returns the logits: segmentation ``(N, classes,
H, W)`` at the input size, classification ``(N, classes)``. The batch axis is dynamic;
``--dynamic-shape`` makes height and width dynamic too (not for models whose graph depends on the
input size, such as the EKNet's adaptive pooling).

A two-stage detector (Faster R-CNN) becomes one graph from one image ``(1, C, H, W)`` of the
``--shape`` size (the size after the test pipeline's resize, e.g. 180 320 for the Seeing Through
Fog demo) to ``boxes`` ``(K, 4)``, ``scores`` ``(K,)`` and ``labels`` ``(K,)`` in that image's
frame, with the proposals, RoIAlign, NMS and thresholds of the model's ``test_cfg``
(``--cfg-options model.test_cfg.rcnn.score_thr=...`` changes them);
``cmkd_mm.deployment.postprocess_detections`` scales the boxes back to the original image.

The file is checked with ``onnx.checker``, and onnxruntime is run against PyTorch on random
input (``--verify-shape`` for another size than the traced one): the largest absolute difference
of the outputs is printed and must stay within ``--tolerance``. A detector is compared with
mmdet's own ``predict`` instead: every detection must pair with one of the same label (IoU >=
0.99), and the largest score difference must stay within ``--tolerance``.

Examples::

    python tools/deployment/pytorch2onnx.py \\
        configs/building_damage/damage-kd_unet-seresnext50_pre-post_xview2.py \\
        work_dirs/damage_kd/best.pth \\
        --output-file damage_student.onnx --shape 1024 1024
    python tools/deployment/pytorch2onnx.py \\
        configs/classification/ntire2021/kd1_resnet34_eo-to-sar_mavoc2021.py \\
        work_dirs/kd1/best.pth --output-file sar_student.onnx --shape 52 52
    python tools/deployment/pytorch2onnx.py \\
        configs/detection/cmkd-adv_faster-rcnn-r18-fpn_rgb-gated-to-rgb_stf_demo.py \\
        work_dirs/cmkd_stf_demo/cmkd_adv/epoch_8.pth --output-file rgb_student.onnx --shape 180 320
"""
import argparse
import os.path as osp
import sys
import tempfile
from typing import Optional, Sequence

from mmengine.config import DictAction

from cmkd_mm.deployment.detector_onnx import NormalizedDetector, onnx_detection_diff
from cmkd_mm.deployment.onnx_export import (NormalizedModel, export_onnx, load_deployable,
                                            model_task, onnx_max_abs_diff, random_view)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='model or distillation config')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint (none: initial weights)')
    parser.add_argument(
        '--output-file',
        default=None,
        help='ONNX file (default: <config name>.onnx in the working directory)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[512, 512],
        metavar=('H', 'W'),
        help='traced input height and width (default: 512 512; a detector: the size after '
        'the test pipeline\'s resize)')
    parser.add_argument('--opset-version', type=int, default=17, help='ONNX opset (default 17)')
    parser.add_argument(
        '--dynamic-shape',
        action='store_true',
        help='height and width as dynamic axes (segmentation)')
    parser.add_argument(
        '--channels',
        nargs='+',
        action=DictAction,
        default=None,
        metavar='MODALITY=N',
        help='channels of a modality normalised with one value for all '
        'channels (default 1)')
    parser.add_argument('--no-verify', action='store_true', help='skip the onnxruntime comparison')
    parser.add_argument(
        '--verify-shape',
        type=int,
        nargs=2,
        default=None,
        metavar=('H', 'W'),
        help='input size of the comparison (default: --shape)')
    parser.add_argument(
        '--verify-batch',
        type=int,
        default=None,
        help='batch of the comparison (default 2, exercising the dynamic axis; detectors: 1)')
    parser.add_argument(
        '--max-value',
        type=float,
        default=255.,
        help='the random comparison input is uniform in [0, max] (default 255)')
    parser.add_argument(
        '--tolerance',
        type=float,
        default=1e-3,
        help='largest accepted |onnxruntime - PyTorch| (default 1e-3; detectors: of the '
        'scores)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args(argv)


def verify_detector(args: argparse.Namespace, wrapped: NormalizedDetector, out: str,
                    channels: dict) -> dict:
    """Compare onnxruntime's detections with mmdet's ``predict`` on one random image.

    A random image may give no detection above ``rcnn.score_thr`` (a trained detector): then a
    copy of the graph with ``score_thr=0``, traced into a temporary folder, is compared instead,
    the same graph but for that constant.
    """
    if (args.verify_shape or args.shape) != args.shape or (args.verify_batch or 1) != 1:
        sys.exit('a detector graph takes one image of the traced size: leave --verify-shape and '
                 '--verify-batch out')
    image = random_view(wrapped, args.shape, 1, high=args.max_value)
    diff, note = onnx_detection_diff(wrapped, out, image), ''
    test_cfg = wrapped.model.roi_head.test_cfg
    if not diff['num_reference'] and test_cfg.score_thr > 0:
        saved, test_cfg.score_thr = test_cfg.score_thr, 0.
        try:
            copy = NormalizedDetector(wrapped.model, channels)
            with tempfile.TemporaryDirectory() as tmp:
                path = export_onnx(
                    copy, osp.join(tmp, 'score_thr_0.onnx'), args.shape, opset=args.opset_version)
                diff = onnx_detection_diff(copy, path, image)
        finally:
            test_cfg.score_thr = saved
        note = f' (none above score_thr {saved:g}: a copy of the graph with score_thr 0)'
    print(f'onnxruntime vs mmdet predict on {tuple(image.shape)}{note}: {diff["matched"]} of '
          f'{diff["num_reference"]} detections paired (onnxruntime gave {diff["num_other"]}), '
          f'min IoU {diff["min_iou"]:.6f}, max abs difference of the scores '
          f'{diff["max_score_diff"]:.3g}, of the boxes {diff["max_box_diff"]:.3g} px, tolerance '
          f'{args.tolerance:g}')
    if not diff['matched'] == diff['num_reference'] == diff['num_other'] \
            or diff['max_score_diff'] > args.tolerance:
        print('onnxruntime and mmdet disagree beyond the tolerance', file=sys.stderr)
        sys.exit(1)
    return diff


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    model, _ = load_deployable(args.config, args.checkpoint, args.cfg_options)
    channels = {k: int(v) for k, v in (args.channels or {}).items()}
    detector = model_task(model) == 'detection'
    wrapped = (NormalizedDetector if detector else NormalizedModel)(model, channels)
    out = args.output_file or osp.splitext(osp.basename(args.config))[0] + '.onnx'
    export_onnx(
        wrapped, out, args.shape, opset=args.opset_version, dynamic_shape=args.dynamic_shape)
    layout = ' + '.join(f'{name} ({num} ch)' for name, num in wrapped.modalities)
    if detector:
        print(f'{out}: detection model, input "input" (1, {wrapped.in_channels}, '
              f'{args.shape[0]}, {args.shape[1]}) = {layout} in native units, outputs "boxes" '
              '(K, 4), "scores" (K,), "labels" (K,) in the input\'s frame; onnx.checker passed')
    else:
        print(f'{out}: {wrapped.task} model, input "input" (N, {wrapped.in_channels}, H, W) = '
              f'{layout} in native units, output "output" = logits; onnx.checker passed')
    result = dict(file=out, task=wrapped.task, modalities=wrapped.modalities)
    if not args.no_verify and detector:
        result.update(verify_detector(args, wrapped, out, channels))
    elif not args.no_verify:
        shape = args.verify_shape or args.shape
        inputs = random_view(wrapped, shape, args.verify_batch or 2, high=args.max_value)
        diff, scale = onnx_max_abs_diff(wrapped, out, inputs)
        print(f'onnxruntime vs PyTorch on {tuple(inputs.shape)}: max abs difference '
              f'{diff:.3g} (outputs up to {scale:.3g}), tolerance {args.tolerance:g}')
        result.update(max_abs_diff=diff, max_abs_output=scale)
        if diff > args.tolerance:
            print('onnxruntime and PyTorch disagree beyond the tolerance', file=sys.stderr)
            sys.exit(1)
    return result


if __name__ == '__main__':
    main()
