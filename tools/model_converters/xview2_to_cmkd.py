"""Convert an original xView2 checkpoint (SE-ResNeXt50 UNet) to a cmkd_mm model checkpoint.

Reads a checkpoint of the xView2 1st-place solution (``SeResNext50_Unet_Loc``,
``SeResNext50_Unet_Double``) or of the building-damage KD code (the students
``SeResNext50_Unet_Loc_KD``, ``SeResNext50_Unet_Double_KD``), renames its weights to the model
``CONFIG`` builds (a distillation config: its student), checks that they fill that model
exactly, and writes ``OUT`` (``state_dict`` + ``meta``). The stem conv is turned to RGB input
(our loaders), unless ``--keep-bgr``. See :func:`cmkd_mm.zoo.converters.xview2.convert_xview2`.

Examples::

    python tools/model_converters/xview2_to_cmkd.py weights/res50_loc_0_tuned_best \
        checkpoints/xview2_loc_seresnext50_1st-place.pth --model loc \
        --config configs/building_damage/loc-teacher_unet-seresnext50_pre_xview2.py
    python tools/model_converters/xview2_to_cmkd.py weights/res50_cls_cce_0_tuned_best \
        checkpoints/xview2_damage_seresnext50_1st-place.pth --model double \
        --config configs/building_damage/damage-teacher_unet-seresnext50_pre-post_xview2.py
    python tools/model_converters/xview2_to_cmkd.py weights/res50_loc_0_KD_best \
        checkpoints/xview2_loc-baseline_unet-seresnext50.pth --model loc \
        --config configs/building_damage/loc-baseline_unet-seresnext50_pre_xview2.py
"""
import argparse

from cmkd_mm.zoo.converters.xview2 import ORIGINAL_CLASSES, convert_xview2_checkpoint


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='original checkpoint')
    parser.add_argument('out', help='output checkpoint')
    parser.add_argument(
        '--model',
        required=True,
        choices=sorted(ORIGINAL_CLASSES),
        help='loc: *_Unet_Loc(_KD); double: *_Unet_Double(_KD)')
    parser.add_argument(
        '--config',
        required=True,
        help='config of the target model (a distillation config: its student)')
    parser.add_argument(
        '--keep-bgr',
        action='store_true',
        help='keep the stem conv for BGR input, as the original code reads images')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = convert_xview2_checkpoint(
        args.src, args.out, args.model, args.config, rgb_input=not args.keep_bgr)
    print(f'converted checkpoint: {out}')


if __name__ == '__main__':
    main()
