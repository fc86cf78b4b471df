#!/usr/bin/env python
"""Predict on image files with a trained model and draw the predictions.

A plain config (its test pipeline loads images with ``LoadImageFromFile``; scope mmdet, mmseg or
mmpretrain) runs with the downstream inferencer of its scope, after its ``student_inputs`` (when
it has them) have checked every file; any other config (a student reading named modalities, a
cmkd_mm teacher or baseline, a distillation config: its student) with
``cmkd_mm.apis.MultiModalInferencer``. ``cmkd_mm.apis.inferencer_for`` makes the choice.

Drawings go to ``OUT/vis/`` and predictions to ``OUT/preds/`` (``<name>.json`` of boxes or
classes, ``<name>.png`` label maps), as mmdet's ``demo/image_demo.py`` writes them.

Examples::

    # a thermal segmentation student on one MFNet RGBA file, or on a folder of them
    python tools/inference.py work_dirs/student_thermal.py work_dirs/student_thermal.pth \\
        data/MFNet/images/00001D.png --out-dir outputs
    # the xView2 damage student: a pre and a post image (or two folders, paired by name)
    python tools/inference.py student_damage.py student_damage.pth \\
        --modality pre=pre_disaster/ --modality post=post_disaster/ --out-dir outputs
"""
import argparse
from typing import Optional, Sequence

from mmengine.config import DictAction

from cmkd_mm.apis import check_student_inputs, inferencer_for, is_plain_config, run_inferencer
from cmkd_mm.utils.config import load_config


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Predict on image files and draw the results')
    parser.add_argument('config', help='model config (a student, a plain model, a distillation)')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument(
        'inputs', nargs='*', help='image files or folders (a model reading one modality)')
    parser.add_argument(
        '--modality',
        action='append',
        default=[],
        metavar='NAME=PATH',
        help='a modality file or folder of one sample, e.g. --modality pre=a.png --modality '
        'post=b.png (repeat per modality; folders are paired by file name)')
    parser.add_argument('--out-dir', default='outputs', help='output folder (default: outputs)')
    parser.add_argument('--device', default=None, help='torch device (default: cuda if any)')
    parser.add_argument('--batch-size', type=int, default=1, help='samples per forward pass')
    parser.add_argument('--show', action='store_true', help='show each drawing in a window')
    parser.add_argument('--no-save-vis', action='store_true', help='write no drawing')
    parser.add_argument('--no-save-pred', action='store_true', help='write no prediction')
    parser.add_argument('--print-result', action='store_true', help='print the predictions')
    parser.add_argument(
        '--pred-score-thr', type=float, default=0.3, help='lowest score of a drawn box (detection)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (as tools/test.py)')
    args = parser.parse_args(argv)
    if bool(args.inputs) == bool(args.modality):
        parser.error('give the inputs either as paths or as --modality NAME=PATH, one of them')
    try:
        args.modality = dict(_pair(item) for item in args.modality)
    except ValueError as error:
        parser.error(str(error))
    if args.batch_size < 1:
        parser.error('--batch-size must be at least 1')
    return args


def _pair(item: str):
    name, sep, path = item.partition('=')
    if not (sep and name and path):
        raise ValueError(f'--modality {item}: write NAME=PATH, e.g. thermal=images/00001D.png')
    return name, path


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    inputs = args.modality or (args.inputs[0] if len(args.inputs) == 1 else args.inputs)
    cfg = load_config(args.config, args.cfg_options)
    if is_plain_config(cfg) and cfg.get('student_inputs'):
        check_student_inputs(cfg, inputs)
    inferencer = inferencer_for(cfg, args.checkpoint, args.device)
    result = run_inferencer(
        inferencer,
        inputs,
        out_dir=args.out_dir,
        batch_size=args.batch_size,
        show=args.show,
        no_save_vis=args.no_save_vis,
        no_save_pred=args.no_save_pred,
        print_result=args.print_result,
        pred_score_thr=args.pred_score_thr)
    if args.out_dir and not (args.no_save_vis and args.no_save_pred):
        print(f'results written to {args.out_dir}')
    return result


if __name__ == '__main__':
    main()
