"""The training step the distillation benchmarks time, and how they time and report it: an SGD
step as ``OptimWrapper.update_params`` takes it, rows that take turns, their statistics and table
cells (:mod:`cmkd_mm.benchmark.benchmark_kd`, :mod:`cmkd_mm.benchmark.benchmark_kd_ddp`)."""
import statistics
import time
from typing import Callable, Dict, List, Optional

import torch
from mmengine.config import Config
from mmengine.model import is_model_wrapper
from torch import nn

from ..utils.config import type_name


def sgd_optimizer(model: nn.Module, cfg: Config) -> torch.optim.Optimizer:
    """SGD over the trainable parameters with the config's lr, momentum and weight decay."""
    opt_cfg = cfg.get('optim_wrapper', {}).get('optimizer', {}) or {}
    if type_name(opt_cfg) not in ('', 'SGD'):
        opt_cfg = {}
    params = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.SGD(
        params,
        lr=opt_cfg.get('lr', 0.01),
        momentum=opt_cfg.get('momentum', 0.9),
        weight_decay=opt_cfg.get('weight_decay', 0.0))


def training_step(model: nn.Module, inputs, samples, optimizer: torch.optim.Optimizer,
                  nonfinite: List[str], name: str) -> Callable[[], None]:
    """Loss + backward + optimizer step, as ``OptimWrapper.update_params`` does it.

    ``model`` may be wrapped for DDP: the loss then runs through the wrapper's forward, so the
    backward reduces the gradients across ranks.
    """
    parse_losses = (model.module if is_model_wrapper(model) else model).parse_losses

    def step() -> None:
        losses = model(inputs, samples, mode='loss')
        loss, _ = parse_losses(losses)
        if not torch.isfinite(loss) and name not in nonfinite:
            nonfinite.append(name)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    return step


def warm_up(step: Callable[[], None], steps: int, cuda: bool) -> None:
    """Run ``step`` ``steps`` times, untimed."""
    for _ in range(steps):
        step()
        if cuda:
            torch.cuda.synchronize()


def timed_rounds(steps: Dict[str, Callable[[], None]],
                 iters: int,
                 seed: int,
                 cuda: bool,
                 before: Optional[Callable[[], None]] = None) -> Dict[str, List[float]]:
    """ms of every timed step of every row.

    The rows take turns, one step of every row per round with the random seed ``seed + round``,
    so that drift of the machine and allocator warm-up fall on every row alike. ``before`` runs
    untimed before each timed step (a barrier across ranks).
    """
    from mmengine.runner import set_random_seed
    times: Dict[str, List[float]] = {name: [] for name in steps}
    for it in range(iters):
        for name, step in steps.items():
            set_random_seed(seed + it)
            if before is not None:
                before()
            times[name] += time_calls(step, 1, 0, cuda)
    return times


def row_stats(name: str, times: List[float], **extra) -> dict:
    """A row: mean and standard deviation of its ms per iteration, ``extra`` and the times."""
    return dict(
        name=name,
        ms_mean=statistics.mean(times),
        ms_std=statistics.stdev(times) if len(times) > 1 else 0.0,
        **extra,
        times_ms=times)


def set_relative(rows: List[dict]) -> None:
    """``relative``: each row's mean time over the first row's (the student-only step)."""
    base = rows[0]['ms_mean']
    for row in rows:
        row['relative'] = row['ms_mean'] / base


def time_calls(fn: Callable[[], None], iters: int, warmup: int, cuda: bool) -> List[float]:
    """ms of each of ``iters`` calls of ``fn`` after ``warmup`` untimed ones (CUDA synchronised
    around each call)."""
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def ms_cells(row: dict) -> List[str]:
    """A row's ``ms/iter`` and ``±`` cells."""
    return [f'{row["ms_mean"]:.1f}', f'{row["ms_std"]:.1f}']


def ratio_cell(ratio: float) -> str:
    """A ratio as the tables show it (``x1.02``)."""
    return f'x{ratio:.2f}'
