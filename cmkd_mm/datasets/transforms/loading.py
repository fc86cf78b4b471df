"""Load every named modality of a sample at its native form."""
from typing import Dict, Optional, Sequence

import cv2
import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS

_DEPTHS = {np.dtype(np.uint8): 8, np.dtype(np.uint16): 16}


def decode_image(path: str, backend_args: Optional[dict] = None) -> np.ndarray:
    """Read an image file unchanged (bit depth and channel count kept).

    Colour images come back in RGB(A) order, single-channel ones as ``H x W x 1``.

    Args:
        path (str): File to read.
        backend_args (dict, optional): mmengine file backend arguments.

    Returns:
        np.ndarray: ``H x W x C`` array of the file's own dtype.
    """
    try:
        buf = fileio.get(path, backend_args=backend_args)
    except FileNotFoundError:
        raise FileNotFoundError(
            f'{path}: file not found. Every modality of a sample must exist; check the data root '
            f'and the folder names configured for each modality.') from None
    img = cv2.imdecode(np.frombuffer(buf, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f'{path}: not a readable image (corrupt or truncated file). '
                         f'Re-export or remove this sample.')
    if img.ndim == 2:
        img = img[..., None]
    elif img.shape[2] == 3:
        img = img[..., ::-1]
    elif img.shape[2] == 4:
        img = img[..., [2, 1, 0, 3]]
    return np.ascontiguousarray(img)


@TRANSFORMS.register_module()
class LoadModalities(BaseTransform):
    """Load named modalities side by side into the results dict.

    The dataset gives ``results['modality_paths'] = {name: path}``. Each modality is stored as
    ``results[name]`` (``H x W x C``, native dtype), ``results['modalities']`` lists the names, and
    ``img_path``/``ori_shape``/``img_shape`` follow the *reference modality*: the one in whose pixel
    frame the annotations are given.

    Several modalities may come from one file (e.g. MFNet RGBA: ``rgb`` = channels 0-2 and
    ``thermal`` = channel 3 of the same PNG); the file is decoded once.

    Args:
        modalities (dict): ``name -> spec``. A spec may hold:
            ``channels`` (list[int]): channels to keep (default all); an index may repeat, e.g.
            ``[0, 0, 0]`` turns a grey chip into 3 equal channels;
            ``to_gray`` (bool): after channel selection, turn 3 channels (RGB) into 1 luminance
            channel with the cv2/mmcv ``rgb2gray`` weights (0.299 R + 0.587 G + 0.114 B, same
            dtype); 1 channel stays unchanged, any other count is an error. Use it for chips
            stored sometimes as grey and sometimes as RGB PNGs;
            ``num_channels`` (int): required channel count after selection (and ``to_gray``);
            ``bit_depth`` (int): bits the values use (8, 10, 12, 16); the file must be 8-bit for
            ``bit_depth <= 8`` and 16-bit otherwise, and no value may exceed ``2**bit_depth - 1``;
            ``size`` (tuple[int, int]): required ``(w, h)``.
        ref_modality (str, optional): Modality whose frame the annotations use. Default: the first.
        same_size (bool): Require all modalities to have the same height and width.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self,
                 modalities: Dict[str, dict],
                 ref_modality: Optional[str] = None,
                 same_size: bool = False,
                 backend_args: Optional[dict] = None) -> None:
        if not modalities:
            raise ValueError('LoadModalities needs at least one modality')
        self.modalities = {k: dict(v or {}) for k, v in modalities.items()}
        for name, spec in self.modalities.items():
            unknown = set(spec) - {'channels', 'to_gray', 'num_channels', 'bit_depth', 'size'}
            if unknown:
                raise ValueError(f'modality "{name}": unknown keys {sorted(unknown)}')
        self.ref_modality = ref_modality or next(iter(self.modalities))
        if self.ref_modality not in self.modalities:
            raise ValueError(f'ref_modality "{self.ref_modality}" is not one of '
                             f'{list(self.modalities)}')
        self.same_size = same_size
        self.backend_args = backend_args

    def _check(self, name: str, path: str, img: np.ndarray, spec: dict) -> np.ndarray:
        channels: Optional[Sequence[int]] = spec.get('channels')
        if channels is not None:
            if max(channels) >= img.shape[2]:
                raise ValueError(
                    f'{path}: modality "{name}" reads channels {list(channels)} but the file has '
                    f'{img.shape[2]} channel(s). Check the file or the "channels" of "{name}".')
            img = np.ascontiguousarray(img[..., list(channels)])
        if spec.get('to_gray') and img.shape[2] != 1:
            if img.shape[2] != 3:
                raise ValueError(
                    f'{path}: modality "{name}" has to_gray=True but the file gives '
                    f'{img.shape[2]} channel(s); to_gray takes 1 or 3. Select the colour channels '
                    f'first, e.g. channels=[0, 1, 2].')
            img = mmcv.rgb2gray(img, keepdim=True)
        if 'num_channels' in spec and img.shape[2] != spec['num_channels']:
            raise ValueError(f'{path}: modality "{name}" must have {spec["num_channels"]} '
                             f'channel(s), the file gives {img.shape[2]}.')
        depth = spec.get('bit_depth')
        if depth is not None:
            file_depth = _DEPTHS.get(img.dtype)
            want_depth = 8 if depth <= 8 else 16
            if file_depth != want_depth:
                raise ValueError(
                    f'{path}: modality "{name}" expects a {want_depth}-bit image holding '
                    f'{depth}-bit values, the file is {file_depth or img.dtype}-bit. Point the '
                    f'modality to the right folder or set its bit_depth to match the files.')
            if depth not in (8, 16) and img.max() > 2**depth - 1:
                raise ValueError(
                    f'{path}: modality "{name}" holds value {int(img.max())}, above the '
                    f'{depth}-bit maximum {2**depth - 1}. Check bit_depth for this modality.')
        if 'size' in spec:
            w, h = spec['size']
            if img.shape[:2] != (h, w):
                raise ValueError(f'{path}: modality "{name}" must be {w}x{h} (w x h), the '
                                 f'file is {img.shape[1]}x{img.shape[0]}.')
        return img

    def transform(self, results: dict) -> dict:
        paths = results.get('modality_paths')
        if not paths:
            raise KeyError('LoadModalities needs results["modality_paths"] = {name: path} '
                           'from the dataset')
        decoded = {}
        for name, spec in self.modalities.items():
            if name not in paths:
                raise KeyError(f'sample {results.get("img_id", "")}: no path for modality '
                               f'"{name}" (the dataset gives {sorted(paths)})')
            path = paths[name]
            if path not in decoded:
                decoded[path] = decode_image(path, self.backend_args)
            results[name] = self._check(name, path, decoded[path], spec)
        if self.same_size:
            ref_hw = results[self.ref_modality].shape[:2]
            for name in self.modalities:
                if results[name].shape[:2] != ref_hw:
                    raise ValueError(
                        f'{paths[name]}: modality "{name}" is {results[name].shape[1]}x'
                        f'{results[name].shape[0]} but {paths[self.ref_modality]} '
                        f'("{self.ref_modality}") is {ref_hw[1]}x{ref_hw[0]}; these modalities '
                        f'must be registered to the same size.')
        results['modalities'] = list(self.modalities)
        results['ref_modality'] = self.ref_modality
        results['img_path'] = paths[self.ref_modality]
        results['ori_shape'] = results['img_shape'] = results[self.ref_modality].shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(modalities={self.modalities}, '
                f'ref_modality={self.ref_modality!r}, same_size={self.same_size})')
