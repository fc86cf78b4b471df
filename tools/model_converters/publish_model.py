"""Prepare a checkpoint for release: training state stripped, named ``OUT-<sha256[:8]>.pth``.

Keeps ``meta`` and ``state_dict``; drops the optimizer, schedulers and message hub. A
distillation checkpoint keeps only its student (the teacher and distiller are not released
with it; ``--keep-teacher`` keeps the whole algorithm). The sha256 prefix in the name is what
``cmkd://`` and URL downloads verify. ``--config`` (the training config) also writes the released
model's configs next to it: ``NAME.py`` (cmkd_mm) and, where the student's input allows,
``NAME_mmdet.py`` / ``_mmseg.py`` / ``_mmpretrain.py``, which the downstream inferencer runs without
cmkd_mm.

Example::

    python tools/model_converters/publish_model.py \\
        work_dirs/cmkd_adv_stf/best_coco_bbox_mAP_epoch_8.pth \\
        cmkd-adv_faster-rcnn-r50-fpn_rgb-gated-to-rgb_stf_20261201.pth
"""
import argparse

from cmkd_mm.zoo import publish_checkpoint


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('in_file', help='checkpoint to publish')
    parser.add_argument('out_file', help='output name (the hash is appended)')
    parser.add_argument(
        '--keep-teacher',
        action='store_true',
        help='keep the whole distillation algorithm, not only the student')
    parser.add_argument(
        '--config',
        help='the config the checkpoint was trained with: also write the released configs')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    published = publish_checkpoint(
        args.in_file, args.out_file, student_only=not args.keep_teacher, config=args.config)
    print(f'{published.path} (sha256 {published.digest})')
    if published.configs:
        print(published.configs.describe())
    return published.path


if __name__ == '__main__':
    main()
