"""Convert an original CMKD detector checkpoint (Seeing Through Fog, Faster R-CNN) to cmkd_mm.

Reads a state dict of the original CMKD pedestrian-detection code (``teacher_Net.pth``,
``baseline.pth``, the students ``KDfea_mse.pth`` / ``KDfea_adv.pth``; each is
``torch.save(model.state_dict())`` of torchvision's ``fasterrcnn_resnet50_fpn``), converts it
to the mmdet ``FasterRCNN`` that ``CONFIG`` builds (a distillation config: its student), checks
that it fills that model exactly, and writes ``OUT`` (``state_dict`` + ``meta``). See
:func:`cmkd_mm.zoo.converters.stf.convert_stf`.

Examples::

    python tools/model_converters/stf_to_cmkd.py weights/teacher_Net.pth \
        checkpoints/stf_teacher_rgb-gated_original.pth \
        --config configs/detection/teacher_faster-rcnn-r50-fpn_rgb-gated_stf.py
    python tools/model_converters/stf_to_cmkd.py weights/baseline.pth \
        checkpoints/stf_baseline_rgb_original.pth \
        --config configs/detection/baseline_faster-rcnn-r50-fpn_rgb_stf.py
    python tools/model_converters/stf_to_cmkd.py weights/KDfea_adv.pth \
        checkpoints/stf_cmkd-adv_rgb_original.pth --config configs/detection/cmkd_adv_stf.py
"""
import argparse

from cmkd_mm.zoo.converters.stf import convert_stf_checkpoint


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='original checkpoint (torchvision Faster R-CNN state dict)')
    parser.add_argument('out', help='output checkpoint')
    parser.add_argument(
        '--config',
        required=True,
        help='config of the target model (a distillation config: its student)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = convert_stf_checkpoint(args.src, args.out, args.config)
    print(f'converted checkpoint: {out}')


if __name__ == '__main__':
    main()
