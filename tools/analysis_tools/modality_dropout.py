#!/usr/bin/env python
"""Evaluate a multi-sensor model with one sensor missing or degraded, against the student.

Tests CONFIG / CHECKPOINT on the config's test split (``test_dataloader`` / ``test_evaluator``,
like ``tools/test.py``) with all its sensors, then with the sensor ``--drop`` failed in each
``--mode`` (``cmkd_mm.models.data_preprocessors.modality_failure``):

* ``zero``: the sensor delivers black frames (raw value 0, ``(0 - mean) / std`` normalised);
* ``mean``: the missing sensor is imputed with its training mean (0 normalised);
* ``noise``: additive Gaussian noise of sigma ``--level`` x the modality's std, seeded (``--seed``).

``--compare STUDENT_CONFIG STUDENT_CKPT`` adds the single-sensor student (a plain model, or a
distillation config and checkpoint: its deployed student), tested on the same data. One markdown
row per model / mode, one column per scalar test metric (``--metrics`` to choose); ``--out`` writes
the numbers as JSON. ``--drop gated`` fails every numbered modality of a sensor (gated0-2).
CONFIG is evaluated as ``tools/test.py`` would: for a distillation config that is its deployed
student; to fail a sensor of the teacher pass the teacher's own config and checkpoint.

Examples::

    python tools/analysis_tools/modality_dropout.py \\
        configs/detection/teacher_faster-rcnn-r18-fpn_rgb-gated_stf_demo.py \\
        work_dirs/teacher_faster-rcnn-r18-fpn_rgb-gated_stf_demo/epoch_8.pth \\
        --drop gated --mode zero mean noise \\
        --compare configs/detection/cmkd-mse_faster-rcnn-r18-fpn_rgb-gated-to-rgb_stf_demo.py \\
        work_dirs/cmkd-mse_faster-rcnn-r18-fpn_rgb-gated-to-rgb_stf_demo/epoch_8.pth
    python tools/analysis_tools/modality_dropout.py \\
        configs/demo/teacher_fcn-r18_rgb-thermal_mfnet_demo.py teacher.pth --drop rgb --mode zero \\
        --compare configs/demo/baseline_fcn-r18_thermal_mfnet_demo.py student.pth \\
        --metrics mIoU --out results.json
"""
import argparse
import os.path as osp
import sys

from mmengine.config import DictAction

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FAILURE_MODES = ('zero', 'mean', 'noise')  # cmkd_mm's, before cmkd_mm is imported


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Test a multi-sensor model with one sensor failed, against the student')
    parser.add_argument('config', help='config of the multi-sensor model (e.g. the teacher)')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument(
        '--drop',
        nargs='+',
        required=True,
        help='sensor(s) to fail: modality names, or a sensor stored as numbered modalities '
        '(gated = gated0, gated1, gated2)')
    parser.add_argument(
        '--mode',
        nargs='+',
        choices=FAILURE_MODES,
        default=['zero'],
        help='failure mode(s), one row each (default: zero)')
    parser.add_argument(
        '--level',
        type=float,
        default=1.0,
        help='noise sigma in units of the modality\'s std (noise mode; default 1.0)')
    parser.add_argument('--seed', type=int, default=0, help='random seed of the noise (default 0)')
    parser.add_argument(
        '--compare',
        nargs=2,
        metavar=('STUDENT_CONFIG', 'STUDENT_CKPT'),
        help='the single-sensor student to compare with, tested on the same data')
    parser.add_argument(
        '--allow-different-data',
        action='store_true',
        help='compare even when the student\'s test split is not the same data (warns)')
    parser.add_argument(
        '--metrics', nargs='+', help='metrics to show (default: every scalar test metric)')
    parser.add_argument(
        '--work-dir', help='where the test runs log (default work_dirs/modality_dropout/<config>)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of both configs, xxx=yyy (e.g. the test data_root)')
    parser.add_argument('--out', help='write the numbers to this .json file')
    args = parser.parse_args(argv)
    if args.out is not None and not args.out.endswith('.json'):
        parser.error(f'--out must be a .json file, got {args.out!r}')
    return args


def import_plugin():
    """Import ``cmkd_mm`` (registers modules, applies torch-2 shims)."""
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)
    import cmkd_mm  # noqa: F401


def main(argv=None):
    args = parse_args(argv)
    import_plugin()
    from cmkd_mm.robustness.modality_dropout import compare, dump_result, failure_table
    result = compare(
        args.config,
        args.checkpoint,
        drop=args.drop,
        modes=args.mode,
        student=tuple(args.compare) if args.compare else None,
        level=args.level,
        seed=args.seed,
        metrics=args.metrics,
        work_dir=args.work_dir,
        cfg_options=args.cfg_options,
        allow_different_data=args.allow_different_data)
    print(failure_table(result))
    if args.out:
        dump_result(result, args.out)
        print(f'numbers written to {args.out}')
    return result


if __name__ == '__main__':
    main()
