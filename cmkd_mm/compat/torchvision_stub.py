"""Let mmpretrain 1.2.0 import where torchvision is not installed.

Upstream: mmpretrain 1.2.0 imports torchvision unconditionally at package import
(``mmpretrain/evaluation/metrics/visual_grounding_eval.py``, ``models/utils/box_utils.py``:
``torchvision.ops.boxes``; ``datasets/transforms/processing.py`` and ``formatting.py``:
``torchvision.transforms``), although only a few optional transforms and the visual-grounding
metric use it; it is not in mmpretrain's ``requirements/runtime.txt``. torch 2.13's CPU build
has no matching torchvision wheel, so ``import mmpretrain.models`` fails.

When (and only when) torchvision cannot be found, a minimal stand-in is put in ``sys.modules``:
``torchvision.ops.boxes`` with the four box functions mmpretrain uses (plain torch, same
formulas), and ``torchvision.transforms`` with ``InterpolationMode`` (and a ``RandomResizedCrop``
that mmpretrain subclasses, unusable without torchvision); anything else raises an
ImportError that says to install torchvision. A real torchvision, when installed, is never
shadowed.
"""
import enum
import importlib.machinery
import importlib.util
import sys
import types

import torch

STUB_FLAG = '__cmkd_mm_stub__'
_MESSAGE = ('torchvision is not installed; this feature needs it (pip install torchvision '
            'matching your torch). cmkd_mm only provides the parts mmpretrain needs to import.')


class InterpolationMode(enum.Enum):
    """The interpolation names of ``torchvision.transforms.InterpolationMode``."""
    NEAREST = 'nearest'
    NEAREST_EXACT = 'nearest-exact'
    BILINEAR = 'bilinear'
    BICUBIC = 'bicubic'
    BOX = 'box'
    HAMMING = 'hamming'
    LANCZOS = 'lanczos'


def _upcast(t: torch.Tensor) -> torch.Tensor:
    if t.is_floating_point():
        return t if t.dtype in (torch.float32, torch.float64) else t.float()
    return t if t.dtype in (torch.int32, torch.int64) else t.int()


def box_area(boxes: torch.Tensor) -> torch.Tensor:
    """Area of ``(x1, y1, x2, y2)`` boxes."""
    boxes = _upcast(boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _inter_union(boxes1: torch.Tensor, boxes2: torch.Tensor):
    area1, area2 = box_area(boxes1), box_area(boxes2)
    lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])
    rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = _upcast(rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter, area1[:, None] + area2 - inter


def box_iou(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    """Pairwise IoU (N x M) of two sets of ``(x1, y1, x2, y2)`` boxes."""
    inter, union = _inter_union(boxes1, boxes2)
    return inter / union


def generalized_box_iou(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    """Pairwise generalised IoU (N x M): IoU minus the empty share of the enclosing box."""
    inter, union = _inter_union(boxes1, boxes2)
    iou = inter / union
    lt = torch.min(boxes1[:, None, :2], boxes2[:, :2])
    rb = torch.max(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = _upcast(rb - lt).clamp(min=0)
    hull = wh[..., 0] * wh[..., 1]
    return iou - (hull - union) / hull


class RandomResizedCrop(torch.nn.Module):
    """Placeholder: mmpretrain subclasses it at import; using it needs torchvision."""

    def __init__(self, *args, **kwargs) -> None:
        raise ImportError(f'RandomResizedCrop: {_MESSAGE}')


class _Missing(types.ModuleType):
    """Module whose unknown attributes raise a clear ImportError."""

    def __getattr__(self, name: str):
        if name.startswith('__'):
            raise AttributeError(name)
        raise ImportError(f'{self.__name__}.{name}: {_MESSAGE}')


def _module(name: str, package: bool = False, **attrs) -> types.ModuleType:
    mod = _Missing(name)
    mod.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=package)
    if package:
        mod.__path__ = []
    mod.__dict__.update(attrs)
    setattr(mod, STUB_FLAG, True)
    return mod


def install_torchvision_stub() -> bool:
    """Put the stand-in into ``sys.modules`` if torchvision is missing.

    Returns:
        bool: Whether the stand-in is in use.
    """
    if 'torchvision' in sys.modules:
        return getattr(sys.modules['torchvision'], STUB_FLAG, False)
    if importlib.util.find_spec('torchvision') is not None:
        return False
    boxes = _module(
        'torchvision.ops.boxes',
        box_area=box_area,
        box_iou=box_iou,
        generalized_box_iou=generalized_box_iou,
        _upcast=_upcast)
    ops = _module(
        'torchvision.ops',
        package=True,
        boxes=boxes,
        box_area=box_area,
        box_iou=box_iou,
        generalized_box_iou=generalized_box_iou)
    tf_transforms = _module(
        'torchvision.transforms.transforms', InterpolationMode=InterpolationMode)
    functional = _module('torchvision.transforms.functional', InterpolationMode=InterpolationMode)
    transforms = _module(
        'torchvision.transforms',
        package=True,
        transforms=tf_transforms,
        functional=functional,
        InterpolationMode=InterpolationMode,
        RandomResizedCrop=RandomResizedCrop)
    root = _module(
        'torchvision', package=True, ops=ops, transforms=transforms, __version__='0.0.0+missing')
    for mod in (root, ops, boxes, transforms, tf_transforms, functional):
        sys.modules[mod.__name__] = mod
    return True
