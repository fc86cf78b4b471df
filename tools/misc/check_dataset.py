"""Check a dataset before a long training run: every sample of the named splits goes through the
loading part of the config's pipeline; every problem is printed with its file and reason.

Example::

    python tools/misc/check_dataset.py \\
        configs/segmentation/cekd_cenet-to-eknet-r50-bot_rgb-thermal-to-thermal_mfnet.py
    python tools/misc/check_dataset.py configs/detection/cmkd_adv_stf.py --phase train val \\
        --workers 4 --cfg-options train_dataloader.dataset.data_root=/data/stf

Exits with 1 when anything is wrong, 0 otherwise.
"""
import argparse
import sys

from mmengine.config import DictAction

from cmkd_mm.dataset_check.check_dataset import check_dataset


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Check every sample of a dataset')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--phase',
        nargs='+',
        default=['train', 'val', 'test'],
        choices=['train', 'val', 'test'],
        help='splits to check')
    parser.add_argument('--workers', type=int, default=0, help='data loading processes')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='options merged into the config, e.g. a data root')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    results = check_dataset(args.config, args.phase, args.workers, args.cfg_options)
    return 1 if any(r['problems'] for r in results.values()) else 0


if __name__ == '__main__':
    sys.exit(main())
