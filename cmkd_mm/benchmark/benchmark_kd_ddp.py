"""Time one distillation training step on several processes, wrapped for DDP as training is.

``tools/analysis_tools/benchmark_kd.py CONFIG --world-size N`` is the command line; its docstring
says what each row measures. :func:`benchmark_kd_ddp` spawns one process per rank (gloo on CPU,
nccl on CUDA, on 127.0.0.1 and a free port). Each rank builds the models of
:func:`~cmkd_mm.benchmark.benchmark_kd.build_models` with the same weights, takes its own batch
and times the student-only step (``MMDistributedDataParallel``), our step and our step with a
warm teacher-output cache (both ``DistillDistributedDataParallel``) with the step and timing
functions of :mod:`cmkd_mm.benchmark.benchmark_kd`. A barrier starts every timed iteration, and
an iteration takes as long as its slowest rank.
"""
import json
import os
import socket
import tempfile
from typing import Dict, List

import torch
import torch.distributed as dist
from mmengine.config import Config
from torch import nn

from ..utils.config import config_name
from ..utils.tables import markdown_table
from .benchmark_kd import (CACHE_ROW, OURS_ROW, STUDENT_ROW, describe_batch, load_config_models,
                           load_distill_config, preprocess_batch, settings_line, training_batch,
                           warn_nonfinite, write_json)
from .step_timing import (ms_cells, ratio_cell, row_stats, set_relative, sgd_optimizer,
                          timed_rounds, training_step, warm_up)

ROWS = (STUDENT_ROW, OURS_ROW, CACHE_ROW)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def find_unused_parameters(cfg: Config) -> bool:
    """As the config's ``model_wrapper_cfg`` says, else as its ``find_unused_parameters`` (what
    mmengine's Runner reads without a wrapper config), else True."""
    wrapper = cfg.get('model_wrapper_cfg') or {}
    if 'find_unused_parameters' in wrapper:
        return bool(wrapper['find_unused_parameters'])
    return bool(cfg.get('find_unused_parameters', True))


def _wrap(models: Dict[str, nn.Module], cfg: Config, device: torch.device) -> Dict[str, nn.Module]:
    """The student in ``MMDistributedDataParallel``, our algorithm (without and with cache) in
    ``DistillDistributedDataParallel``, each on ``device``."""
    from mmengine.model import MMDistributedDataParallel

    from ..models.wrappers import DistillDistributedDataParallel
    kwargs = dict(
        find_unused_parameters=find_unused_parameters(cfg),
        device_ids=[device.index] if device.type == 'cuda' else None)
    return dict(
        student=MMDistributedDataParallel(module=models['student'].to(device), **kwargs),
        ours=DistillDistributedDataParallel(module=models['ours'].to(device), **kwargs),
        cached=DistillDistributedDataParallel(module=models['cached'].to(device), **kwargs))


def rank_times(config: str, args, rank: int, batch, device: torch.device) -> dict:
    """This rank's ms per timed iteration of every row, its batch and the rows whose loss was
    not finite.

    Args:
        batch: This rank's batch of the ``train_dataloader`` (:func:`_loader_batch`), or None
            for a random batch seeded by rank.
    """
    from mmengine.runner import set_random_seed
    cfg, models = load_config_models(config, args, razor=False)
    ours = models['ours']
    if batch is None:
        set_random_seed(args.seed + rank)
        batch, source = training_batch(cfg, ours.data_preprocessor, args)
        source += f', seed {args.seed + rank}'
    else:
        batch, source = batch
    data, shapes = preprocess_batch(ours, batch)
    inputs = {k: v.to(device) for k, v in data['inputs'].items()}
    samples = [s.to(device) for s in data['data_samples']]
    wrapped = _wrap(models, cfg, device)
    cuda = device.type == 'cuda'
    nonfinite: List[str] = []
    steps = {}
    for name, model, step_inputs in [(STUDENT_ROW, wrapped['student'], inputs[ours.student_view]),
                                     (OURS_ROW, wrapped['ours'], inputs),
                                     (CACHE_ROW, wrapped['cached'], inputs)]:
        set_random_seed(args.seed)
        model.train()  # ours keeps its frozen teacher in eval mode
        steps[name] = training_step(model, step_inputs, samples, sgd_optimizer(model, cfg),
                                    nonfinite, name)
        # the cache row's first step fills the cache (a first epoch)
        warm_up(steps[name], max(args.warmup, 1 if name == CACHE_ROW else 0), cuda)
    times = timed_rounds(steps, args.iters, args.seed, cuda, before=dist.barrier)
    return dict(
        times=times, describe=describe_batch(f'rank {rank}', source, shapes), nonfinite=nonfinite)


