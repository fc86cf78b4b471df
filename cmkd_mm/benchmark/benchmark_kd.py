"""Time one distillation training step against the student alone and mmrazor's algorithm.

``tools/analysis_tools/benchmark_kd.py`` is the command line; its docstring says what each row
measures. :func:`benchmark_kd` builds the models of each ``CrossModalDistill`` config, takes one
batch (from the ``train_dataloader`` or random, :mod:`cmkd_mm.benchmark.synthetic_batch`), and times
the student-only step, the teacher forward, our step without and with a warm teacher-output
cache and mmrazor's ``SingleTeacherDistill`` step (where one tensor can feed both models).
Its model building and batch functions also serve the multi-process benchmark
(:mod:`cmkd_mm.benchmark.benchmark_kd_ddp`); both time steps with
:mod:`cmkd_mm.benchmark.step_timing`.
"""
import copy
import json
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from ..models.architectures import TeacherGroup
from ..utils.config import config_name, load_config, type_name
from ..utils.tables import markdown_table
from .peak_memory import CudaPeak, RSSPeak
from .step_timing import (ms_cells, ratio_cell, row_stats, set_relative, sgd_optimizer,
                          timed_rounds, training_step, warm_up)
from .synthetic_batch import dataloader_batch, fill_auto_stats, modality_specs, synthetic_batch

STUDENT_ROW = 'student-only step'
TEACHER_ROW = 'teacher forward'
OURS_ROW = 'CrossModalDistill step'
CACHE_ROW = 'CrossModalDistill step, warm teacher cache'
MMRAZOR_ROW = 'mmrazor SingleTeacherDistill step'
# CrossModalDistill arguments that mmrazor's SingleTeacherDistill does not take.
OWN_ARGS = ('teacher_view', 'student_view', 'teacher_mode', 'teacher_cache')


class SelectChannels(nn.Module):
    """Run ``module`` on some channels of its input.

    Lets a student that reads part of the teacher view (RGB of RGB + gated, thermal of
    RGB + thermal) run inside mmrazor's ``SingleTeacherDistill``, which gives the student the
    same (teacher) tensor as the teacher.

    Args:
        module (nn.Module): The wrapped module (the student's backbone).
        channels (Sequence[int]): Channels to keep, in order.
    """

    def __init__(self, module: nn.Module, channels: Sequence[int]) -> None:
        super().__init__()
        self.module = module
        self.channels = list(channels)

    def forward(self, x: torch.Tensor):
        return self.module(x[:, self.channels])


def load_distill_config(config: str, cfg_options: Optional[dict] = None) -> Config:
    """The ``CrossModalDistill`` config to time (any other model is refused)."""
    cfg = load_config(config, cfg_options)
    if type_name(cfg.model) != 'CrossModalDistill':
        raise ValueError(f'{config} is not a CrossModalDistill config '
                         f'(model.type={cfg.model.get("type")!r})')
    return cfg


def build_models(cfg: Config, razor: bool = True) -> Dict[str, Optional[nn.Module]]:
    """Our algorithm (without and with a teacher-output cache), mmrazor's algorithm (None when
    it cannot run the config, or not built with ``razor=False``) and the student alone, all with
    the same weights."""
    from mmrazor.registry import MODELS as RAZOR_MODELS

    ours = RAZOR_MODELS.build(copy.deepcopy(cfg.model))
    state = ours.state_dict()
    cached = RAZOR_MODELS.build(dict(copy.deepcopy(cfg.model), teacher_cache=dict()))
    cached.load_state_dict(state)
    cached.teacher_cache.armed = True  # one fixed batch: nothing for TeacherCacheHook to check

    if not razor:
        return dict(
            ours=ours,
            cached=cached,
            razor=None,
            razor_reason='not built',
            student=_student(cfg, ours))
    razor_cfg = copy.deepcopy(cfg.model)
    razor_cfg['type'] = 'mmrazor.SingleTeacherDistill'
    # the weights come from ``ours`` (its teacher loaded strictly), not from mmrazor's loading
    for key in OWN_ARGS + ('teacher_ckpt', ):
        razor_cfg.pop(key, None)
    try:
        razor = RAZOR_MODELS.build(razor_cfg)
        razor.load_state_dict(state)
        wrap_student_backbone(razor, ours, modality_specs(cfg, ours.data_preprocessor))
    except (ValueError, KeyError, TypeError, RuntimeError, AttributeError) as err:
        print(f'mmrazor SingleTeacherDistill cannot run this config: {err}')
        razor, reason = None, str(err)
    else:
        reason = None

    return dict(
        ours=ours, cached=cached, razor=razor, razor_reason=reason, student=_student(cfg, ours))


