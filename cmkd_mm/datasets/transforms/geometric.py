"""Geometric transforms that move every named modality and every annotation together.

Annotations (``gt_bboxes``, ``gt_masks`` and every seg field such as ``gt_seg_map`` or
``gt_edge_map``) are in the pixel frame of ``results['ref_modality']``. A modality of another
size (e.g. a 52 px SAR chip beside a 30 px EO chip) undergoes the same *relative* operation: the
same flip, the same angle, the same crop window in normalised coordinates, and a resize to its own
target size. Seg fields may have their own resolution too (e.g. edge maps at 1/4 scale).
"""
import math
import random
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS

from .randomness import RandomDraws

INSTANCE_KEYS = ('gt_bboxes', 'gt_bboxes_labels', 'gt_ignore_flags', 'gt_masks')


def modality_names(results: dict) -> List[str]:
    """Names of the modalities in ``results`` (set by ``LoadModalities``)."""
    if 'modalities' not in results:
        raise KeyError('no "modalities" in the results: put LoadModalities first in the pipeline')
    return list(results['modalities'])


def seg_fields(results: dict) -> List[str]:
    """Seg-map-like annotations (nearest interpolation, own resolution allowed)."""
    fields = list(results.get('seg_fields', []))
    if 'gt_seg_map' in results and 'gt_seg_map' not in fields:
        fields.append('gt_seg_map')
    return [f for f in fields if f in results]


def _hw(img: np.ndarray) -> Tuple[int, int]:
    return img.shape[0], img.shape[1]


def keep_channels(out: np.ndarray, like: np.ndarray) -> np.ndarray:
    """cv2 drops a trailing channel axis of size 1; put it back."""
    if like.ndim == 3 and out.ndim == 2:
        out = out[..., None]
    return np.ascontiguousarray(out)


def get_boxes(results: dict) -> Optional[np.ndarray]:
    """``gt_bboxes`` as an ``(N, 4)`` float array (mmdet box objects or arrays)."""
    boxes = results.get('gt_bboxes')
    if boxes is None:
        return None
    if hasattr(boxes, 'tensor'):
        return boxes.tensor.numpy().astype(np.float32).copy()
    return np.asarray(boxes, dtype=np.float32).reshape(-1, 4).copy()


def set_boxes(results: dict, arr: np.ndarray) -> None:
    """Write boxes back with the type they came in."""
    boxes = results['gt_bboxes']
    if hasattr(boxes, 'tensor'):
        results['gt_bboxes'] = type(boxes)(arr.astype(np.float32))
    else:
        results['gt_bboxes'] = arr.astype(np.float32)


def filter_instances(results: dict, keep: np.ndarray) -> None:
    """Keep only the instances flagged in ``keep`` in every per-instance annotation."""
    for key in INSTANCE_KEYS:
        if key in results:
            results[key] = results[key][np.flatnonzero(keep)] if key == 'gt_masks' \
                else results[key][keep]


def clip_and_filter_boxes(results: dict, arr: np.ndarray, shape: Tuple[int, int]) -> int:
    """Clip boxes to ``shape`` and drop those left without area. Returns boxes kept."""
    h, w = shape
    arr[:, 0::2] = arr[:, 0::2].clip(0, w)
    arr[:, 1::2] = arr[:, 1::2].clip(0, h)
    keep = (arr[:, 2] > arr[:, 0]) & (arr[:, 3] > arr[:, 1])
    set_boxes(results, arr)
    filter_instances(results, keep)
    return int(keep.sum())


def set_ref_shape(results: dict) -> None:
    results['img_shape'] = _hw(results[results['ref_modality']])


