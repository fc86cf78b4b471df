"""ONNX export of a segmentation or classification model with its normalisation folded in.

:func:`load_deployable` builds the model a config describes, with its checkpoint: a plain model
(a teacher, a baseline, an extracted student) or, for a distillation config
(``CrossModalDistill``), its student on the student view with the ``architecture.*`` weights of
the checkpoint. :class:`NormalizedModel` wraps it so that the graph takes the raw view, the
modalities of the view concatenated on the channels in their native units (0-255 for 8-bit
images, 0-65535 for 16-bit ones), normalises each modality with the preprocessor's statistics
(measured ``'auto'`` statistics included) and returns:

* segmentation: the decode head's logits, resized bilinearly to the input size
  (``(N, num_classes, H, W)``; one channel for a sigmoid head such as the xView2 localisation
  model), so that ``argmax`` / ``sigmoid`` of the output is the prediction at full resolution;
* classification: the head's class scores ``(N, num_classes)`` before softmax.

Two-stage detectors (Faster R-CNN) export with :class:`NormalizedDetector`
(``detector_onnx.py``): one graph from the raw image to boxes, scores and labels, mmdet's
proposals, RoIAlign and NMS included.

:func:`export_onnx` traces the wrapper (the TorchScript-based exporter, ``dynamo=False``: the
``torch.export`` exporter needs ``onnxscript`` and does not trace these models' data-dependent
resizes any better), checks the file with ``onnx.checker`` and :func:`onnx_max_abs_diff` runs it
in onnxruntime against PyTorch on the same input.
"""
import os
import os.path as osp
import warnings
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from ..utils.checkpoint import load_state_dict_strict, read_checkpoint, select_keys, state_dict_of
from ..utils.config import is_distillation, load_config, student_config
from .extract_student import PREFIX


def load_deployable(config: Union[str, Config],
                    checkpoint: Optional[str] = None,
                    cfg_options: Optional[dict] = None) -> Tuple[nn.Module, Config]:
    """The model to deploy (a distillation config's student) with its weights, in eval mode.

    Args:
        config (str | Config): A model config or a distillation config.
        checkpoint (str, optional): Its checkpoint; a distillation checkpoint gives the student's
            ``architecture.*`` weights. Every weight of the model must be in it with its shape
            (:func:`~cmkd_mm.utils.checkpoint.load_state_dict_strict`), except the data
            preprocessor's statistics, which an extracted student keeps in its config. None
            keeps the initial weights.
        cfg_options (dict, optional): Merged into the config first.

    Returns:
        tuple: ``(model, config of the deployed model)``.
    """
    from mmengine.registry import MODELS
    cfg = load_config(config, cfg_options)
    distill = is_distillation(cfg)
    if distill:
        cfg = student_config(cfg)
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        ckpt = read_checkpoint(checkpoint)
        state = state_dict_of(ckpt)
        # a distillation config also takes its extracted student's checkpoint
        has_student = distill and any(k.startswith(PREFIX) for k in state)
        state = select_keys(state, PREFIX if has_student else None)
        which = osp.basename(cfg.filename) if cfg.filename else 'the config'
        load_state_dict_strict(
            model,
            state,
            checkpoint,
            ckpt.get('meta'),
            skip_mismatched=('data_preprocessor.', ),
            target=f'the model of the config ({which}' + (', its student)' if distill else ')'),
            fix='Give the checkpoint trained with this config, or the config the checkpoint was '
            'trained with (extract_student writes it next to a student checkpoint).')
    return model.eval(), cfg


def model_task(model: nn.Module) -> str:
    """``'segmentation'``, ``'classification'`` or ``'detection'`` (two-stage); others refused."""
    from mmdet.models.detectors import TwoStageDetector
    from mmpretrain.models import BaseClassifier
    from mmseg.models.segmentors import BaseSegmentor
    if isinstance(model, BaseSegmentor):
        return 'segmentation'
    if isinstance(model, BaseClassifier):
        return 'classification'
    if isinstance(model, TwoStageDetector):
        return 'detection'
    raise NotImplementedError(
        f'{type(model).__name__}: only mmseg segmentors, mmpretrain classifiers and mmdet '
        'two-stage detectors (Faster R-CNN) export to ONNX here')


