"""Convert the original CEKD CENet teacher or EKNet student weights to a cmkd_mm checkpoint.

``SRC`` is a state dict the original code saves (``weights_backup/Teacher_model/final.pth`` for
``--model cenet``, ``weights_backup/Student_model/final.pth`` for ``--model eknet``). The keys
are renamed (:func:`cmkd_mm.zoo.converters.cekd.convert_cekd`), checked to fill every parameter
and buffer of the model of ``--config`` with the right shape, and written to ``OUT``
(``state_dict`` + ``meta``). A distillation config gives its student for ``eknet`` and its
teacher for ``cenet``, so ``OUT`` of a CENet works as ``model.teacher_ckpt``.

Examples::

    python tools/model_converters/cekd_to_cmkd.py weights_backup/Teacher_model/final.pth \
        checkpoints/cekd_cenet-r50-bot_rgb-thermal_mfnet.pth --model cenet \
        --config configs/segmentation/teacher_cenet-r50-bot_rgb-thermal_mfnet.py
    python tools/model_converters/cekd_to_cmkd.py weights_backup/Student_model/final.pth \
        checkpoints/cekd_eknet-r50-bot_thermal_mfnet.pth --model eknet \
        --config configs/segmentation/cekd_cenet-to-eknet-r50-bot_rgb-thermal-to-thermal_mfnet.py
"""
import argparse

from cmkd_mm.zoo.converters.cekd import ORIGINAL_MODELS, convert_cekd_checkpoint


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='the original checkpoint (final.pth)')
    parser.add_argument('out', help='output checkpoint (.pth)')
    parser.add_argument(
        '--model',
        required=True,
        choices=sorted(ORIGINAL_MODELS),
        help='cenet: Teacher_model (RGB-T); eknet: Student_model (thermal)')
    parser.add_argument(
        '--config',
        required=True,
        help='config of the target model (a distillation config: its student '
        'for eknet, its teacher for cenet)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = convert_cekd_checkpoint(args.src, args.out, args.model, args.config)
    print(f'converted checkpoint: {out}')


if __name__ == '__main__':
    main()
