"""Time one distillation training step against the student alone and mmrazor's algorithm.

``tools/analysis_tools/benchmark_kd.py`` is the command line; its docstring says what each row
measures. :func:`benchmark_kd` builds the models from a ``CrossModalDistill`` config, takes one
batch (from the ``train_dataloader`` or random), and times the student-only step, the teacher
forward, our step and mmrazor's ``SingleTeacherDistill`` step on it.
"""
import argparse
import copy
import json
import statistics
import time
from typing import Callable, Dict, List, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from .peak_memory import CudaPeak, RSSPeak

STUDENT_ROW = 'student-only step'
TEACHER_ROW = 'teacher forward'
OURS_ROW = 'CrossModalDistill step'
MMRAZOR_ROW = 'mmrazor SingleTeacherDistill step'
# CrossModalDistill arguments that mmrazor's SingleTeacherDistill does not take.
OWN_ARGS = ('teacher_view', 'student_view', 'teacher_mode')


class FirstChannels(nn.Module):
    """Run ``module`` on the first ``num_channels`` channels of its input.

    Lets a student that takes the RGB view run inside mmrazor's ``SingleTeacherDistill``, which
    gives the student the same (teacher) tensor as the teacher.

    Args:
        module (nn.Module): The wrapped module (the student's backbone).
        num_channels (int): Channels to keep.
    """

    def __init__(self, module: nn.Module, num_channels: int) -> None:
        super().__init__()
        self.module = module
        self.num_channels = num_channels

    def forward(self, x: torch.Tensor):
        return self.module(x[:, :self.num_channels])


def load_config(args: argparse.Namespace) -> Config:
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.model.get('type', '').split('.')[-1] != 'CrossModalDistill':
        raise ValueError(f'{args.config} is not a CrossModalDistill config '
                         f'(model.type={cfg.model.get("type")!r})')
    return cfg


def build_models(cfg: Config) -> Dict[str, nn.Module]:
    """Our algorithm, mmrazor's algorithm and the student alone, all with the same weights."""
    from mmengine.registry import MODELS as ENGINE_MODELS
    from mmrazor.registry import MODELS as RAZOR_MODELS

    ours = RAZOR_MODELS.build(copy.deepcopy(cfg.model))
    state = ours.state_dict()

    razor_cfg = copy.deepcopy(cfg.model)
    razor_cfg['type'] = 'mmrazor.SingleTeacherDistill'
    for key in OWN_ARGS:
        razor_cfg.pop(key, None)
    razor = RAZOR_MODELS.build(razor_cfg)
    razor.load_state_dict(state)

    # The student as the baseline trains it, built in the config's default scope.
    student = ENGINE_MODELS.build(copy.deepcopy(cfg.model.architecture))
    student.load_state_dict(ours.student.state_dict())
    return dict(ours=ours, razor=razor, student=student)


def wrap_student_backbone(razor: nn.Module, ours: nn.Module, num_channels: int) -> None:
    """Make mmrazor's student read the first ``num_channels`` channels of the teacher view.

    Args:
        razor (nn.Module): mmrazor's ``SingleTeacherDistill`` (weights already loaded, so the
            state dict keys stayed those of the plain student).
        ours (nn.Module): The ``CrossModalDistill`` whose views are checked.
        num_channels (int): Channels of the student view.
    """
    views = ours.data_preprocessor.views
    student_mods, teacher_mods = views[ours.student_view], views[ours.teacher_view]
    if teacher_mods[:len(student_mods)] != student_mods:
        raise ValueError(f'the teacher view {teacher_mods} does not start with the student view '
                         f'{student_mods}: mmrazor\'s algorithm cannot be given one tensor')
    razor.student.backbone = FirstChannels(razor.student.backbone, num_channels)


def modality_specs(cfg: Config, preprocessor: nn.Module) -> Dict[str, dict]:
    """``name -> dict(num_channels, bit_depth)`` for every modality the views use."""
    specs = {}
    pipeline = cfg.get('train_dataloader', {}).get('dataset', {}).get('pipeline', [])
    for transform in pipeline:
        if str(transform.get('type', '')).split('.')[-1] == 'LoadModalities':
            for name, spec in transform['modalities'].items():
                spec = spec or {}
                channels = spec.get('num_channels') or len(spec.get('channels', [])) or (
                    1 if spec.get('to_gray') else None)
                specs[name] = dict(num_channels=channels, bit_depth=spec.get('bit_depth', 8))
    needed = {m for mods in preprocessor.views.values() for m in mods}
    out = {}
    for name in sorted(needed):
        spec = dict(specs.get(name, {}))
        if not spec.get('num_channels'):
            spec['num_channels'] = getattr(preprocessor, f'{name}_mean').numel()
        spec.setdefault('bit_depth', 8)
        out[name] = spec
    return out