def view_layout(
        model: nn.Module,
        channels: Optional[Dict[str,
                                int]] = None) -> List[Tuple[str, int, torch.Tensor, torch.Tensor]]:
    """``[(modality, channels, mean (C,1,1), std (C,1,1)), ...]`` of the model's input view.

    Args:
        model (nn.Module): A model with a ``MultiModalDataPreprocessor`` of one view (a plain
            model's) or an mmengine ``ImgDataPreprocessor`` (mean/std, optional channel swap is
            refused).
        channels (dict, optional): Channels of modalities normalised with one value for all
            channels (default: 1 for those; per-channel statistics give their own count).
    """
    pre = model.data_preprocessor
    channels = dict(channels or {})
    if hasattr(pre, 'views'):
        if len(pre.views) != 1:
            raise ValueError(f'the model reads {len(pre.views)} views {list(pre.views)}; '
                             'export a plain model (the student of a distillation config)')
        layout = []
        for name in next(iter(pre.views.values())):
            mean, std = getattr(pre, f'{name}_mean'), getattr(pre, f'{name}_std')
            if mean.numel() == 0:
                raise RuntimeError(f"modality \"{name}\" has statistics 'auto' but the "
                                   'checkpoint holds none; give the trained checkpoint')
            num = channels.get(name, mean.numel())
            layout.append((name, num, mean.detach().float().expand(num, 1, 1).clone(),
                           std.detach().float().expand(num, 1, 1).clone()))
        return layout
    if getattr(pre, '_channel_conversion', False):
        raise NotImplementedError('a data preprocessor that swaps channels (bgr_to_rgb) is not '
                                  'folded; feed the image in the model\'s channel order')
    if getattr(pre, '_enable_normalize', False):
        mean, std = pre.mean.detach().float(), pre.std.detach().float()
    else:
        num = channels.get('img', 3)
        mean, std = torch.zeros(num, 1, 1), torch.ones(num, 1, 1)
    return [('img', mean.shape[0], mean.view(-1, 1, 1), std.view(-1, 1, 1))]


class NormalizedModel(nn.Module):
    """Raw view in, logits out: the model with its data preprocessor's normalisation folded in.

    Args:
        model (nn.Module): An mmseg segmentor or mmpretrain classifier in eval mode (a detector:
            :class:`NormalizedDetector`).
        channels (dict, optional): See :func:`view_layout`.
    """

    tasks = ('segmentation', 'classification')
    output_names = ('output', )
    min_opset = 1  # no operator of a newer opset needed

    def __init__(self, model: nn.Module, channels: Optional[Dict[str, int]] = None) -> None:
        super().__init__()
        self.model = model
        self.task = model_task(model)
        if self.task not in self.tasks:
            wrapper = 'NormalizedDetector' if self.task == 'detection' else 'NormalizedModel'
            raise TypeError(f'{type(model).__name__} is a {self.task} model: wrap it with '
                            f'cmkd_mm.deployment.{wrapper}')
        self.layout = view_layout(model, channels)
        self.register_buffer('mean', torch.cat([m for _, _, m, _ in self.layout])[None])
        self.register_buffer('std', torch.cat([s for _, _, _, s in self.layout])[None])
        head = getattr(model, 'decode_head', None)
        self.align_corners = bool(getattr(head, 'align_corners', False))
        self.eval()  # the exporter restores this mode (train mode would use batch statistics)

    @property
    def in_channels(self) -> int:
        """Channels of the raw input view."""
        return int(self.mean.shape[1])

    @property
    def modalities(self) -> List[Tuple[str, int]]:
        """``[(modality, channels), ...]`` in input order."""
        return [(name, num) for name, num, _, _ in self.layout]

    def onnx_axes(self, dynamic_shape: bool = False) -> dict:
        """Dynamic axes of ``torch.onnx.export``: the batch, height and width of segmentation
        with ``dynamic_shape``."""
        spatial = {2: 'height', 3: 'width'} if dynamic_shape and self.task == 'segmentation' \
            else {}
        return dict(input={0: 'batch', **spatial}, output={0: 'batch', **spatial})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - self.mean) / self.std
        if self.task == 'classification':
            return self.model(x, mode='tensor')
        logits = self.model._forward(x)
        return F.interpolate(
            logits, size=x.shape[2:], mode='bilinear', align_corners=self.align_corners)