@TRANSFORMS.register_module()
class MultiModalResize(BaseTransform):
    """Resize every modality; annotations follow the reference modality's scale factors.

    Args:
        scale (tuple[int, int], optional): Target ``(w, h)`` for every modality.
        scale_factor (float | tuple[float, float], optional): Used when no target size is given.
        keep_ratio (bool): Fit inside ``scale`` keeping each modality's aspect ratio.
        modality_scales (dict, optional): Per-modality ``(w, h)`` overriding ``scale`` (e.g. EO to
            30x30 and SAR to 52x52).
        interpolation (str): For images; seg fields always use nearest.
    """

    def __init__(self,
                 scale: Optional[Tuple[int, int]] = None,
                 scale_factor: Optional[Union[float, Tuple[float, float]]] = None,
                 keep_ratio: bool = False,
                 modality_scales: Optional[Dict[str, Tuple[int, int]]] = None,
                 interpolation: str = 'bilinear') -> None:
        if scale is None and scale_factor is None and not modality_scales:
            raise ValueError('MultiModalResize needs scale, scale_factor or modality_scales')
        self.scale = tuple(scale) if scale is not None else None
        self.scale_factor = scale_factor
        self.keep_ratio = keep_ratio
        self.modality_scales = dict(modality_scales or {})
        self.interpolation = interpolation

    def _target(self, name: str, h: int, w: int) -> Tuple[int, int]:
        scale = self.modality_scales.get(name, self.scale)
        if scale is None:
            return mmcv.rescale_size((w, h), self.scale_factor)
        if self.keep_ratio:
            return mmcv.rescale_size((w, h), tuple(scale))
        return int(scale[0]), int(scale[1])

    def transform(self, results: dict) -> dict:
        ref = results['ref_modality']
        ref_h, ref_w = _hw(results[ref])
        for name in modality_names(results):
            img = results[name]
            new_w, new_h = self._target(name, *_hw(img))
            results[name] = keep_channels(
                mmcv.imresize(img, (new_w, new_h), interpolation=self.interpolation), img)
        new_h, new_w = _hw(results[ref])
        w_scale, h_scale = new_w / ref_w, new_h / ref_h
        for key in seg_fields(results):
            seg = results[key]
            size = (max(1, round(seg.shape[1] * w_scale)), max(1, round(seg.shape[0] * h_scale)))
            results[key] = mmcv.imresize(seg, size, interpolation='nearest')
        boxes = get_boxes(results)
        if boxes is not None:
            boxes *= np.array([w_scale, h_scale, w_scale, h_scale], dtype=np.float32)
            clip_and_filter_boxes(results, boxes, (new_h, new_w))
        if 'gt_masks' in results:
            results['gt_masks'] = results['gt_masks'].resize((new_h, new_w))
        results['img_shape'] = (new_h, new_w)
        sf = np.array([w_scale, h_scale], dtype=np.float32)
        results['scale_factor'] = tuple(sf * np.array(results.get('scale_factor', (1.0, 1.0))))
        results['keep_ratio'] = self.keep_ratio
        return results


@TRANSFORMS.register_module()
class MultiModalRandomFlip(BaseTransform):
    """Flip every modality and annotation with the same direction.

    Args:
        prob (float): Probability of flipping.
        direction (str | list[str]): ``'horizontal'``, ``'vertical'`` or ``'diagonal'``; with a
            list, one is drawn uniformly per sample.
    """

    random_draws = RandomDraws(prob='prob', choices=('direction', ))

    def __init__(self,
                 prob: float = 0.5,
                 direction: Union[str, Sequence[str]] = 'horizontal') -> None:
        self.prob = prob
        self.directions = [direction] if isinstance(direction, str) else list(direction)
        for d in self.directions:
            if d not in ('horizontal', 'vertical', 'diagonal'):
                raise ValueError(f'unknown flip direction {d!r}')

    @staticmethod
    def flip(results: dict, direction: str) -> dict:
        for name in modality_names(results):
            results[name] = keep_channels(mmcv.imflip(results[name], direction), results[name])
        for key in seg_fields(results):
            results[key] = np.ascontiguousarray(mmcv.imflip(results[key], direction))
        h, w = _hw(results[results['ref_modality']])
        boxes = get_boxes(results)
        if boxes is not None:
            flipped = boxes.copy()
            if direction in ('horizontal', 'diagonal'):
                flipped[:, 0], flipped[:, 2] = w - boxes[:, 2], w - boxes[:, 0]
            if direction in ('vertical', 'diagonal'):
                flipped[:, 1], flipped[:, 3] = h - boxes[:, 3], h - boxes[:, 1]
            set_boxes(results, flipped)
        if 'gt_masks' in results:
            results['gt_masks'] = results['gt_masks'].flip(direction)
        return results

    def transform(self, results: dict) -> dict:
        do_flip = random.random() < self.prob
        direction = random.choice(self.directions) if do_flip else None
        results['flip'] = do_flip
        results['flip_direction'] = direction
        return self.flip(results, direction) if do_flip else results


