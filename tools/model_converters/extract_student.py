"""Turn a distillation checkpoint into a plain downstream (mmdet / mmseg / mmpretrain) model.

Writes ``OUT`` (a checkpoint holding only the student's weights, ``architecture.`` prefix
removed, no teacher, no distiller, no optimizer) and, unless ``--no-config``:

* ``OUT`` with the suffix ``.py``: the student's cmkd_mm config (the distillation config with
  ``model`` replaced by the student and its input view), for ``tools/test.py`` on the dataset and
  ``tools/inference.py`` / ``MultiModalInferencer``;
* where the student reads one image file that a standard loader reads exactly, ``OUT`` with the
  suffix ``_mmdet.py`` / ``_mmseg.py`` / ``_mmpretrain.py``: a plain config that the downstream
  inferencers (``DetInferencer``, ``MMSegInferencer``, ``ImageClassificationInferencer``) run
  without cmkd_mm. Otherwise it prints why not.

Example::

    python tools/model_converters/extract_student.py \
        configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py \
        work_dirs/.../iter_400.pth work_dirs/student_thermal.pth
"""
import argparse

from cmkd_mm.deployment import extract_student


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='distillation config')
    parser.add_argument('checkpoint', help='distillation checkpoint')
    parser.add_argument('out', help='output checkpoint (the config gets the same name, .py)')
    parser.add_argument('--no-config', action='store_true', help='do not write the config')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    written = extract_student(args.config, args.checkpoint, args.out, not args.no_config)
    print(written.describe())
    return written


if __name__ == '__main__':
    main()
