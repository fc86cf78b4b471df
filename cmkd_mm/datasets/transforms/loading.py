"""One decoding path for every image a sample reads: its modalities and its label maps.

:func:`decode_image` reads a file unchanged (bit depth and channel count kept) and names the
file and the fix in every failure (missing, empty, corrupt or truncated). ``LoadModalities``
loads the named modalities through it, ``LoadSegLabels`` the segmentation label map.
"""
from typing import Dict, Optional, Sequence, Union

import cv2
import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS

from ...utils.modality_pair import is_pair_reference, unresolved_pair_error

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
    if len(buf) == 0:
        raise ValueError(f'{path}: empty file (0 bytes), e.g. from an interrupted copy or '
                         f'download. Copy the file again or remove this sample.')
    try:
        img = cv2.imdecode(np.frombuffer(buf, np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error as error:
        raise ValueError(f'{path}: not a readable image ({str(error).strip().splitlines()[-1]}). '
                         f'Re-export or remove this sample.') from None
    if img is None:
        raise ValueError(f'{path}: not a readable image (corrupt or truncated file, or not an '
                         f'image format). Re-export or remove this sample.')
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
    frame the annotations are given. When the sample carries the image size of its annotation
    file (``height``/``width``, as COCO-style datasets give it), the reference modality must
    have that size: otherwise the boxes would be placed in another frame.

    Several modalities may come from one file (e.g. MFNet RGBA: ``rgb`` = channels 0-2 and
    ``thermal`` = channel 3 of the same PNG); the file is decoded once.

    Args:
        modalities (dict): ``name -> spec``. A spec may hold:
            ``channels`` (list[int]): channels to keep (default all); an index may repeat, e.g.
            ``[0, 0, 0]`` turns a grey chip into 3 equal channels. Repeating a channel of a
            colour file whose channels differ is refused (it would keep only that channel);
            use ``to_gray=3`` for grey replicated;
            ``to_gray`` (bool | int): after channel selection, turn 3 channels (RGB) into 1
            luminance channel with the cv2/mmcv ``rgb2gray`` weights (0.299 R + 0.587 G +
            0.114 B, same dtype); 1 channel stays unchanged, any other count is an error. An
            int ``n`` repeats the grey channel ``n`` times (``to_gray=3``: a 3-channel grey
            image from grey and colour chips alike). Use it for chips stored sometimes as grey
            and sometimes as RGB PNGs;
            ``num_channels`` (int): required channel count after selection (and ``to_gray``);
            ``bit_depth`` (int): bits the values use (8, 10, 12, 16); the file must be 8-bit for
            ``bit_depth <= 8`` and 16-bit otherwise, and no value may exceed ``2**bit_depth - 1``;
            ``size`` (tuple[int, int]): required ``(w, h)``.
        ref_modality (str, optional): Modality whose frame the annotations use. Default: the first.
        same_size (bool | list[list[str]]): Require modalities to have the same height and
            width: True for all of them, or groups of names (e.g. the three gated slices of
            one camera, ``[['gated0', 'gated1', 'gated2']]``), so that a slice stored at
            another resolution is an error and not resized without a word.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    #: What it reads from disk (read by ``datasets/pipeline_inspection.py``).
    loads = ('images', )

    def __init__(self,
                 modalities: Dict[str, dict],
                 ref_modality: Optional[str] = None,
                 same_size: Union[bool, Sequence[Sequence[str]]] = False,
                 backend_args: Optional[dict] = None) -> None:
        if is_pair_reference(modalities):
            raise unresolved_pair_error('LoadModalities modalities', modalities)
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
        if same_size is True:
            self.size_groups = [list(self.modalities)]
        elif same_size:
            self.size_groups = [list(g) for g in same_size]
            unknown = sorted({n for g in self.size_groups for n in g} - set(self.modalities))
            if unknown:
                raise ValueError(f'same_size names modalities {unknown} that are not loaded '
                                 f'({list(self.modalities)})')
        else:
            self.size_groups = []
        self.backend_args = backend_args

    def _check(self, name: str, path: str, img: np.ndarray, spec: dict) -> np.ndarray:
        channels: Optional[Sequence[int]] = spec.get('channels')
        if channels is not None:
            if max(channels) >= img.shape[2]:
                raise ValueError(
                    f'{path}: modality "{name}" reads channels {list(channels)} but the file has '
                    f'{img.shape[2]} channel(s). Check the file or the "channels" of "{name}".')
            repeated = len(set(channels)) < len(channels)
            if repeated and img.shape[2] >= 3 and not (img[..., :3] == img[..., :1]).all():
                raise ValueError(
                    f'{path}: modality "{name}" repeats channel(s) {list(channels)} of a colour '
                    f'file, which keeps only those channels, not the grey value. For grey '
                    f'replicated set to_gray={len(channels)} (and no channels); to keep the '
                    f'colours, channels=[0, 1, 2].')
            img = np.ascontiguousarray(img[..., list(channels)])
        to_gray = spec.get('to_gray')
        if to_gray and img.shape[2] != 1:
            if img.shape[2] != 3:
                raise ValueError(
                    f'{path}: modality "{name}" has to_gray={to_gray} but the file gives '
                    f'{img.shape[2]} channel(s); to_gray takes 1 or 3. Select the colour channels '
                    f'first, e.g. channels=[0, 1, 2].')
            img = mmcv.rgb2gray(img, keepdim=True)
        if to_gray and not isinstance(to_gray, bool) and int(to_gray) > 1:
            img = np.ascontiguousarray(np.repeat(img, int(to_gray), axis=2))
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
        for group in self.size_groups:
            first = group[0]
            first_hw = results[first].shape[:2]
            for name in group[1:]:
                if results[name].shape[:2] != first_hw:
                    raise ValueError(
                        f'{paths[name]}: modality "{name}" is {results[name].shape[1]}x'
                        f'{results[name].shape[0]} but {paths[first]} ("{first}") is '
                        f'{first_hw[1]}x{first_hw[0]}; these modalities (same_size={group}) '
                        f'come from one camera and must have one size. Re-export or '
                        f'register them to one size, or drop them from same_size.')
        ann_hw = (results.get('height'), results.get('width'))
        ref_hw = results[self.ref_modality].shape[:2]
        if None not in ann_hw and tuple(ann_hw) != tuple(ref_hw):
            raise ValueError(
                f'{paths[self.ref_modality]} is {ref_hw[1]}x{ref_hw[0]} (w x h) but the '
                f'annotation file gives {ann_hw[1]}x{ann_hw[0]} for it, so its boxes would be '
                f'placed wrongly. Rebuild the annotation file from these images (e.g. '
                f'stf_to_coco.py) or point the modality "{self.ref_modality}" at the images it '
                f'was made from.')
        results['modalities'] = list(self.modalities)
        results['ref_modality'] = self.ref_modality
        results['img_path'] = paths[self.ref_modality]
        results['ori_shape'] = results['img_shape'] = results[self.ref_modality].shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(modalities={self.modalities}, '
                f'ref_modality={self.ref_modality!r}, same_size={self.same_size})')


@TRANSFORMS.register_module()
class LoadSegLabels(BaseTransform):
    """Load ``results['seg_map_path']`` as ``gt_seg_map`` through :func:`decode_image`.

    The drop-in for mmseg's ``LoadAnnotations`` of the MFNet / PST900 pipelines, with two
    differences. A failure names the label file (mmseg's loader ends in a PIL traceback
    without it). A 16-bit label map keeps its values: mmseg casts to 8 bit, so id 257 would
    become 1 without a word, while here ``CheckSegLabels`` sees 257 and refuses it. The map
    keeps the file's dtype (``uint8`` or ``uint16``).

    * The label map must have one channel; an RGB file whose three channels are equal (a grey
      map saved as colour) is read as one. A map with different colour channels is a palette
      picture, not class ids, and is refused.
    * ``reduce_zero_label`` (the sample's, when not given) maps 0 to 255 and every other id to
      id - 1 (255 stays 255); then ``results['label_map']`` (the dataset's) renames ids; both
      as mmseg does.

    Args:
        reduce_zero_label (bool, optional): Override the sample's ``reduce_zero_label``.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    #: What it reads from disk (read by ``datasets/pipeline_inspection.py``).
    loads = ('labels', )

    def __init__(self,
                 reduce_zero_label: Optional[bool] = None,
                 backend_args: Optional[dict] = None) -> None:
        self.reduce_zero_label = reduce_zero_label
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        path = results.get('seg_map_path')
        if not path:
            raise KeyError('LoadSegLabels needs results["seg_map_path"] from the dataset')
        seg = decode_image(path, self.backend_args)
        if seg.dtype not in _DEPTHS:
            raise ValueError(f'{path}: a label map must be an 8- or 16-bit integer image, the '
                             f'file is {seg.dtype}. Save the class ids as an 8- or 16-bit PNG.')
        if seg.shape[2] in (3, 4):
            colour = seg[..., :3]
            if not ((colour == colour[..., :1]).all()):
                raise ValueError(
                    f'{path}: the label map has {seg.shape[2]} different colour channels, i.e. '
                    f'a palette picture, not class ids. Convert it to a one-channel map of '
                    f'class ids.')
            seg = colour[..., :1]
        elif seg.shape[2] != 1:
            raise ValueError(f'{path}: a label map must have one channel, the file has '
                             f'{seg.shape[2]}.')
        seg = np.ascontiguousarray(seg[..., 0])
        reduce_zero_label = self.reduce_zero_label
        if reduce_zero_label is None:
            reduce_zero_label = results.get('reduce_zero_label', False)
        if reduce_zero_label:  # 0 and the ignore value 255 -> 255, every other id -> id - 1
            ignored = (seg == 0) | (seg == 255)
            seg = seg - 1
            seg[ignored] = 255
        label_map = results.get('label_map')
        if label_map:
            mapped = seg.copy()
            for old_id, new_id in label_map.items():
                mapped[seg == old_id] = new_id
            seg = mapped
        results['gt_seg_map'] = seg
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(reduce_zero_label={self.reduce_zero_label}, '
                f'backend_args={self.backend_args})')