@TRANSFORMS.register_module()
class MultiModalRandomCrop(BaseTransform):
    """Crop one window, chosen in the reference frame, out of every modality.

    Args:
        crop_size (tuple[int, int]): ``(w, h)`` of the window in reference-modality pixels.
        allow_negative_crop (bool): Keep a crop that loses every box; otherwise return ``None``
            so the dataset draws another sample (mmdet semantics).
    """

    random_draws = RandomDraws(always=True)  # the window's position

    def __init__(self, crop_size: Tuple[int, int], allow_negative_crop: bool = False) -> None:
        self.crop_size = (int(crop_size[0]), int(crop_size[1]))
        self.allow_negative_crop = allow_negative_crop

    def transform(self, results: dict) -> Optional[dict]:
        ref = results['ref_modality']
        h, w = _hw(results[ref])
        cw, ch = min(self.crop_size[0], w), min(self.crop_size[1], h)
        x0, y0 = random.randint(0, w - cw), random.randint(0, h - ch)
        window = np.array([x0 / w, y0 / h, (x0 + cw) / w, (y0 + ch) / h])

        def crop(arr: np.ndarray) -> np.ndarray:
            ah, aw = arr.shape[:2]
            l, t, r, b = np.round(window * [aw, ah, aw, ah]).astype(int)
            return np.ascontiguousarray(arr[t:max(b, t + 1), l:max(r, l + 1)])

        boxes = get_boxes(results)
        if boxes is not None and len(boxes):
            boxes -= np.array([x0, y0, x0, y0], dtype=np.float32)
            if clip_and_filter_boxes(results, boxes, (ch, cw)) == 0 \
                    and not self.allow_negative_crop:
                return None
        if 'gt_masks' in results:
            results['gt_masks'] = results['gt_masks'].crop(np.array([x0, y0, x0 + cw, y0 + ch]))
        for name in modality_names(results):
            results[name] = crop(results[name])
        for key in seg_fields(results):
            results[key] = crop(results[key])
        results['img_shape'] = (ch, cw)
        return results


@TRANSFORMS.register_module()
class MultiModalPad(BaseTransform):
    """Pad every modality at the bottom and right.

    Args:
        size (tuple[int, int], optional): ``(w, h)`` for the reference modality; other modalities
            and seg fields are padded to the same size relative to their own resolution.
        size_divisor (int, optional): Pad every modality to a multiple of this.
        pad_val (float | dict): Image padding value, or ``{modality: value}``.
        seg_pad_val (int): Padding value of seg fields.
    """

    def __init__(self,
                 size: Optional[Tuple[int, int]] = None,
                 size_divisor: Optional[int] = None,
                 pad_val: Union[float, Dict[str, float]] = 0,
                 seg_pad_val: int = 255) -> None:
        if (size is None) == (size_divisor is None):
            raise ValueError('MultiModalPad needs exactly one of size and size_divisor')
        self.size = size
        self.size_divisor = size_divisor
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val

    def _target(self, h: int, w: int, ref_hw: Tuple[int, int]) -> Tuple[int, int]:
        if self.size is not None:
            return (max(h, round(self.size[1] * h / ref_hw[0])),
                    max(w, round(self.size[0] * w / ref_hw[1])))
        d = self.size_divisor
        return math.ceil(h / d) * d, math.ceil(w / d) * d

    def transform(self, results: dict) -> dict:
        ref = results['ref_modality']
        ref_hw = _hw(results[ref])
        for name in modality_names(results):
            img = results[name]
            val = self.pad_val.get(name, 0) if isinstance(self.pad_val, dict) else self.pad_val
            results[name] = keep_channels(
                mmcv.impad(img, shape=self._target(*_hw(img), ref_hw), pad_val=val), img)
        for key in seg_fields(results):
            seg = results[key]
            results[key] = mmcv.impad(
                seg, shape=self._target(*_hw(seg), ref_hw), pad_val=self.seg_pad_val)
        padded = _hw(results[ref])
        if 'gt_masks' in results:
            results['gt_masks'] = results['gt_masks'].pad(padded, pad_val=0)
        results['pad_shape'] = results['img_shape'] = padded
        results['pad_fixed_size'] = self.size
        results['pad_size_divisor'] = self.size_divisor
        return results


