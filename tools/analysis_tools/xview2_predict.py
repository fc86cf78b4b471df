#!/usr/bin/env python
"""xView2 submission from ensembles of localisation and damage models.

Every model runs on the whole tiles of ``--split`` (no resizing), with 4x flip test-time
augmentation unless ``--no-tta``; the models of each task are averaged with equal weights
(without ``--loc`` the building probability is ``1 - p0`` of the damage ensemble), and the
1st-place submission rule turns the probabilities into
``<split>_localization_<id>_prediction.png`` (0/1) and ``<split>_damage_<id>_prediction.png``
(0-4) in ``--out-dir``. When the split is labelled the xView2 score is printed (and written as
JSON with ``--out``). ``cmkd_mm/apis/xview2_inference.py`` and
``cmkd_mm/evaluation/functional/xview2_postprocess.py`` describe the steps.

Examples::

    python tools/analysis_tools/xview2_predict.py \\
        --loc configs/building_damage/loc-teacher_unet-seresnext50_pre_xview2.py loc.pth \\
        --damage configs/building_damage/damage-teacher_unet-seresnext50_pre-post_xview2.py \\
        dmg1.pth \\
        --damage configs/building_damage/damage-teacher_unet-r34_pre-post_xview2.py dmg2.pth \\
        --data-root data/xview2 --split test --out-dir work_dirs/submission --device cuda
"""
import argparse
from typing import Optional, Sequence

from cmkd_mm.apis.xview2_inference import predict_tiles
from cmkd_mm.evaluation.functional.xview2_postprocess import SUBMISSION_THRESHOLDS
from cmkd_mm.evaluation.xview2_score import format_scores, write_scores
from cmkd_mm.utils.deprecation import add_deprecated_flag


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='xView2 ensemble prediction and submission')
    parser.add_argument(
        '--loc',
        nargs=2,
        action='append',
        default=[],
        metavar=('CONFIG', 'CHECKPOINT'),
        help='a localisation model (repeat for an ensemble)')
    parser.add_argument(
        '--damage',
        nargs=2,
        action='append',
        default=[],
        metavar=('CONFIG', 'CHECKPOINT'),
        help='a damage model (repeat for an ensemble; at least one)')
    parser.add_argument('--data-root', required=True, help='folder of the split folders')
    parser.add_argument(
        '--split',
        default='test',
        choices=('train', 'tier3', 'hold', 'test'),
        help='split to predict')
    parser.add_argument(
        '--prefix', choices=('test', 'hold'), help='file-name prefix (default: the split)')
    parser.add_argument('--out-dir', required=True, help='folder of the submission PNGs')
    parser.add_argument('--no-tta', action='store_true', help='no flip test-time augmentation')
    parser.add_argument(
        '--thresholds',
        nargs=3,
        type=float,
        default=SUBMISSION_THRESHOLDS,
        metavar=('T0', 'T1', 'T2'),
        help='building thresholds: alone, with minor/major, with any damage '
        '(default: 0.38 0.13 0.14)')
    parser.add_argument(
        '--dilate', type=int, default=5, help='square grown around minor damage (0: no minor step)')
    add_deprecated_flag(
        parser,
        '--original-precedence',
        '--seed-precedence',
        action='store_true',
        help="relabel classes 1 and 3 near minor damage, as the 1st-place code's "
        '`_msk & dmg == 1` does (default: class 1 only; --seed-precedence is its deprecated '
        'name)')
    parser.add_argument('--device', default='cpu', help='torch device (default: cpu)')
    parser.add_argument('--out', help='also write the metrics to this json file')
    args = parser.parse_args(argv)
    if not args.damage:
        parser.error('give at least one --damage CONFIG CHECKPOINT')
    if args.split in ('train', 'tier3') and args.prefix is None:
        parser.error(f'--prefix test|hold is needed for the {args.split} split')
    if args.dilate < 0:
        parser.error('--dilate must be >= 0')
    return args


def main(argv: Optional[Sequence[str]] = None) -> Optional[dict]:
    args = parse_args(argv)
    scores = predict_tiles(
        loc_models=[tuple(m) for m in args.loc],
        damage_models=[tuple(m) for m in args.damage],
        data_root=args.data_root,
        split=args.split,
        out_dir=args.out_dir,
        tta=not args.no_tta,
        thresholds=args.thresholds,
        dilate=args.dilate,
        original_precedence=args.original_precedence,
        device=args.device,
        prefix=args.prefix)
    print(f'submission written to {args.out_dir}')
    if scores is None:
        print(f'the {args.split} split is not labelled: no score')
        return None
    print(format_scores(scores))
    if args.out:
        write_scores(scores, args.out)
        print(f'metrics written to {args.out}')
    return scores


if __name__ == '__main__':
    main()