def _student(cfg: Config, ours: nn.Module) -> nn.Module:
    """The student as the baseline trains it, built in the config's default scope, with the
    weights of ``ours``'s student."""
    from mmengine.registry import MODELS as ENGINE_MODELS
    student = ENGINE_MODELS.build(copy.deepcopy(cfg.model.architecture))
    student.load_state_dict(ours.student.state_dict())
    return student


def wrap_student_backbone(razor: nn.Module, ours: nn.Module, specs: Dict[str, dict]) -> None:
    """Make mmrazor's student read its channels out of the teacher view.

    Args:
        razor (nn.Module): mmrazor's ``SingleTeacherDistill`` (weights already loaded, so the
            state dict keys stayed those of the plain student).
        ours (nn.Module): The ``CrossModalDistill`` whose views are compared.
        specs (dict): ``modality -> dict(num_channels=...)`` (:func:`modality_specs`).

    Raises:
        ValueError: The student reads a modality the teacher view does not hold (e.g. SAR vs
            EO), or there are several teachers: one tensor cannot feed both models.
    """
    if isinstance(ours.teacher, TeacherGroup):
        raise ValueError('several teachers (TeacherGroup)')
    pre = ours.data_preprocessor
    student_mods, teacher_mods = pre.views[ours.student_view], pre.views[ours.teacher_view]
    missing = [m for m in student_mods if m not in teacher_mods]
    if missing:
        raise ValueError(f'the student view {student_mods} reads {missing}, which the teacher '
                         f'view {teacher_mods} does not hold')
    sizes = {m: specs[m]['num_channels'] for m in teacher_mods}
    starts, start = {}, 0
    for m in teacher_mods:
        starts[m], start = start, start + sizes[m]
    channels = [c for m in student_mods for c in range(starts[m], starts[m] + sizes[m])]
    if channels != list(range(start)):
        razor.student.backbone = SelectChannels(razor.student.backbone, channels)


def run_rows(models: Dict[str, Optional[nn.Module]], data: dict, cfg: Config, args) -> List[dict]:
    """Time every row.

    Each row first runs its warm-up steps alone (its peak memory is measured there; the cache row's
    first step fills the cache), then the timed steps of all rows take turns
    (:func:`timed_rounds`).
    """
    from mmengine.runner import set_random_seed
    ours, cached, razor = models['ours'], models['cached'], models['razor']
    device = torch.device(args.device)
    cuda = device.type == 'cuda'
    inputs = {k: v.to(device) for k, v in data['inputs'].items()}
    samples = [s.to(device) for s in data['data_samples']]
    nonfinite: List[str] = []

    def teacher_forward() -> None:
        with torch.no_grad(), ours.distiller.teacher_recorders, ours.distiller.deliveries:
            ours.run_teachers(inputs, samples)

    # Row name, module put on the device, inputs of its training step (None: teacher forward).
    plan = [(STUDENT_ROW, models['student'], inputs[ours.student_view]),
            (TEACHER_ROW, ours.teacher, None), (OURS_ROW, ours, inputs),
            (CACHE_ROW, cached, inputs)]
    if razor is not None:
        plan.append((MMRAZOR_ROW, razor, inputs[ours.teacher_view]))
    steps, peaks = {}, {}
    for name, module, step_inputs in plan:
        set_random_seed(args.seed)
        module.to(device)
        tracker = CudaPeak() if cuda else RSSPeak()
        try:
            with tracker:
                if step_inputs is None:
                    ours.train()  # as in training: the frozen teacher stays in eval mode
                    step = teacher_forward
                else:
                    module.train()
                    step = training_step(module, step_inputs, samples, sgd_optimizer(module, cfg),
                                         nonfinite, name)
                # the cache row's first step fills the cache (a first epoch)
                warm_up(step, max(args.warmup, 1 if module is cached else 0), cuda)
        except Exception as err:  # noqa: BLE001 - mmrazor's teacher loss may need more data
            if name != MMRAZOR_ROW:
                raise
            print(f'{MMRAZOR_ROW} cannot run this batch: {type(err).__name__}: {err}')
            models['razor_error'] = type(err).__name__
            module.to('cpu')
            continue
        steps[name], peaks[name] = step, tracker.peak_mb
    times = timed_rounds(steps, args.iters, args.seed, cuda)
    rows = [row_stats(name, t, peak_mb=peaks[name]) for name, t in times.items()]
    for _, module, _ in plan:
        module.to('cpu')
    set_relative(rows)
    rows[3]['cache_bytes_per_sample'] = cached.teacher_cache.bytes_per_sample()
    if cached.teacher_cache.misses != 1:
        raise RuntimeError('the warm-cache row ran the teacher after its first step')
    warn_nonfinite(nonfinite)
    return rows


