"""Convert the NTIRE 2021 MAVOC KD code's ResNet-34 weights to a cmkd_mm classifier checkpoint.

``SRC`` is one of the original ``.pt`` files (torchvision ResNet-34, 1-channel ``conv1``, 10-class
``fc``): a state dict, or the whole pickled model the original code saves, which needs torchvision
to be read (without it the tool says how to save the state dict first). ``OUT`` fits the model of
``--config`` (a distillation config: its student) with every parameter and buffer, the original
normalisation constants included when the config measures them (``'auto'``), and loads like a
checkpoint of that config (``tools/test.py``, ``model.teacher_ckpt=``, ``init_cfg``).

Examples::

    python tools/model_converters/ntire2021_to_cmkd.py pre-train/pre_SAR.pt \
        checkpoints/ntire2021_sar_teacher.pth \
        --config configs/classification/ntire2021/teacher_resnet34_sar_mavoc2021.py

    python tools/model_converters/ntire2021_to_cmkd.py KD1/resnet34_kd114.pt \
        checkpoints/ntire2021_kd1_eo.pth \
        --config configs/classification/ntire2021/kd1_resnet34_sar-to-eo_mavoc2021.py
"""
import argparse

from cmkd_mm.zoo.converters.ntire2021 import convert_ntire2021_checkpoint


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='the original checkpoint (.pt)')
    parser.add_argument('out', help='output checkpoint (.pth)')
    parser.add_argument(
        '--config',
        required=True,
        help='classifier or distillation config whose model the weights fill')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = convert_ntire2021_checkpoint(args.src, args.out, args.config)
    print(f'converted checkpoint: {out}')


if __name__ == '__main__':
    main()
