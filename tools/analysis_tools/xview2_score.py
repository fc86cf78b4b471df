#!/usr/bin/env python
"""Score xView2 submission PNGs against target PNGs with the challenge's rules.

PRED_DIR holds ``test_localization_<id>_prediction.png`` and ``test_damage_<id>_prediction.png``
(``hold_`` prefix for the hold split), TARGET_DIR the matching ``*_target.png``. Every file must
be a uint8 single-channel PNG with values 0-4 of ``--size`` (default 1024 x 1024). The tool prints
``score``, ``damage_f1``, ``localization_f1``, the four per-class damage F1s and the localisation
IoU, precision and recall (fractions), and writes them as JSON with ``--out``. The arithmetic is
that of ``XView2Metric`` (``cmkd_mm/evaluation/functional/xview2.py`` describes the rules).

Examples::

    python tools/analysis_tools/xview2_score.py work_dirs/submission data/xview2/test/targets
    python tools/analysis_tools/xview2_score.py preds targets --out metrics.json --size 512 512
"""
import argparse
from typing import Optional, Sequence

from cmkd_mm.evaluation.xview2_score import format_scores, score_folders, write_scores


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='xView2 score of a prediction folder')
    parser.add_argument('pred_dir', help='folder of *_prediction.png')
    parser.add_argument('target_dir', help='folder of *_target.png')
    parser.add_argument('--out', help='also write the metrics to this json file')
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        default=(1024, 1024),
        metavar=('H', 'W'),
        help='expected size of every PNG (default: 1024 1024)')
    parser.add_argument(
        '--presence-rule',
        action='store_true',
        help='count a damage class only on tiles whose target contains it (the reference '
        "scorer's withdrawn first release); default: every class on every tile")
    args = parser.parse_args(argv)
    if min(args.size) < 1:
        parser.error('--size must be positive')
    return args


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    scores = score_folders(
        args.pred_dir, args.target_dir, size=args.size, presence_rule=args.presence_rule)
    print(format_scores(scores))
    if args.out:
        write_scores(scores, args.out)
        print(f'metrics written to {args.out}')
    return scores


if __name__ == '__main__':
    main()
