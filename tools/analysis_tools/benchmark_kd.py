#!/usr/bin/env python
"""Time one distillation training step against the student alone and mmrazor's algorithm,
for any number of ``CrossModalDistill`` configs (every task), as one table.

For each config the models are built and ONE batch is taken (from the config's
``train_dataloader``, or random with ``--synthetic H W``) and preprocessed once. On that batch
and with the same weights the tool times:

1. ``student-only step``: the student alone, its loss + backward + SGD step (the baseline);
2. ``teacher forward``: the frozen teacher(s) as deep as the distiller's recorders need
   (``CrossModalDistill.run_teachers``; ``extract_feat`` for FPN distillation), eval, no_grad;
3. ``CrossModalDistill step``: our algorithm's loss + backward + SGD step;
4. ``CrossModalDistill step, warm teacher cache``: the same with ``teacher_cache`` after one
   step has stored the batch, so every timed step replays the teacher's records (what every
   epoch after the first costs); its bytes per sample are printed;
5. ``mmrazor SingleTeacherDistill step``: mmrazor's plain algorithm built from the same config
   with ``type='mmrazor.SingleTeacherDistill'`` and the same state dict. It feeds one tensor to
   both models and runs the teacher in ``loss`` mode (full model and its losses, thrown away).
   It is given the teacher view; the student's backbone is wrapped in ``SelectChannels``, which
   keeps the student's modalities (RGB of RGB + gated, thermal of RGB + thermal). Configs whose
   student reads a modality the teacher does not (SAR vs EO) or that have several teachers have
   no such row.

Then each config's two targets are checked: our step <= 1.05 x (student step + teacher
forward), and with a warm cache <= 1.03 x the student step.

Training rows run in train mode with the teacher frozen as each algorithm sets it (ours: the
whole teacher in eval mode; mmrazor: its BatchNorm layers in eval mode) and SGD with the config's
lr, momentum and weight decay. The random seed is reset before every row, so the rows sample the
same proposals. On a machine whose cores are shared with other jobs, ``--threads 1`` gives much
steadier CPU timings than torch's default thread pool.

Each row reports mean and standard deviation of ms per iteration after warm-up and its peak
memory. On CUDA: ``torch.cuda.max_memory_allocated`` over the row with only that row's model on
the GPU (weights, gradients, optimizer state, activations). On CPU: the peak increase of the
resident set size over the row's start, sampled by a background thread (``psutil`` if importable,
else ``/proc/self/statm``). The CPU figure is approximate: memory the allocator keeps from earlier
rows is reused without raising the RSS, samples can miss short peaks, and the weights already
allocated before the row are not counted.

Multi-process mode, ``--world-size N`` (N >= 2): the tool spawns one process per rank itself
(gloo on CPU, nccl on CUDA with one GPU per rank, on 127.0.0.1 and a free port) and times training
as DDP runs it. Every rank builds the models with the same weights and takes its own batch (rank
r: batch r of the ``train_dataloader``, or with ``--synthetic`` a random batch seeded by r); the
models are wrapped as a distributed run wraps them, with ``find_unused_parameters`` as the
config's ``model_wrapper_cfg`` (else its ``find_unused_parameters``, else True) says. The rows:

1. ``student-only step``: the student in mmengine's ``MMDistributedDataParallel``, its loss +
   backward (gradients all-reduced across ranks) + SGD step;
2. ``CrossModalDistill step``: our algorithm in ``DistillDistributedDataParallel``, teacher run
   online on every step;
3. ``CrossModalDistill step, warm teacher cache``: the same with an in-memory teacher-output cache
   that the warm-up steps filled, so every timed step replays the teacher's records.

Each row runs its warm-up steps, then a barrier starts every timed iteration; an iteration's time
is that of the slowest rank (gathered to rank 0), as a synchronised training step waits for it.
Rank 0 prints one table with the ratios online / student and warm cache / student. On CPU each
rank gets ``--threads`` threads (default: the cores divided by the ranks). There is no teacher
forward, mmrazor or peak-memory row.

Examples::

    python tools/analysis_tools/benchmark_kd.py \
        configs/detection/cmkd-adv_faster-rcnn-r18-fpn_rgb-gated-to-rgb_stf_demo.py
    python tools/analysis_tools/benchmark_kd.py \
        configs/detection/cmkd-mse_faster-rcnn-r50-fpn_rgb-gated-to-rgb_stf.py \
        configs/segmentation/cekd_cenet-to-eknet-r50-bot_rgb-thermal-to-thermal_mfnet.py \
        configs/classification/ntire2021/kd1_resnet18_sar-to-eo_mavoc2021_demo.py \
        --iters 5 --warmup 2
    python tools/analysis_tools/benchmark_kd.py configs/detection/cmkd_adv_stf.py \
        --synthetic 512 832 --batch-size 2 --iters 3 --warmup 1 --threads 1
    python tools/analysis_tools/benchmark_kd.py \
        configs/demo/cmkd-mse-cwd_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py \
        --world-size 2 --batch-size 2 --threads 1
"""
import argparse
from typing import Optional, Sequence

import torch
from mmengine.config import DictAction

from cmkd_mm.benchmark.benchmark_kd import benchmark_kd
from cmkd_mm.benchmark.benchmark_kd_ddp import benchmark_kd_ddp


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('configs', nargs='+', help='CrossModalDistill config files')
    parser.add_argument('--iters', type=int, default=10, help='timed iterations per row')
    parser.add_argument('--warmup', type=int, default=3, help='untimed iterations per row')
    parser.add_argument('--batch-size', type=int, help='override the batch size')
    parser.add_argument(
        '--device', choices=['cpu', 'cuda'], default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument(
        '--synthetic',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='use a random batch of H x W images instead of the train dataloader')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--threads',
        type=int,
        help='torch CPU threads (default: torch\'s choice); 1 is steadier on a busy machine')
    parser.add_argument(
        '--world-size',
        type=int,
        default=1,
        help='ranks: >= 2 times the DDP rows on as many processes (one GPU each on CUDA)')
    parser.add_argument('--out', help='also write the results to this json file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value pairs as in tools/train.py')
    args = parser.parse_args(argv)
    if args.iters < 1 or args.warmup < 0 or args.world_size < 1 or (args.threads is not None
                                                                    and args.threads < 1):
        parser.error('--iters, --world-size and --threads must be >= 1, --warmup >= 0')
    return args


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    return benchmark_kd_ddp(args) if args.world_size > 1 else benchmark_kd(args)


if __name__ == '__main__':
    main()
