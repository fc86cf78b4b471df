"""Warp modalities from different cameras into one pixel frame."""
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS

from .geometric import modality_names

_INTERP = dict(
    nearest=cv2.INTER_NEAREST,
    bilinear=cv2.INTER_LINEAR,
    bicubic=cv2.INTER_CUBIC,
    area=cv2.INTER_AREA)


def warp_window(img: np.ndarray,
                window: Optional[Sequence[float]],
                size: Tuple[int, int],
                interpolation: str = 'bilinear',
                pad_val: float = 0) -> np.ndarray:
    """Resample the region ``window`` of ``img`` onto an image of ``size``.

    Args:
        img (np.ndarray): ``H x W`` or ``H x W x C`` image of any dtype cv2 can warp.
        window (sequence[float], optional): ``(x0, y0, x1, y1)`` in ``img`` pixels (edge
            coordinates, fractional and partly outside the image allowed). ``None`` is the whole
            image, i.e. a plain resize.
        size (tuple[int, int]): Output ``(w, h)``.
        interpolation (str): ``nearest``, ``bilinear``, ``bicubic`` or ``area``.
        pad_val (float): Value for output pixels that fall outside ``img``.

    Returns:
        np.ndarray: ``h x w`` (x ``C``) image of ``img``'s dtype.
    """
    h, w = img.shape[:2]
    x0, y0, x1, y1 = window if window is not None else (0., 0., float(w), float(h))
    out_w, out_h = int(size[0]), int(size[1])
    sx, sy = (x1 - x0) / out_w, (y1 - y0) / out_h
    # Output pixel centre (u + 0.5) lands on source edge coordinate x0 + (u + 0.5) * sx.
    matrix = np.array([[sx, 0., x0 + 0.5 * sx - 0.5], [0., sy, y0 + 0.5 * sy - 0.5]])
    flags = _INTERP[interpolation] | cv2.WARP_INVERSE_MAP
    chans = 1 if img.ndim == 2 else img.shape[2]
    parts = []
    for start in range(0, chans, 4):  # cv2 warps at most 4 channels at a time
        part = img if img.ndim == 2 else img[..., start:start + 4]
        out = cv2.warpAffine(
            np.ascontiguousarray(part),
            matrix, (out_w, out_h),
            flags=flags,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=pad_val)
        if img.ndim == 3 and out.ndim == 2:
            out = out[..., None]
        parts.append(out)
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=2)


@TRANSFORMS.register_module()
class RegisterModalities(BaseTransform):
    """Bring every modality into the pixel frame of the reference modality.

    Sensors of a rig are different cameras: in Seeing Through Fog the RGB camera sees a wider
    field than the gated camera, at another resolution. The annotations live in the frame of the
    *reference modality* (``LoadModalities(ref_modality=...)``, the camera the labels were drawn
    in); this transform resamples every other modality onto that frame, so that all modalities
    and the boxes share one pixel grid and can be concatenated or compared pixel by pixel.

    Each modality's registration is an axis-aligned window ``(x0, y0, x1, y1)`` in its own
    pixels: the region that the reference frame covers. It is cropped (padded with ``pad_val``
    where it leaves the image) and resized to the reference size. A modality without a window is
    resized whole (the right choice when the files are already registered and only the resolution
    differs). For two pinhole cameras the window follows from their intrinsics, see
    ``cmkd_mm.datasets.stf_format.camera_window``. The reference modality, the annotations,
    ``ori_shape`` and ``img_shape`` are unchanged, so predictions are reported in the label frame.

    ``results['registration']`` records the windows for visualisation.

    ``ref_size`` declares the size of the reference frame (a camera property, like the
    windows): a reference image of another size is then an error that names the file. It also
    lets a student be deployed without the reference camera (STF's RGB student, given only RGB
    images): when the inference pipeline makes the student's own modality the reference
    (``LoadModalities(ref_modality='rgb')``), that modality may keep its window, is resampled
    onto ``ref_size`` through it, and ``ori_shape`` / ``img_shape`` become ``ref_size``, so that
    predictions come out in the label frame exactly as with the reference image.

    Args:
        windows (dict, optional): ``modality -> (x0, y0, x1, y1)`` or ``None``.
        interpolation (str): Interpolation for images.
        pad_val (float): Value outside a modality's image.
        ref_size (tuple[int, int], optional): ``(w, h)`` of the reference frame. Default None:
            the reference image's size (the reference modality must be loaded).
    """

    def __init__(self,
                 windows: Optional[Dict[str, Optional[Sequence[float]]]] = None,
                 interpolation: str = 'bilinear',
                 pad_val: float = 0,
                 ref_size: Optional[Sequence[int]] = None) -> None:
        self.windows = {
            k: (tuple(float(x) for x in v) if v is not None else None)
            for k, v in (windows or {}).items()
        }
        for name, win in self.windows.items():
            if win is not None and (len(win) != 4 or win[2] <= win[0] or win[3] <= win[1]):
                raise ValueError(f'window of "{name}" must be (x0, y0, x1, y1) with x1 > x0 and '
                                 f'y1 > y0, got {win}')
        if interpolation not in _INTERP:
            raise ValueError(f'interpolation must be one of {sorted(_INTERP)}')
        self.interpolation = interpolation
        self.pad_val = pad_val
        if ref_size is not None and (len(ref_size) != 2 or min(ref_size) <= 0):
            raise ValueError(f'ref_size must be (w, h) of positive ints, got {ref_size}')
        self.ref_size = tuple(int(v) for v in ref_size) if ref_size is not None else None

    def transform(self, results: dict) -> dict:
        ref = results['ref_modality']
        names = modality_names(results)
        deployed = ref in self.windows  # the reference camera is not loaded
        if deployed and self.ref_size is None:
            raise ValueError(f'"{ref}" is the reference modality (the label frame); it cannot '
                             'have a window. Give windows to the other modalities (or declare '
                             'the frame as ref_size=(w, h) to register it onto that frame).')
        unknown = set(self.windows) - set(names)
        if unknown and not deployed:
            raise KeyError(f'RegisterModalities has windows for {sorted(unknown)}, which are not '
                           f'loaded (modalities: {names})')
        if deployed:
            ref_w, ref_h = self.ref_size
        else:
            ref_h, ref_w = results[ref].shape[:2]
            if self.ref_size is not None and (ref_w, ref_h) != self.ref_size:
                path = (results.get('modality_paths') or {}).get(ref, ref)
                raise ValueError(
                    f'{path}: the reference modality "{ref}" is {ref_w}x{ref_h} (w x h) but '
                    f'RegisterModalities declares the frame {self.ref_size[0]}x'
                    f'{self.ref_size[1]} (ref_size), for which the windows are given. Check the '
                    f'images, or set ref_size to their size.')
        for name in names:
            if name == ref and not deployed:
                continue
            win = self.windows.get(name)
            if win is None and results[name].shape[:2] == (ref_h, ref_w):
                continue
            results[name] = warp_window(results[name], win, (ref_w, ref_h), self.interpolation,
                                        self.pad_val)
        if deployed:
            results['ori_shape'] = results['img_shape'] = (ref_h, ref_w)
        results['registration'] = dict(ref=ref, windows=dict(self.windows))
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(windows={self.windows}, '
                f'interpolation={self.interpolation!r}, pad_val={self.pad_val}, '
                f'ref_size={self.ref_size})')