def random_view(model: NormalizedModel,
                shape: Sequence[int],
                batch_size: int = 1,
                high: float = 255.,
                seed: int = 0) -> torch.Tensor:
    """A uniform random raw view ``(batch_size, C, H, W)`` in ``[0, high]``."""
    gen = torch.Generator().manual_seed(seed)
    return torch.rand((batch_size, model.in_channels) + tuple(shape), generator=gen) * high


def export_onnx(model: NormalizedModel,
                out_file: str,
                shape: Sequence[int],
                opset: int = 17,
                dynamic_shape: bool = False,
                check: bool = True,
                sample: Optional[torch.Tensor] = None) -> str:
    """Trace ``model`` on a ``1 x C x H x W`` input and write ``out_file``.

    Args:
        model (NormalizedModel): The wrapped model (or :class:`NormalizedDetector`).
        out_file (str): The ``.onnx`` file.
        shape (Sequence[int]): ``(H, W)`` of the traced input. Segmentation inputs should be
            multiples of the model's stride (32 for the UNets and ResNets here).
        opset (int): ONNX opset. Defaults to 17.
        dynamic_shape (bool): Height and width as dynamic axes too (segmentation; the batch is
            dynamic except for detectors, which take one image). Models whose graph depends on
            the input size (adaptive pooling, attention with position encodings, detectors) only
            export with a fixed size. Defaults to False.
        check (bool): Run ``onnx.checker.check_model`` on the file. Defaults to True.
        sample (torch.Tensor, optional): The traced input ``(1, C, H, W)``. Defaults to
            :func:`random_view` of ``shape`` (seed 0).
    """
    if opset < model.min_opset:
        raise ValueError(f'opset {opset}: a {model.task} model needs opset >= {model.min_opset}')
    dummy = random_view(model, shape) if sample is None else sample
    if tuple(dummy.shape) != (1, model.in_channels) + tuple(shape):
        raise ValueError(f'sample of shape {tuple(dummy.shape)}: trace one image '
                         f'(1, {model.in_channels}, {shape[0]}, {shape[1]})')
    axes = model.onnx_axes(dynamic_shape)
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the tracer's notes on shape arithmetic
        torch.onnx.export(
            model, (dummy, ),
            out_file,
            input_names=['input'],
            output_names=list(model.output_names),
            dynamic_axes=axes,
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False)
    if check:
        import onnx
        onnx.checker.check_model(onnx.load(out_file))
    return out_file


def onnx_session(onnx_file: str, threads: Optional[int] = None):
    """An onnxruntime CPU session of ``onnx_file``."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(onnx_file, options, providers=['CPUExecutionProvider'])


def onnx_max_abs_diff(model: NormalizedModel, onnx_file: str,
                      inputs: torch.Tensor) -> Tuple[float, float]:
    """``(max |onnxruntime - PyTorch|, max |PyTorch|)`` of the outputs on ``inputs``."""
    with torch.no_grad():
        expected = model(inputs).numpy()
    got = onnx_session(onnx_file).run(None, {'input': inputs.numpy()})[0]
    if got.shape != expected.shape:
        raise ValueError(f'onnxruntime output {got.shape} differs from PyTorch '
                         f'{expected.shape}')
    return float(np.abs(got - expected).max()), float(np.abs(expected).max())