def warn_nonfinite(nonfinite: List[str]) -> None:
    if nonfinite:
        print(f'WARNING: non-finite loss in {nonfinite} (random weights diverging); '
              f'timings still measure the same work')


def targets(rows: List[dict]) -> Dict[str, dict]:
    """The two cost targets: our step <= 1.05 x (student step + teacher forward), and with a
    warm cache <= 1.03 x the student step."""
    ms = {r['name']: r['ms_mean'] for r in rows}
    no_cache = ms[OURS_ROW] / (ms[STUDENT_ROW] + ms[TEACHER_ROW])
    warm = ms[CACHE_ROW] / ms[STUDENT_ROW]
    return dict(
        no_cache=dict(ratio=no_cache, limit=1.05, met=no_cache <= 1.05),
        warm_cache=dict(ratio=warm, limit=1.03, met=warm <= 1.03))


def _bytes(size: Optional[float]) -> str:
    if size is None:
        return ''
    return f'{size:.0f} B' if size < 10 * 1024 else f'{size / 1024:.0f} KiB'


def kd_cost_table(results: List[dict]) -> str:
    """One markdown table of every config's rows, then each config's targets."""
    head = ['config', 'row', 'ms/iter', '±', 'peak MB', 'vs student', 'cache bytes/sample']
    table = []
    for result in results:
        for r in result['rows']:
            table.append([result['name'], r['name']] + ms_cells(r) + [
                f'{r["peak_mb"]:.0f}',
                ratio_cell(r['relative']),
                _bytes(r.get('cache_bytes_per_sample'))
            ])
        if result.get('mmrazor_skipped'):
            table.append([result['name'], MMRAZOR_ROW, f'n/a: {result["mmrazor_skipped"]}'] +
                         [''] * 4)
    lines = [markdown_table(head, table), '']
    for result in results:
        t = result['targets']
        lines.append(
            f'{result["name"]}: ours / (student + teacher) = {t["no_cache"]["ratio"]:.3f} '
            f'(target <= 1.05: {"met" if t["no_cache"]["met"] else "NOT met"}); warm cache / '
            f'student = {t["warm_cache"]["ratio"]:.3f} (target <= 1.03: '
            f'{"met" if t["warm_cache"]["met"] else "NOT met"})')
    return '\n'.join(lines)


