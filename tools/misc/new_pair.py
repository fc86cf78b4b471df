"""Configs of a new sensor pair from its data folder: the pair's data config, one config per
method (teacher, baseline, distilled students) on the method bases, and a recipe that trains
them all; then the command that runs it.

Examples::

    # LLVIP layout: visible/{train,test}/*.jpg, infrared/{train,test}/*.jpg, Annotations/*.xml
    python tools/misc/new_pair.py data/LLVIP --task det --teacher rgb ir --student ir \\
        --dirs rgb=visible ir=infrared
    # RGB + 16-bit depth PNGs, label maps, train.txt / val.txt
    python tools/misc/new_pair.py data/my_rgbd --task seg --teacher rgb depth --student depth \\
        --classes background floor wall person
    # SAR / EO chips in class folders of their own names
    python tools/misc/new_pair.py data/my_chips --task cls --teacher sar --student eo

What the files leave open is asked for: the command stops with a message naming the flag and
what it found, and writes nothing. Existing files are kept unless --force.
"""
import argparse
import sys

from cmkd_mm.scaffold import PAIR_METHODS, PairOptions, ScaffoldError, new_pair


def _pairs(values, flag, convert=str):
    """``['a=b', ...]`` as ``{'a': convert('b')}``."""
    out = {}
    for item in values or []:
        name, sep, value = item.partition('=')
        if not sep or not name or not value:
            raise ScaffoldError(f'{flag} takes NAME=VALUE items, got {item!r}')
        try:
            out[name] = convert(value)
        except ValueError:
            raise ScaffoldError(f'{flag} {item}: {value!r} is not a number') from None
    return out


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write the configs and the recipe of a new sensor pair from its data folder')
    parser.add_argument('data_root', metavar='DATA_ROOT', help='the data folder')
    parser.add_argument('--task', required=True, choices=list(PAIR_METHODS), help='the task')
    parser.add_argument(
        '--teacher',
        nargs='+',
        required=True,
        metavar='NAME',
        help='the teacher\'s modalities, in channel order (each a folder of DATA_ROOT, or --dirs)')
    parser.add_argument(
        '--student', nargs='+', required=True, metavar='NAME', help='the student\'s modalities')
    parser.add_argument('--out', help='folder of the configs (default: configs/pairs/<name>)')
    parser.add_argument(
        '--name', help='dataset field of the config names (default: DATA_ROOT\'s name)')
    parser.add_argument(
        '--methods',
        help='method family: ' + '; '.join(f'{t}: {", ".join(f)}'
                                           for t, f in PAIR_METHODS.items()) +
        ' (default: the first)')
    parser.add_argument(
        '--dirs', nargs='+', metavar='NAME=FOLDER', help='folder of a modality named otherwise')
    parser.add_argument(
        '--suffix',
        nargs='+',
        metavar='NAME=.EXT',
        help='file extension of a modality whose folder holds several')
    parser.add_argument(
        '--pattern',
        nargs='+',
        metavar='NAME=PATTERN',
        help='file names of a modality, {} standing for the sample id (e.g. depth={}_depth.png)')
    parser.add_argument(
        '--channels',
        nargs='+',
        metavar='NAME=N',
        help='channels to read: 1 (grey), 3 (colour, or grey repeated), 4 (RGBA)')
    parser.add_argument(
        '--bit-depth',
        nargs='+',
        metavar='NAME=BITS',
        help='bits the values of 16-bit files use (e.g. 10, 12; default 16)')
    parser.add_argument('--classes', nargs='+', metavar='NAME', help='class names, in label order')
    parser.add_argument(
        '--labels',
        help='labels, relative to DATA_ROOT: the XML folder or COCO json (det), the label map '
        'folder (seg)')
    parser.add_argument(
        '--val-split', help='split that validates when the data has no val split (default: test)')
    parser.add_argument(
        '--reduce-zero-label',
        action='store_true',
        help='seg: label 0 means "ignore" (mmseg\'s reduce_zero_label)')
    parser.add_argument(
        '--input-size',
        nargs=2,
        type=int,
        metavar=('W', 'H'),
        help='det: the size images are resized to, in ratio (default 1333 800)')
    parser.add_argument(
        '--chip-size',
        nargs='+',
        metavar='NAME=SIDE',
        help='cls: the side a modality\'s chips are resized to (default: their size)')
    parser.add_argument('--epochs', type=int, help='train_cfg.max_epochs of every config')
    parser.add_argument('--force', action='store_true', help='overwrite existing files')
    return parser, parser.parse_args(argv)


def main(argv=None) -> int:
    parser, args = parse_args(argv)
    try:
        opts = PairOptions(
            data_root=args.data_root,
            task=args.task,
            teacher=args.teacher,
            student=args.student,
            dirs=_pairs(args.dirs, '--dirs'),
            suffix=_pairs(args.suffix, '--suffix'),
            pattern=_pairs(args.pattern, '--pattern'),
            channels=_pairs(args.channels, '--channels', int),
            bit_depth=_pairs(args.bit_depth, '--bit-depth', int),
            classes=args.classes,
            labels=args.labels,
            val_split=args.val_split,
            reduce_zero_label=args.reduce_zero_label,
            input_size=tuple(args.input_size) if args.input_size else None,
            chip_size=_pairs(args.chip_size, '--chip-size', int))
        scaffold = new_pair(opts, args.out, args.name, args.methods, args.epochs, args.force)
    except ScaffoldError as error:
        parser.exit(2, f'{parser.prog}: error: {error}\n')
    print(scaffold.summary())
    return 0


if __name__ == '__main__':
    sys.exit(main())
