"""Augmentations that move every modality and seg field together: rot90, one random affine
warp (shift / rotate / scale), and one modality standing in for another."""
import random
from typing import Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS

from .geometric import keep_channels, modality_names, seg_fields
from .randomness import RandomDraws


def no_boxes(results: dict, name: str) -> None:
    present = [k for k in ('gt_bboxes', 'gt_masks') if k in results]
    if present:
        raise ValueError(f'{name} moves images and seg maps only, not {present}')


@TRANSFORMS.register_module()
class MultiModalRandomRot90(BaseTransform):
    """Rotate every modality and seg field by ``k * 90`` degrees (``k`` drawn from 1-3) with
    probability ``prob`` (the 1st-place xView2 code: 0.95), counter-clockwise as ``np.rot90``."""

    random_draws = RandomDraws(prob='prob', always=True)  # k, whenever it acts

    def __init__(self, prob: float = 0.95) -> None:
        self.prob = prob

    def transform(self, results: dict) -> dict:
        no_boxes(results, 'MultiModalRandomRot90')
        if random.random() >= self.prob:
            results['rot90_k'] = 0
            return results
        k = random.randint(1, 3)
        for key in modality_names(results) + seg_fields(results):
            results[key] = np.ascontiguousarray(np.rot90(results[key], k, axes=(0, 1)))
        results['img_shape'] = results[results['ref_modality']].shape[:2]
        results['rot90_k'] = k
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob})'


@TRANSFORMS.register_module()
class ReplaceModality(BaseTransform):
    """With probability ``prob``, ``results[dst]`` becomes a copy of ``results[src]`` (the
    1st-place xView2 code's localisation augmentation: the post image replaces the pre image, p
    0.015)."""

    random_draws = RandomDraws(prob='prob')  # with prob=1 it always replaces

    def __init__(self, src: str = 'post', dst: str = 'pre', prob: float = 0.015) -> None:
        self.src, self.dst, self.prob = src, dst, prob

    def transform(self, results: dict) -> dict:
        names = modality_names(results)
        for name in (self.src, self.dst):
            if name not in names:
                raise KeyError(f'ReplaceModality: modality "{name}" is not loaded ({names})')
        if random.random() < self.prob:
            if results[self.src].shape != results[self.dst].shape:
                raise ValueError(f'ReplaceModality: "{self.src}" {results[self.src].shape} and '
                                 f'"{self.dst}" {results[self.dst].shape} differ in shape')
            results[self.dst] = results[self.src].copy()
            results['replaced_modality'] = self.dst
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(src={self.src!r}, dst={self.dst!r}, '
                f'prob={self.prob})')


@TRANSFORMS.register_module()
class MultiModalShiftScaleRotate(BaseTransform):
    """One random affine warp (``cv2.warpAffine``) of every modality and seg field.

    With probability ``prob``: a shift by ``(dx, dy)`` drawn from ``[-shift, shift]`` pixels,
    and a rotation by an angle from ``[-angle, angle]`` degrees (counter-clockwise, cv2) with a
    scale from ``scale_range`` about the image centre moved by up to ``center_jitter`` pixels.
    The 1st-place xView2 code uses two of these: ``shift=320`` alone (localisation p 0.1), and
    ``angle=10, scale_range=(0.9, 1.1), center_jitter=320`` (p 0.1; classification p 0.8). Images
    are interpolated bilinearly, seg fields nearest. With ``border='constant'`` (default) the
    uncovered border is ``pad_val`` / ``seg_pad_val``; ``border='reflect101'`` mirrors the
    image into it (``cv2.BORDER_REFLECT_101``, what the 1st-place xView2 code's ``shift_image`` /
    ``rotate_image`` use, for images and masks alike). Lengths are in reference-modality
    pixels and scaled for other resolutions.
    """

    BORDERS = dict(constant=cv2.BORDER_CONSTANT, reflect101=cv2.BORDER_REFLECT_101)
    random_draws = RandomDraws(
        prob='prob', ranges=('shift', 'angle', 'scale_range', 'center_jitter'))

    def __init__(self,
                 shift: float = 0.,
                 angle: float = 0.,
                 scale_range: Tuple[float, float] = (1., 1.),
                 center_jitter: float = 0.,
                 prob: float = 0.1,
                 pad_val: float = 0,
                 seg_pad_val: int = 0,
                 border: str = 'constant') -> None:
        if border not in self.BORDERS:
            raise ValueError(f'border must be one of {sorted(self.BORDERS)}, got {border!r}')
        self.border = border
        self.shift, self.angle, self.center_jitter = float(shift), float(angle), \
            float(center_jitter)
        self.scale_range = (float(scale_range[0]), float(scale_range[1]))
        self.prob, self.pad_val, self.seg_pad_val = prob, pad_val, seg_pad_val

    @staticmethod
    def matrix(hw: Tuple[int, int], ref_hw: Tuple[int, int], shift: Sequence[float], angle: float,
               scale: float, center: Sequence[float]) -> np.ndarray:
        """The 2x3 warp of an array of size ``hw`` for parameters given in the ``ref_hw``
        frame."""
        sy, sx = hw[0] / ref_hw[0], hw[1] / ref_hw[1]
        m = cv2.getRotationMatrix2D((center[0] * sx, center[1] * sy), angle, scale)
        m[0, 2] += shift[0] * sx
        m[1, 2] += shift[1] * sy
        return m

    def transform(self, results: dict) -> dict:
        no_boxes(results, 'MultiModalShiftScaleRotate')
        if random.random() >= self.prob:
            return results
        ref_hw = results[results['ref_modality']].shape[:2]
        shift = (random.uniform(-self.shift, self.shift), random.uniform(-self.shift, self.shift))
        angle = random.uniform(-self.angle, self.angle)
        scale = random.uniform(*self.scale_range)
        center = ((ref_hw[1] - 1) / 2 + random.uniform(-self.center_jitter, self.center_jitter),
                  (ref_hw[0] - 1) / 2 + random.uniform(-self.center_jitter, self.center_jitter))
        for key, nearest in [(n, False) for n in modality_names(results)] + \
                [(k, True) for k in seg_fields(results)]:
            arr = results[key]
            m = self.matrix(arr.shape[:2], ref_hw, shift, angle, scale, center)
            warped = cv2.warpAffine(
                arr,
                m, (arr.shape[1], arr.shape[0]),
                flags=cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR,
                borderMode=self.BORDERS[self.border],
                borderValue=self.seg_pad_val if nearest else self.pad_val)
            results[key] = keep_channels(warped, arr)
        results['affine'] = dict(shift=shift, angle=angle, scale=scale, center=center)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(shift={self.shift}, angle={self.angle}, '
                f'scale_range={self.scale_range}, center_jitter={self.center_jitter}, '
                f'prob={self.prob}, border={self.border!r})')
