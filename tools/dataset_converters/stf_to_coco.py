"""Convert Seeing Through Fog (STF / DENSE) 2D labels to COCO json, one file per named split.

Each ``--split NAME=FILE[,FILE...]`` writes ``OUT_DIR/NAME.json``; see
``cmkd_mm.datasets.converters.stf_to_coco`` for the layouts and what is counted, clipped and
skipped.

Example (the demo written by ``cmkd_mm.demo.make_stf_demo``)::

    python tools/dataset_converters/stf_to_coco.py data/stf_demo \
        --split train=splits/train_clear_night.txt,splits/light_fog_night.txt \
        --split val=splits/val_clear_night.txt \
        --split test=splits/test_clear_night.txt,splits/dense_fog_night.txt
"""
import argparse
from typing import List, Optional, Sequence

from cmkd_mm.datasets.converters import LAYOUTS, convert_stf_to_coco
from cmkd_mm.datasets.converters.stf_to_coco import CLASSES_ALIASES, LAYOUT_ALIASES
from cmkd_mm.datasets.stf_format import CLASS_MAPS
from cmkd_mm.utils.deprecation import deprecated_choice


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('data_root', help='dataset root folder')
    parser.add_argument('--out-dir', help='output folder (default: DATA_ROOT/annotations)')
    parser.add_argument(
        '--split',
        action='append',
        required=True,
        metavar='NAME=FILE[,FILE...]',
        help='a split to write as NAME.json from one or more split files (relative to '
        'DATA_ROOT or absolute); repeat for more splits')
    parser.add_argument(
        '--layout',
        choices=sorted(LAYOUTS),
        default='official',
        type=deprecated_choice(LAYOUT_ALIASES, '--layout'),
        help='folder layout that sets the defaults below: official (the STF release) or '
        'night-subset (the night subset packaged with the original CMKD detector code; '
        '"seed" is its deprecated name) (default: official)')
    parser.add_argument(
        '--classes',
        choices=sorted(CLASS_MAPS),
        default='pedestrian',
        type=deprecated_choice(CLASSES_ALIASES, '--classes'),
        help='class map: pedestrian = pedestrian only (Pedestrian, Pedestrian_is_group), as the '
        'original CMKD detector code; full = the 4 main STF classes ("seed" is the deprecated '
        'name of pedestrian) (default: pedestrian)')
    parser.add_argument(
        '--label-dir',
        help='label folder (official: gt_labels/gated_labels_TMP; use gt_labels/'
        'cam_left_labels_TMP for boxes in the RGB frame, whose frame dir is then '
        'cam_stereo_left_lut unless --frame-dir is given; night-subset: gated_labels)')
    parser.add_argument(
        '--frame-dir',
        help='folder of the images whose pixel frame the boxes are in (file_name and size of '
        'the json images; official: gated0_10bit, or cam_stereo_left_lut for RGB labels; '
        'night-subset: images)')
    parser.add_argument(
        '--label-frame-size',
        type=int,
        nargs=2,
        metavar=('W', 'H'),
        help='size of the frame the labels were drawn in; boxes are scaled by (image_w / W, '
        'image_h / H) (official: none, night-subset: 1280 720)')
    parser.add_argument(
        '--check-dirs',
        nargs='*',
        help='folders that must hold <sample><ext> for every sample (official: '
        'cam_stereo_left_lut gated0_10bit gated1_10bit gated2_10bit; night-subset: images gated0 '
        'gated1 gated2); the frame dir is always checked; give no folder to check no other')
    parser.add_argument('--ext', default='.png', help='image file extension (default: .png)')
    parser.add_argument(
        '--on-missing',
        choices=('error', 'skip'),
        default='error',
        help='a sample with a missing label or image file (default: error)')
    parser.add_argument(
        '--on-unknown',
        choices=('error', 'skip'),
        default='error',
        help='an object whose class is neither an STF class nor in the class '
        'map (default: error)')
    parser.add_argument(
        '--num-columns',
        type=int,
        default=27,
        help='columns of a label line with a one-word class (default: 27)')
    args = parser.parse_args(argv)

    if args.label_frame_size is not None and min(args.label_frame_size) <= 0:
        parser.error('--label-frame-size needs two positive numbers W H')

    splits = {}
    for item in args.split:
        name, sep, files = item.partition('=')
        files = [f.strip() for f in files.split(',') if f.strip()]
        if not sep or not name.strip() or not files:
            parser.error(f'--split {item!r}: expected NAME=FILE[,FILE...]')
        if name.strip() in splits:
            parser.error(f'--split {name.strip()!r} given twice')
        splits[name.strip()] = files
    args.splits = splits
    return args


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    args = parse_args(argv)
    return convert_stf_to_coco(
        args.splits,
        data_root=args.data_root,
        layout=args.layout,
        classes=args.classes,
        label_dir=args.label_dir,
        frame_dir=args.frame_dir,
        label_frame_size=args.label_frame_size,
        check_dirs=args.check_dirs,
        ext=args.ext,
        on_missing=args.on_missing,
        on_unknown=args.on_unknown,
        num_columns=args.num_columns,
        out_dir=args.out_dir)


if __name__ == '__main__':
    main()
