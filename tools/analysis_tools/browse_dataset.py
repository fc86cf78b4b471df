#!/usr/bin/env python
"""Browse a multi-modal dataset after its pipeline: every modality of each sample side by side
with its annotations (``cmkd_mm.visualization.browse_dataset`` draws them).

Same flags as mmdetection 3.3.0's ``tools/analysis_tools/browse_dataset.py``, plus mmseg's and
mmpretrain's ``--phase`` and ``--show-number``.

Examples::

    python tools/analysis_tools/browse_dataset.py \\
        configs/detection/teacher_faster-rcnn-r18-fpn_rgb-gated_stf_demo.py \\
        --output-dir vis/stf --not-show --show-number 10
    python tools/analysis_tools/browse_dataset.py \\
        configs/building_damage/damage-teacher_unet-r18_pre-post_xview2_demo.py --phase val \\
        --output-dir vis/xview2 --not-show
    python tools/analysis_tools/browse_dataset.py \\
        configs/segmentation/cekd_cenet-to-eknet-r18_rgb-thermal-to-thermal_mfnet_demo.py \\
        --show-interval 1 --cfg-options train_dataloader.dataset.data_root=/data/mfnet
"""
import argparse
import os.path as osp
import sys

from mmengine.config import DictAction

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Browse a multi-modal dataset')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--output-dir', default=None, type=str, help='folder to save one PNG per sample in')
    parser.add_argument('--not-show', default=False, action='store_true', help='no window')
    parser.add_argument(
        '--phase',
        default='train',
        choices=['train', 'val', 'test'],
        help='the dataloader whose dataset is browsed')
    parser.add_argument(
        '--show-number', type=int, default=sys.maxsize, help='number of samples to draw')
    parser.add_argument('--show-interval', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file, e.g. '
        'train_dataloader.dataset.data_root=/data/stf')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)
    import cmkd_mm  # noqa: F401  (registers modules, applies torch-2 shims)
    from cmkd_mm.visualization.multimodal_browser import browse_dataset
    return browse_dataset(
        args.config,
        output_dir=args.output_dir,
        show=not args.not_show,
        phase=args.phase,
        show_number=args.show_number,
        show_interval=args.show_interval,
        cfg_options=args.cfg_options)


if __name__ == '__main__':
    main()
