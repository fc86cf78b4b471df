#!/usr/bin/env python
"""Parameters and FLOPs of a config's models on their own views, side by side.

A plain config gives its model; a distillation config its teacher(s) (each on its view: RGB +
gated, RGB + thermal, EO, pre + post...) and its student (on the student view), with the
student/teacher ratios. FLOPs are mmengine's count (``mmengine.analysis``, a multiply-add counts
once) of one forward at ``--shape`` (batch 1, the normalisation included), as
``tools/analysis_tools/benchmark_inference.py`` counts them; no timing.

Examples::

    python tools/analysis_tools/get_flops.py configs/detection/cmkd_adv_stf.py --shape 512 832
    python tools/analysis_tools/get_flops.py \
        configs/building_damage/damage-kd-twoteacher_unet-seresnext50_pre-post_xview2.py \
        --shape 1024 1024
"""
import argparse
from typing import Optional, Sequence

from mmengine.config import DictAction

from cmkd_mm.benchmark.benchmark_inference import count_flops, count_params, inference_models
from cmkd_mm.deployment.onnx_export import random_view


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='model or distillation config')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[512, 512],
        metavar=('H', 'W'),
        help='input height and width (default: 512 512)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None):
    args = parse_args(argv)
    rows = []
    for role, model in inference_models(args.config, args.cfg_options).items():
        flops = count_flops(model, random_view(model, args.shape))
        view = ' + '.join(f'{name} ({num} ch)' for name, num in model.modalities)
        rows.append(dict(role=role, view=view, params=count_params(model), flops=flops))
    teacher = next((r for r in rows if r['role'] not in ('model', 'student')), None)
    lines = [
        f'input {args.shape[0]}x{args.shape[1]}, batch 1',
        '| model | view | params (M) | GFLOPs | params × | FLOPs × |', '|---|---|---|---|---|---|'
    ]
    for r in rows:
        ratios = ['', '']
        if r['role'] == 'student' and teacher:
            ratios = [
                f'{r["params"] / teacher["params"]:.2f}', f'{r["flops"] / teacher["flops"]:.2f}'
            ]
        lines.append(f'| {r["role"]} | {r["view"]} | {r["params"] / 1e6:.3g} | '
                     f'{r["flops"] / 1e9:.3g} | {ratios[0]} | {ratios[1]} |')
    table = '\n'.join(lines)
    print(table)
    return rows, table


if __name__ == '__main__':
    main()