def slowest_rank_rows(per_rank: List[dict]) -> List[dict]:
    """Every row with, for each timed iteration, the time of its slowest rank."""
    rows = [
        row_stats(name, [max(ms) for ms in zip(*(r['times'][name] for r in per_rank))])
        for name in ROWS
    ]
    set_relative(rows)
    return rows


def kd_ddp_table(results: List[dict], world_size: int, device: str) -> str:
    """One markdown table of every config's rows, then each config's two ratios."""
    head = ['config', 'ranks', 'device', 'row', 'ms/iter (slowest rank)', '±', 'vs student']
    table = [[result['name'], str(world_size), device, r['name']] + ms_cells(r) +
             [ratio_cell(r['relative'])] for result in results for r in result['rows']]
    lines = [markdown_table(head, table), '']
    for result in results:
        ratios = result['ratios']
        lines.append(f'{result["name"]}: online / student = {ratios["online"]:.3f}; '
                     f'warm cache / student = {ratios["warm_cache"]:.3f}')
    return '\n'.join(lines)


def _loader_batch(config: str, args, rank: int):
    """Batch ``rank`` of the config's ``train_dataloader`` and its source, read before the
    process group exists (a sampler built under it would give each rank its own shard)."""
    from mmengine.registry import init_default_scope
    from mmengine.runner import set_random_seed
    cfg = load_distill_config(config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    set_random_seed(args.seed + rank)
    return training_batch(cfg, None, args, rank)[0], f'train_dataloader batch {rank}'


def _worker(rank: int, world_size: int, port: int, args, result_path: str) -> None:
    cuda = args.device == 'cuda'
    if cuda:
        torch.cuda.set_device(rank)
    device = torch.device('cuda', rank) if cuda else torch.device('cpu')
    torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 1) // world_size))
    batches = {c: None if args.synthetic else _loader_batch(c, args, rank) for c in args.configs}
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('nccl' if cuda else 'gloo', rank=rank, world_size=world_size)
    try:
        backend = dist.get_backend()
        device_name = f'{args.device} ({backend}' + (f', {torch.cuda.get_device_name(device)})'
                                                     if cuda else ')')
        if rank == 0:
            print(f'device: {device_name}, {world_size} ranks, one process each')
            print(settings_line(args) + ' (threads per rank)', flush=True)
        results = []
        for config in args.configs:
            mine = rank_times(config, args, rank, batches.pop(config), device)
            per_rank: List[dict] = [None] * world_size
            dist.all_gather_object(per_rank, mine)
            if rank:
                continue
            for r in per_rank:
                print(r['describe'])
            warn_nonfinite(sorted({n for r in per_rank for n in r['nonfinite']}))
            rows = slowest_rank_rows(per_rank)
            results.append(
                dict(
                    config=config,
                    name=config_name(config),
                    batches=[r['describe'] for r in per_rank],
                    rows=rows,
                    ratios=dict(online=rows[1]['relative'], warm_cache=rows[2]['relative'])))
        if rank == 0:
            table = kd_ddp_table(results, world_size, device_name)
            print(table, flush=True)
            out = dict(
                device=device_name,
                world_size=world_size,
                torch=torch.__version__,
                iters=args.iters,
                warmup=args.warmup,
                configs=results,
                table=table)
            if args.out:
                write_json(out, args.out)
            with open(result_path, 'w') as f:  # for the parent process
                json.dump(out, f, default=str)
    finally:
        dist.destroy_process_group()


def benchmark_kd_ddp(args) -> dict:
    """Time the DDP rows of every config on ``args.world_size`` processes; rank 0 prints one
    table and writes ``args.out``.

    Args:
        args: As :func:`~cmkd_mm.benchmark.benchmark_kd.benchmark_kd` takes them, and
            ``world_size``.

    Returns:
        dict: The settings and, per config, each rank's batch, the rows (ms per iteration of the
        slowest rank) and the two ratios ``online`` and ``warm_cache`` (over the student step).
    """
    import torch.multiprocessing as mp
    if args.device == 'cuda' and torch.cuda.device_count() < args.world_size:
        raise RuntimeError(f'--world-size {args.world_size} needs as many GPUs, '
                           f'{torch.cuda.device_count()} available')
    with tempfile.TemporaryDirectory() as tmp:
        result_path = os.path.join(tmp, 'result.json')
        mp.spawn(
            _worker,
            args=(args.world_size, free_port(), args, result_path),
            nprocs=args.world_size,
            join=True)
        with open(result_path) as f:
            return json.load(f)
