"""Inference cost of teachers and students: parameters, FLOPs, PyTorch and onnxruntime latency.

``tools/analysis_tools/benchmark_inference.py`` is the command line. :func:`inference_models`
turns a config into the models to measure: a plain config gives one model, a distillation config
its teacher(s) on their views and its student on the student view. :func:`profile_model`
measures one :class:`~cmkd_mm.deployment.onnx_export.NormalizedModel` at one input size:

* ``params``: parameters of the model (buffers not counted);
* ``flops``: mmengine's counter (``mmengine.analysis``, fvcore's rules: one multiply-add is
  one FLOP), batch 1;
* ``eager_ms``: median wall time of a batch-1 forward in eval mode under ``torch.no_grad``,
  after ``warmup`` untimed runs (``std`` over the timed runs beside it);
* ``ort_ms``: the same for the model exported to ONNX (fixed size) in an onnxruntime CPU
  session.

Weights do not change any of these, so the models keep their initial weights (statistics a run
would measure, ``'auto'`` modalities, are set to 0/1).
"""
import os.path as osp
import statistics
import tempfile
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from ..deployment.onnx_export import NormalizedModel, export_onnx, onnx_session, random_view
from ..utils.config import is_distillation, load_config, student_config, teacher_configs
from ..utils.tables import markdown_table
from .step_timing import time_calls
from .synthetic_batch import fill_auto_stats, modality_specs


def _build(model_cfg: dict, cfg: Config) -> NormalizedModel:
    from mmengine.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    model = MODELS.build(model_cfg).eval()
    pre = model.data_preprocessor
    channels = {}
    if hasattr(pre, 'views'):
        specs = modality_specs(cfg, pre)
        channels = {name: spec['num_channels'] for name, spec in specs.items()}
        fill_auto_stats(pre, specs)
    return NormalizedModel(model, {k: v for k, v in channels.items() if v})


def inference_models(config: Union[str, Config],
                     cfg_options: Optional[dict] = None) -> Dict[str, NormalizedModel]:
    """``role -> model``: ``'model'`` for a plain config; ``'teacher'`` (or each teacher's name
    of a ``TeacherGroup``) and ``'student'`` for a distillation config."""
    cfg = load_config(config, cfg_options)
    if not is_distillation(cfg):
        return dict(model=_build(cfg.model, cfg))
    models = {name: _build(model, cfg) for name, model in teacher_configs(cfg).items()}
    models['student'] = _build(student_config(cfg).model, cfg)
    return models


def _timed(run, iters: int, warmup: int) -> Tuple[float, float]:
    """Median and standard deviation of the ms of ``iters`` calls after ``warmup``."""
    times = time_calls(run, iters, warmup, cuda=False)
    return statistics.median(times), statistics.stdev(times) if len(times) > 1 else 0.


def count_params(model: nn.Module) -> int:
    """Parameters of ``model``."""
    return sum(p.numel() for p in model.parameters())


def count_flops(model: NormalizedModel, inputs: torch.Tensor) -> int:
    """FLOPs of one forward (mmengine's counter, a multiply-add counted once)."""
    from mmengine.analysis import FlopAnalyzer
    analyzer = FlopAnalyzer(model, (inputs, ))
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return int(analyzer.total())


def profile_model(model: NormalizedModel,
                  shape: Sequence[int],
                  iters: int = 5,
                  warmup: int = 1,
                  onnx: bool = True,
                  flops: bool = True,
                  device: str = 'cpu',
                  threads: Optional[int] = None) -> Dict[str, float]:
    """Parameters, FLOPs and latency of ``model`` at input ``shape`` (batch 1).

    Args:
        model (NormalizedModel): The model.
        shape (Sequence[int]): ``(H, W)``.
        iters (int): Timed runs. Defaults to 5.
        warmup (int): Untimed runs first. Defaults to 1.
        onnx (bool): Also export and time in onnxruntime (CPU). Defaults to True.
        flops (bool): Count FLOPs. Defaults to True.
        device (str): Device of the PyTorch runs (``'cuda'`` synchronises around each run).
            Defaults to ``'cpu'``.
        threads (int, optional): CPU threads of PyTorch and onnxruntime (default: theirs).

    Returns:
        dict: ``params``, ``flops``, ``eager_ms``, ``eager_std_ms`` and with ``onnx``
        ``ort_ms``, ``ort_std_ms``.
    """
    if threads:
        torch.set_num_threads(threads)
    inputs = random_view(model, shape)
    out = dict(params=count_params(model))
    if flops:
        out['flops'] = count_flops(model, inputs)
    model = model.to(device)
    x = inputs.to(device)

    def eager():
        with torch.no_grad():
            model(x)
        if device.startswith('cuda'):
            torch.cuda.synchronize()

    out['eager_ms'], out['eager_std_ms'] = _timed(eager, iters, warmup)
    model.to('cpu')
    if onnx:
        with tempfile.TemporaryDirectory() as tmp:
            path = export_onnx(model, osp.join(tmp, 'model.onnx'), shape, check=False)
            session = onnx_session(path, threads)
            feed = {'input': inputs.numpy()}
            out['ort_ms'], out['ort_std_ms'] = _timed(lambda: session.run(None, feed), iters,
                                                      warmup)
    return out


def benchmark_inference(configs: Sequence[str], shapes: Sequence[Sequence[int]],
                        **kwargs) -> List[Dict]:
    """:func:`profile_model` of every model of every config at every shape.

    Returns:
        list[dict]: One row per config, role and shape: ``config``, ``role``, ``shape`` and
        the measurements.
    """
    rows = []
    for config in configs:
        for role, model in inference_models(config).items():
            for shape in shapes:
                rows.append(
                    dict(
                        config=osp.basename(config),
                        role=role,
                        shape=tuple(shape),
                        **profile_model(model, shape, **kwargs)))
    return rows


def _ms(mean: float, std: float) -> str:
    return (f'{mean:.0f} ± {std:.0f}' if mean >= 100 else f'{mean:.3g} ± {std:.2g}')


def _ratio(value: Optional[float], ref: Optional[float]) -> str:
    return f'{value / ref:.2f}' if value is not None and ref else ''


def latency_table(rows: List[Dict], device: str = 'cpu') -> str:
    """One markdown table: a row per model and size, with the ratio of every student to the
    teacher of its config (the first teacher of a group) at the same size."""
    head = [
        'config', 'model', 'input', 'params (M)', 'GFLOPs', f'PyTorch {device} (ms)',
        'onnxruntime CPU (ms)', 'params ×', 'FLOPs ×', 'PyTorch ×', 'onnxruntime ×'
    ]
    teachers, table = {}, []
    for row in rows:
        key = (row['config'], row['shape'])
        if row['role'] not in ('model', 'student'):
            teachers.setdefault(key, row)
    for row in rows:
        ref = teachers.get((row['config'], row['shape'])) if row['role'] == 'student' else None
        ref = ref or {}
        table.append([
            row['config'], row['role'], '×'.join(map(str, row['shape'])),
            f'{row["params"] / 1e6:.3g}', f'{row["flops"] / 1e9:.3g}' if 'flops' in row else '',
            _ms(row['eager_ms'], row['eager_std_ms']),
            _ms(row['ort_ms'], row['ort_std_ms']) if 'ort_ms' in row else '',
            _ratio(row['params'], ref.get('params')),
            _ratio(row.get('flops'), ref.get('flops')),
            _ratio(row['eager_ms'], ref.get('eager_ms')),
            _ratio(row.get('ort_ms'), ref.get('ort_ms'))
        ])
    return markdown_table(head, table)
