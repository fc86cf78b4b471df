#!/usr/bin/env python
"""Parameters, FLOPs and inference latency of teachers and students, as one table with ratios.

Each config gives its models: a plain config one, a distillation config its teacher(s) (on
their views) and its student (on the student view). Every model is measured at every ``--shape``
(batch 1, initial weights: weights change none of the figures):

* parameters; FLOPs with mmengine's counter (a multiply-add counts once);
* PyTorch eager latency: median ms of a forward in eval mode under ``no_grad`` after
  ``--warmup`` runs, ± the standard deviation over ``--iters`` runs;
* onnxruntime latency (CPU): the model exported to ONNX at that size
  (``tools/deployment/pytorch2onnx.py``'s graph, normalisation folded in), timed the same way.

The ratio columns divide each student by the teacher of its config at the same size.
On a machine whose cores are shared with other jobs, ``--threads`` gives steadier figures.

Examples::

    python tools/analysis_tools/benchmark_inference.py \\
        configs/building_damage/loc-kd_unet-seresnext50_pre_xview2.py \\
        configs/building_damage/damage-kd_unet-seresnext50_pre-post_xview2.py \\
        --shape 1024 1024 --shape 256 256 --iters 3 --threads 2
    python tools/analysis_tools/benchmark_inference.py \\
        configs/building_damage/damage-kd_unet-seresnext50_pre-post_xview2.py \\
        --device cuda --no-onnx
"""
import argparse
import json
from typing import Optional, Sequence

from cmkd_mm.benchmark.benchmark_inference import benchmark_inference, latency_table


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('configs', nargs='+', help='model or distillation configs')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        action='append',
        metavar=('H', 'W'),
        help='input size, repeatable (default: 1024 1024 and 256 256)')
    parser.add_argument('--iters', type=int, default=5, help='timed runs (default 5)')
    parser.add_argument('--warmup', type=int, default=1, help='untimed runs first (default 1)')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='CPU threads of PyTorch and onnxruntime (default: theirs)')
    parser.add_argument('--device', default='cpu', help='device of the PyTorch rows')
    parser.add_argument('--no-onnx', action='store_true', help='skip the onnxruntime column')
    parser.add_argument('--no-flops', action='store_true', help='skip counting FLOPs')
    parser.add_argument('--out', default=None, help='also write the rows as JSON')
    args = parser.parse_args(argv)
    if args.iters < 1 or args.warmup < 0:
        parser.error('--iters must be >= 1 and --warmup >= 0')
    return args


def main(argv: Optional[Sequence[str]] = None):
    args = parse_args(argv)
    shapes = args.shape or [[1024, 1024], [256, 256]]
    rows = benchmark_inference(
        args.configs,
        shapes,
        iters=args.iters,
        warmup=args.warmup,
        onnx=not args.no_onnx,
        flops=not args.no_flops,
        device=args.device,
        threads=args.threads)
    table = latency_table(rows, args.device)
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(rows, f, indent=1)
    return rows, table


if __name__ == '__main__':
    main()
