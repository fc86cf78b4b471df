#!/usr/bin/env python
"""Export a segmentation or classification model to ONNX, normalisation folded in.

The model is the config's: a plain model (teacher, baseline, extracted student) or, for a
distillation config, its student on the student view (the ``architecture.*`` weights of the
checkpoint). The ONNX graph takes the raw input view, the view's modalities concatenated on the
channels in their native units (e.g. ``[pre RGB, post RGB]`` 0-255 for the xView2 damage model,
one thermal channel for an MFNet student) and returns the logits: segmentation ``(N, classes,
H, W)`` at the input size, classification ``(N, classes)``. The batch axis is dynamic;
``--dynamic-shape`` makes height and width dynamic too (not for models whose graph depends on the
input size, such as the EKNet's adaptive pooling).

The file is checked with ``onnx.checker``, and onnxruntime is run against PyTorch on random
input (``--verify-shape`` for another size than the traced one): the largest absolute difference
of the outputs is printed and must stay within ``--tolerance``.

Examples::

    python tools/deployment/pytorch2onnx.py \\
        configs/building_damage/damage-kd_unet-seresnext50_pre-post_xview2.py \\
        work_dirs/damage_kd/best.pth \\
        --output-file damage_student.onnx --shape 1024 1024
    python tools/deployment/pytorch2onnx.py \\
        configs/classification/ntire2021/kd1_resnet34_eo-to-sar_mavoc2021.py \\
        work_dirs/kd1/best.pth --output-file sar_student.onnx --shape 52 52
"""
import argparse
import os.path as osp
import sys
from typing import Optional, Sequence

from mmengine.config import DictAction

from cmkd_mm.deployment.onnx_export import (NormalizedModel, export_onnx, load_deployable,
                                            onnx_max_abs_diff, random_view)


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
        help='traced input height and width (default: 512 512)')
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
        default=2,
        help='batch of the comparison (default 2, exercising the dynamic axis)')
    parser.add_argument(
        '--max-value',
        type=float,
        default=255.,
        help='the random comparison input is uniform in [0, max] (default 255)')
    parser.add_argument(
        '--tolerance',
        type=float,
        default=1e-3,
        help='largest accepted |onnxruntime - PyTorch| (default 1e-3)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    model, _ = load_deployable(args.config, args.checkpoint, args.cfg_options)
    channels = {k: int(v) for k, v in (args.channels or {}).items()}
    wrapped = NormalizedModel(model, channels)
    out = args.output_file or osp.splitext(osp.basename(args.config))[0] + '.onnx'
    export_onnx(
        wrapped, out, args.shape, opset=args.opset_version, dynamic_shape=args.dynamic_shape)
    layout = ' + '.join(f'{name} ({num} ch)' for name, num in wrapped.modalities)
    print(f'{out}: {wrapped.task} model, input "input" (N, {wrapped.in_channels}, H, W) = '
          f'{layout} in native units, output "output" = logits; onnx.checker passed')
    result = dict(file=out, task=wrapped.task, modalities=wrapped.modalities)
    if not args.no_verify:
        shape = args.verify_shape or args.shape
        inputs = random_view(wrapped, shape, args.verify_batch, high=args.max_value)
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