def load_config_models(config: str, args, razor: bool = True) -> Tuple[Config, dict]:
    """A config and its models (:func:`build_models`, seeded with ``args.seed``), in its default
    scope, with 'auto' modality statistics filled."""
    cfg = load_distill_config(config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    torch.manual_seed(args.seed)
    models = build_models(cfg, razor)
    pre = models['ours'].data_preprocessor
    fill_auto_stats(pre, modality_specs(cfg, pre))
    return cfg, models


def training_batch(cfg: Config,
                   preprocessor: Optional[nn.Module],
                   args,
                   index: int = 0) -> Tuple[dict, str]:
    """One batch, not preprocessed, and where it comes from: random ``args.synthetic`` images
    (``preprocessor`` says their modalities), else batch ``index`` of the config's
    ``train_dataloader`` in the order of one process."""
    if args.synthetic:
        batch_size = args.batch_size or cfg.train_dataloader.get('batch_size', 2)
        batch = synthetic_batch(cfg, preprocessor, batch_size, *args.synthetic)
        return batch, f'synthetic {args.synthetic[0]}x{args.synthetic[1]}'
    batch = dataloader_batch(cfg, args.batch_size, args.seed, index)
    return batch, 'train_dataloader'


def preprocess_batch(ours: nn.Module, batch: dict) -> Tuple[dict, Dict[str, tuple]]:
    """The batch through our data preprocessor (once: no step times it), with an input per
    view, and the shape of each view's input."""
    with torch.no_grad():
        data = ours.data_preprocessor(batch, True)
    if not isinstance(data['inputs'], dict):  # one view: teacher and student read it
        data['inputs'] = {ours.student_view: data['inputs'], ours.teacher_view: data['inputs']}
    return data, {k: tuple(v.shape) for k, v in data['inputs'].items()}


def describe_batch(what: str, source: str, shapes: Dict[str, tuple]) -> str:
    return f'{what}: batch ({source}) ' + ', '.join(f'{k} {list(v)}' for k, v in shapes.items())


def benchmark_config(config: str, args) -> dict:
    """Build the models of one config, take one batch and time every row."""
    cfg, models = load_config_models(config, args)
    ours = models['ours']
    batch, source = training_batch(cfg, ours.data_preprocessor, args)
    data, shapes = preprocess_batch(ours, batch)
    print(
        describe_batch(config, source, shapes) +
        f'; teacher pass "{ours.teacher_mode}" under no_grad')
    rows = run_rows(models, data, cfg, args)
    name = config_name(config)
    return dict(
        config=config,
        name=name,
        batch_source=source,
        batch_shapes=shapes,
        teacher_mode=ours.teacher_mode,
        rows=rows,
        targets=targets(rows),
        mmrazor_skipped=(models.get('razor_error')
                         and f'its teacher loss failed ({models["razor_error"]})')
        or models['razor_reason'])


def benchmark_kd(args) -> dict:
    """Time every row of every config, print and return one table.

    Args:
        args: ``configs``, ``cfg_options``, ``batch_size``, ``synthetic`` (``(H, W)`` or None),
            ``iters``, ``warmup``, ``device`` (``'cpu'`` / ``'cuda'``), ``threads``, ``seed`` and
            ``out`` (json path or None), as ``tools/analysis_tools/benchmark_kd.py`` parses them.

    Returns:
        dict: The settings and, per config, the batch shapes, rows and targets.
    """
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('--device cuda but CUDA is not available')
    if args.threads:
        torch.set_num_threads(args.threads)
    memory = CudaPeak.description if args.device == 'cuda' else RSSPeak().description
    print(f'device: {args.device}' +
          (f' ({torch.cuda.get_device_name()})' if args.device == 'cuda' else ''))
    print(settings_line(args))
    print(f'peak MB: {memory}')
    results = []
    for config in args.configs:
        results.append(benchmark_config(config, args))
        print(kd_cost_table(results[-1:]), flush=True)  # each config as soon as it is timed
    table = kd_cost_table(results)
    print(table)
    out = dict(
        device=args.device,
        torch=torch.__version__,
        iters=args.iters,
        warmup=args.warmup,
        memory=memory,
        configs=results,
        table=table)
    if args.out:
        write_json(out, args.out)
    return out


def settings_line(args) -> str:
    return (f'torch: {torch.__version__}, threads: {torch.get_num_threads()}; iterations: '
            f'{args.warmup} warm-up + {args.iters} timed per row, seed {args.seed}')


def write_json(out: dict, path: str) -> None:
    with open(path, 'w') as f:
        json.dump(out, f, indent=2, default=str)
    print(f'results written to {path}')