def synthetic_batch(cfg: Config, preprocessor: nn.Module, batch_size: int, height: int,
                    width: int, num_classes: int = 1, num_boxes: int = 3) -> dict:
    """A random batch shaped like ``PackMultiModalInputs`` + ``mmdet.PackDetInputs`` output.

    8-bit modalities get random ``uint8`` values, deeper ones random ``uint16`` values below
    ``2**bit_depth``; every image gets ``num_boxes`` random boxes.
    """
    from mmdet.structures import DetDataSample
    from mmdet.structures.bbox import HorizontalBoxes
    from mmengine.structures import InstanceData

    inputs = {}
    for name, spec in modality_specs(cfg, preprocessor).items():
        depth = spec['bit_depth']
        dtype = torch.uint8 if depth <= 8 else torch.uint16
        inputs[name] = [
            torch.randint(0, 2**depth, (spec['num_channels'], height, width),
                          dtype=torch.int32).to(dtype) for _ in range(batch_size)
        ]
    samples = []
    for i in range(batch_size):
        sample = DetDataSample(metainfo=dict(
            img_id=i, img_path=f'synthetic_{i}.png', ori_shape=(height, width),
            img_shape=(height, width), scale_factor=(1.0, 1.0), flip=False,
            flip_direction=None))
        wh = torch.rand(num_boxes, 2) * torch.tensor([width, height]) * 0.4 + 8
        xy = torch.rand(num_boxes, 2) * (torch.tensor([width, height]) - wh).clamp(min=1)
        gt = InstanceData()
        gt.bboxes = HorizontalBoxes(torch.cat([xy, xy + wh], 1))
        gt.labels = torch.randint(0, num_classes, (num_boxes, ))
        ignored = InstanceData()
        ignored.bboxes = HorizontalBoxes(torch.zeros(0, 4))
        ignored.labels = torch.zeros(0, dtype=torch.long)
        sample.gt_instances = gt
        sample.ignored_instances = ignored
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def dataloader_batch(cfg: Config, batch_size: Optional[int], seed: int) -> dict:
    """The first batch of the config's ``train_dataloader`` (loaded in this process)."""
    from mmengine.runner import Runner
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.update(num_workers=0, persistent_workers=False)
    if batch_size:
        loader_cfg['batch_size'] = batch_size
    return next(iter(Runner.build_dataloader(loader_cfg, seed=seed)))


def _num_classes(cfg: Config) -> int:
    head = cfg.model.architecture.get('roi_head', {}).get('bbox_head', {})
    return head.get('num_classes', 1) if isinstance(head, dict) else 1


def _sgd(model: nn.Module, cfg: Config) -> torch.optim.Optimizer:
    """SGD over the trainable parameters with the config's lr, momentum and weight decay."""
    opt_cfg = cfg.get('optim_wrapper', {}).get('optimizer', {}) or {}
    if str(opt_cfg.get('type', 'SGD')).split('.')[-1] != 'SGD':
        opt_cfg = {}
    params = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.SGD(params, lr=opt_cfg.get('lr', 0.01),
                           momentum=opt_cfg.get('momentum', 0.9),
                           weight_decay=opt_cfg.get('weight_decay', 0.0))


def _train_step(model: nn.Module, inputs, samples, optimizer: torch.optim.Optimizer,
                nonfinite: List[str], name: str) -> Callable[[], None]:
    """Loss + backward + optimizer step, as ``OptimWrapper.update_params`` does it."""

    def step() -> None:
        losses = model(inputs, samples, mode='loss')
        loss, _ = model.parse_losses(losses)
        if not torch.isfinite(loss) and name not in nonfinite:
            nonfinite.append(name)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    return step


def _time(fn: Callable[[], None], iters: int, warmup: int, cuda: bool) -> List[float]:
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


def run_rows(models: Dict[str, nn.Module], data: dict, cfg: Config,
             args: argparse.Namespace) -> List[dict]:
    """Time the four rows; each moves its own model to the device and back."""
    from mmengine.runner import set_random_seed
    ours, razor, student = models['ours'], models['razor'], models['student']
    device = torch.device(args.device)
    cuda = device.type == 'cuda'
    inputs = {k: v.to(device) for k, v in data['inputs'].items()}
    samples = [s.to(device) for s in data['data_samples']]
    teacher_inputs = inputs[ours.teacher_view]
    student_inputs = inputs[ours.student_view]
    nonfinite: List[str] = []

    def teacher_forward() -> None:
        with torch.no_grad(), ours.distiller.teacher_recorders, ours.distiller.deliveries:
            ours.run_teacher(teacher_inputs, samples)

    # Row name, module put on the device, inputs of its training step (None: teacher forward).
    plan = [(STUDENT_ROW, student, student_inputs), (TEACHER_ROW, ours.teacher, None),
            (OURS_ROW, ours, inputs), (MMRAZOR_ROW, razor, teacher_inputs)]
    rows = []
    for name, module, step_inputs in plan:
        set_random_seed(args.seed)
        module.to(device)
        tracker = CudaPeak() if cuda else RSSPeak()
        with tracker:
            if step_inputs is None:
                ours.train()  # as in training: the frozen teacher stays in eval mode
                step = teacher_forward
            else:
                module.train()
                step = _train_step(module, step_inputs, samples, _sgd(module, cfg), nonfinite,
                                   name)
            times = _time(step, args.iters, args.warmup, cuda)
            del step  # frees the optimizer state
        module.to('cpu')
        if cuda:
            torch.cuda.empty_cache()
        rows.append(dict(
            name=name, ms_mean=statistics.mean(times),
            ms_std=statistics.stdev(times) if len(times) > 1 else 0.0,
            peak_mb=tracker.peak_mb, times_ms=times))
    base = rows[0]['ms_mean']
    for row in rows:
        row['relative'] = row['ms_mean'] / base
    if nonfinite:
        print(f'WARNING: non-finite loss in {nonfinite} (random weights diverging); '
              f'timings still measure the same work')
    return rows