@TRANSFORMS.register_module()
class MultiModalRandomRotate(BaseTransform):
    """Rotate every modality by one random angle about its centre.

    Boxes become the axis-aligned bounds of their rotated corners, clipped to the image; boxes
    rotated fully out of the image are dropped with their labels and masks.

    Args:
        prob (float): Probability of rotating.
        degree (float): The angle is drawn uniformly from ``[-degree, degree]``; positive is
            clockwise (mmcv convention).
        pad_val (float | dict): Fill value of images, or ``{modality: value}``.
        seg_pad_val (int): Fill value of seg fields.
        interpolation (str): For images; seg fields use nearest.
    """

    random_draws = RandomDraws(prob='prob', ranges=('degree', ))

    def __init__(self,
                 prob: float = 0.5,
                 degree: float = 10.,
                 pad_val=0,
                 seg_pad_val: int = 255,
                 interpolation: str = 'bilinear') -> None:
        self.prob = prob
        self.degree = degree
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val
        self.interpolation = interpolation

    @staticmethod
    def rotate_boxes(boxes: np.ndarray, angle: float, shape: Tuple[int, int]) -> np.ndarray:
        """Bounds of the boxes' corners rotated like ``mmcv.imrotate`` rotates the image."""
        h, w = shape
        matrix = cv2.getRotationMatrix2D(((w - 1) * 0.5, (h - 1) * 0.5), -angle, 1.0)
        x0, y0, x1, y1 = boxes.T
        corners = np.stack([
            np.stack([x0, y0], -1),
            np.stack([x1, y0], -1),
            np.stack([x0, y1], -1),
            np.stack([x1, y1], -1)
        ], 1)  # N,4,2
        homo = np.concatenate([corners, np.ones_like(corners[..., :1])], -1)
        rot = homo @ matrix.T
        return np.concatenate([rot.min(1), rot.max(1)], -1).astype(np.float32)

    def rotate(self, results: dict, angle: float) -> dict:
        ref_hw = _hw(results[results['ref_modality']])
        for name in modality_names(results):
            img = results[name]
            val = self.pad_val.get(name, 0) if isinstance(self.pad_val, dict) else self.pad_val
            results[name] = keep_channels(
                mmcv.imrotate(img, angle, border_value=val, interpolation=self.interpolation), img)
        for key in seg_fields(results):
            results[key] = mmcv.imrotate(
                results[key], angle, border_value=self.seg_pad_val, interpolation='nearest')
        if 'gt_masks' in results:
            results['gt_masks'] = results['gt_masks'].rotate(ref_hw, angle)
        boxes = get_boxes(results)
        if boxes is not None and len(boxes):
            clip_and_filter_boxes(results, self.rotate_boxes(boxes, angle, ref_hw), ref_hw)
        return results

    def transform(self, results: dict) -> dict:
        if random.random() >= self.prob:
            results['rotate_angle'] = 0.
            return results
        angle = random.uniform(-self.degree, self.degree)
        results['rotate_angle'] = angle
        return self.rotate(results, angle)
