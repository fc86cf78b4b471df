"""Write xView2 / xBD masks (``<split>/masks/<stem>.png``) from the label JSONs.

Pre masks: building = 255; post masks: damage class 0-4 (``un-classified`` = 1, or 255 with
``--unclassified ignore``); see ``cmkd_mm.datasets.converters.xview2_masks``. ``XView2Dataset``
and ``LoadXView2Masks`` read the masks when present (faster than rasterising the JSONs).
``<split>/masks/.xview2_masks.json`` records what each mask was made from: ``XView2Dataset``
refuses a mask whose label changed since (run this again). Labels that cannot be buildings
(zero-area polygons, polygons outside the image, one uid with two damage classes) are listed
together after the other masks are written.

Example (the demo written by ``cmkd_mm.demo.make_xview2_demo``)::

    python tools/dataset_converters/xview2_masks.py data/xview2_demo --splits train hold test
"""
import argparse
from typing import Dict, Optional, Sequence

from cmkd_mm.datasets.converters import write_xview2_masks


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('data_root', help='dataset root folder (holds the split folders)')
    parser.add_argument(
        '--splits',
        nargs='+',
        default=['train', 'tier3', 'hold', 'test'],
        choices=['train', 'tier3', 'hold', 'test'],
        help='split folders to convert (default: train tier3 hold test)')
    parser.add_argument(
        '--unclassified',
        choices=['1', 'ignore'],
        default='1',
        help='post value of un-classified buildings: 1 (no-damage, the original code) '
        'or ignore (255) (default: 1)')
    parser.add_argument(
        '--workers', type=int, default=0, help='worker processes (default: 0, in this process)')
    args = parser.parse_args(argv)
    if args.workers < 0:
        parser.error('--workers must be >= 0')
    return args


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Dict[str, int]]:
    args = parse_args(argv)
    unclassified = 'ignore' if args.unclassified == 'ignore' else int(args.unclassified)
    counts = write_xview2_masks(
        args.data_root, args.splits, unclassified=unclassified, workers=args.workers)
    for split, c in counts.items():
        print(f'{split}: {c["pre"]} pre and {c["post"]} post masks written, '
              f'{c["unlabeled"]} image(s) without label skipped')
    return counts


if __name__ == '__main__':
    main()