def format_table(rows: List[dict]) -> str:
    """Plain-text table with aligned columns."""
    header = ('row', 'ms/iter', '±', 'peak MB', 'vs student')
    lines = [[r['name'], f'{r["ms_mean"]:.1f}', f'{r["ms_std"]:.1f}', f'{r["peak_mb"]:.1f}',
              f'x{r["relative"]:.2f}'] for r in rows]
    width0 = max(len(header[0]), *(len(line[0]) for line in lines))
    widths = [max(len(header[i]), *(len(line[i]) for line in lines)) for i in range(1, 5)]

    def fmt(cells: Sequence[str]) -> str:
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths)]
        return '  '.join([cells[0].ljust(width0)] + rest)

    out = [fmt(header), '-' * len(fmt(header))]
    out += [fmt(line) for line in lines]
    return '\n'.join(out)


def benchmark_kd(args) -> dict:
    """Build the models, take one batch, time every row, print and return the table.

    Args:
        args: ``config``, ``cfg_options``, ``batch_size``, ``synthetic`` (``(H, W)`` or None),
            ``iters``, ``warmup``, ``device`` (``'cpu'`` / ``'cuda'``), ``threads``, ``seed`` and
            ``out`` (json path or None), as ``tools/analysis_tools/benchmark_kd.py`` parses them.

    Returns:
        dict: The settings, the batch shapes and the rows.
    """
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('--device cuda but CUDA is not available')
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = load_config(args)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    torch.manual_seed(args.seed)
    models = build_models(cfg)
    ours = models['ours']

    if args.synthetic:
        batch_size = args.batch_size or cfg.train_dataloader.get('batch_size', 2)
        batch = synthetic_batch(cfg, ours.data_preprocessor, batch_size, *args.synthetic,
                                num_classes=_num_classes(cfg))
        source = f'synthetic {args.synthetic[0]}x{args.synthetic[1]}'
    else:
        batch = dataloader_batch(cfg, args.batch_size, args.seed)
        source = 'train_dataloader'
    with torch.no_grad():
        data = ours.data_preprocessor(batch, True)
    if not isinstance(data['inputs'], dict):
        raise ValueError('the data preprocessor must return a dict of views')
    shapes = {k: tuple(v.shape) for k, v in data['inputs'].items()}
    wrap_student_backbone(models['razor'], ours, shapes[ours.student_view][1])

    print(f'config: {args.config}')
    print(f'device: {args.device}' + (f' ({torch.cuda.get_device_name()})'
                                      if args.device == 'cuda' else ''))
    print(f'torch: {torch.__version__}, threads: {torch.get_num_threads()}')
    print(f'batch ({source}): ' + ', '.join(f'{k} {list(v)}' for k, v in shapes.items()))
    print(f'iterations: {args.warmup} warm-up + {args.iters} timed per row, seed {args.seed}')
    print(f'teacher pass: CrossModalDistill runs "{ours.teacher_mode}" under no_grad; mmrazor '
          f'SingleTeacherDistill runs the full "loss" mode (result discarded)')
    print(f'mmrazor row: given the {shapes[ours.teacher_view][1]}-channel teacher view; the '
          f'student backbone is wrapped in FirstChannels (keeps the first '
          f'{models["razor"].student.backbone.num_channels} channels = RGB)')
    memory = CudaPeak.description if args.device == 'cuda' else RSSPeak().description
    print(f'peak MB: {memory}')
    rows = run_rows(models, data, cfg, args)
    print(format_table(rows))

    results = dict(config=args.config, device=args.device, torch=torch.__version__,
                   batch_source=source, batch_shapes=shapes, iters=args.iters,
                   warmup=args.warmup, teacher_mode=ours.teacher_mode, memory=memory,
                   rows=rows)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
        print(f'results written to {args.out}')
    return results

