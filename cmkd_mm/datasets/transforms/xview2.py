"""xView2 / xBD transforms: building and damage maps, and the targets and augmentations of the
1st-place xView2 code.

``LoadXView2Masks`` gives the raw maps ``gt_loc_map`` (buildings of the pre label, 0/1) and
``gt_dmg_map`` (damage of the post label, 0-4, 255 ignored). The geometric transforms
(``geometric.py``, ``augmentation.py``, the crop here) move them with every modality (they are
seg fields). ``XView2Targets``
then builds the training target ``gt_seg_map``; place it after the geometric augmentation, since
its damage target is dilated. The raw maps stay as they are, for the metric.
"""
import random
from typing import Optional, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS

from ..xview2_labels import IGNORE_INDEX, check_unclassified, label_to_mask
from .augmentation import no_boxes
from .geometric import keep_channels, modality_names, seg_fields
from .loading import decode_image
from .randomness import RandomDraws


def _add_seg_field(results: dict, key: str) -> None:
    fields = results.setdefault('seg_fields', [])
    if key not in fields:
        fields.append(key)


def _read_mask(path: str, backend_args: Optional[dict]) -> np.ndarray:
    mask = decode_image(path, backend_args)
    if mask.dtype != np.uint8:
        raise ValueError(f'{path}: an xView2 mask must be an 8-bit PNG, the file is '
                         f'{mask.dtype}. Write the masks again (xview2_masks.py).')
    if mask.shape[2] > 1:
        if not (mask[..., :3] == mask[..., :1]).all():
            raise ValueError(f'{path}: the mask has {mask.shape[2]} different channels; an '
                             f'xView2 mask holds one value per pixel. Write the masks again '
                             f'(xview2_masks.py).')
    return np.ascontiguousarray(mask[..., 0])


@TRANSFORMS.register_module()
class LoadXView2Masks(BaseTransform):
    """Load the building map of the pre label and the damage map of the post label.

    For each of pre and post, the mask PNG (``results['mask_paths']``, written by
    ``tools/dataset_converters/xview2_masks.py``) is read when there is one, else the label JSON
    (``results['label_paths']``) is rasterised on the fly (identical maps). Sets:

    * ``gt_loc_map``: ``uint8`` ``H x W``, 1 = building (pre mask > 0);
    * ``gt_dmg_map``: ``uint8`` ``H x W``, 0 background, 1-4 no/minor/major damage and
      destroyed, 255 ignored (``un-classified`` with ``unclassified='ignore'``). A post mask
      may hold 0-4 and 255 only. ``unclassified`` applies to JSON labels; a mask keeps what the
      converter wrote.

    Both are appended to ``seg_fields``. Put it after ``LoadModalities``: the maps must have
    the pre image's size (``results['pre']``, else ``img_shape``).

    Args:
        unclassified (int | str): Damage value of ``un-classified`` buildings: a value 0-4
            (default 1, no-damage, as the original code) or ``'ignore'`` (255).
        expect_size (tuple[int, int], optional): Required ``(h, w)`` of the pre and post
            images.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    #: What it reads from disk (read by ``datasets/pipeline_inspection.py``).
    loads = ('labels', )

    def __init__(self,
                 unclassified: Union[int, str] = 1,
                 expect_size: Optional[Tuple[int, int]] = None,
                 backend_args: Optional[dict] = None) -> None:
        self.unclassified = check_unclassified(unclassified)
        self.expect_size = tuple(expect_size) if expect_size is not None else None
        self.backend_args = backend_args

    def _map(self, results: dict, phase: str, shape: Tuple[int, int]) -> np.ndarray:
        mask_path = (results.get('mask_paths') or {}).get(phase)
        label_path = (results.get('label_paths') or {}).get(phase)
        if mask_path:
            mask = _read_mask(mask_path, self.backend_args)
            if mask.shape != tuple(shape):
                raise ValueError(
                    f'{mask_path}: mask is {mask.shape[1]}x{mask.shape[0]} (w x h) but the pre '
                    f'image is {shape[1]}x{shape[0]}. Write the masks again from these images '
                    f'(xview2_masks.py) or delete the masks/ folder to rasterise the labels.')
            if phase == 'pre':
                return (mask > 0).astype(np.uint8)
            bad = np.setdiff1d(np.unique(mask), [0, 1, 2, 3, 4, IGNORE_INDEX])
            if len(bad):
                raise ValueError(
                    f'{mask_path}: post mask values {bad.tolist()[:5]} are not damage classes '
                    f'0-4 (or 255 = ignore). Is it a pre mask (buildings = 255 is fine there)? '
                    f'Write the masks again (xview2_masks.py).')
            return mask
        if label_path:
            return label_to_mask(label_path, shape, 'loc' if phase == 'pre' else 'damage',
                                 self.unclassified)
        image = (results.get('modality_paths') or {}).get(phase, results.get('img_path'))
        raise FileNotFoundError(
            f'{image}: tile {results.get("tile_id")!r} has no {phase} label or mask (an '
            f'unlabeled test tile?). Drop LoadXView2Masks from the pipeline of unlabeled tiles, '
            f'or restore the label.')

    def transform(self, results: dict) -> dict:
        paths = results.get('modality_paths') or {}
        if 'pre' in results:
            shape = results['pre'].shape[:2]
        elif 'img_shape' in results:
            shape = tuple(results['img_shape'][:2])
        else:
            raise KeyError('LoadXView2Masks needs the loaded images: put LoadModalities first')
        if self.expect_size is not None:
            for phase in ('pre', 'post'):
                if phase in results and results[phase].shape[:2] != self.expect_size:
                    h, w = results[phase].shape[:2]
                    raise ValueError(
                        f'{paths.get(phase, phase)}: image is {w}x{h} (w x h), expect_size is '
                        f'{self.expect_size[1]}x{self.expect_size[0]}. Use the released tiles '
                        f'or change expect_size.')
        results['gt_loc_map'] = self._map(results, 'pre', shape)
        results['gt_dmg_map'] = self._map(results, 'post', shape)
        _add_seg_field(results, 'gt_loc_map')
        _add_seg_field(results, 'gt_dmg_map')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(unclassified={self.unclassified!r}, '
                f'expect_size={self.expect_size})')


def damage_target(dmg: np.ndarray, dilate: int = 0) -> np.ndarray:
    """The damage classification target of the 1st-place xView2 code (``lbl_msk``) from a raw
    damage map.

    One-hot channels 1-4 of ``dmg``, each dilated with a ``dilate x dilate`` square (anchor
    at its centre) when ``dilate > 0``; where several are set, minor (2) wins over major (3),
    major over destroyed (4), and any of them over no-damage (1); 0 (background) where none is
    set; 255 where ``dmg`` is 255 and no (dilated) class covers the pixel.
    """
    channels = {c: (dmg == c).astype(np.uint8) for c in (1, 2, 3, 4)}
    if dilate and dilate > 0:
        kernel = np.ones((int(dilate), int(dilate)), np.uint8)
        channels = {c: cv2.dilate(m, kernel) for c, m in channels.items()}
    out = np.zeros(dmg.shape, np.uint8)
    out[dmg == IGNORE_INDEX] = IGNORE_INDEX
    for c in (1, 4, 3, 2):  # lowest priority first; later ones overwrite
        out[channels[c] > 0] = c
    return out


@TRANSFORMS.register_module()
class XView2Targets(BaseTransform):
    """Set ``gt_seg_map`` (added to ``seg_fields``) for one task.

    * ``task='loc'``: a copy of ``gt_loc_map`` (0/1);
    * ``task='damage'``: :func:`damage_target` of ``gt_dmg_map`` (0-4, 255 ignored), the
      original code's argmax of the prioritised one-hot channels. The original code dilates
      with ``dilate=5`` in training and not for validation.

    ``gt_loc_map`` and ``gt_dmg_map`` are left untouched. Place it after the geometric
    augmentation.

    Args:
        task (str): ``'loc'`` or ``'damage'``.
        dilate (int): Side of the square the damage channels are dilated with (0: none).
    """

    def __init__(self, task: str = 'loc', dilate: int = 0) -> None:
        if task not in ('loc', 'damage'):
            raise ValueError(f'task must be "loc" or "damage", got {task!r}')
        if int(dilate) < 0:
            raise ValueError(f'dilate must be >= 0, got {dilate}')
        self.task = task
        self.dilate = int(dilate)

    def transform(self, results: dict) -> dict:
        key = 'gt_loc_map' if self.task == 'loc' else 'gt_dmg_map'
        if key not in results:
            raise KeyError(f'XView2Targets(task={self.task!r}) needs results[{key!r}]: put '
                           f'LoadXView2Masks before it')
        if self.task == 'loc':
            results['gt_seg_map'] = results['gt_loc_map'].copy()
        else:
            results['gt_seg_map'] = damage_target(results['gt_dmg_map'], self.dilate)
        _add_seg_field(results, 'gt_seg_map')
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(task={self.task!r}, dilate={self.dilate})'


def _score_map(results: dict, score: str) -> np.ndarray:
    if score == 'loc':
        if 'gt_loc_map' not in results:
            raise KeyError('XView2ContentCrop(score="loc") needs gt_loc_map (LoadXView2Masks)')
        return (results['gt_loc_map'] == 1).astype(np.float64)
    if 'gt_dmg_map' not in results:
        raise KeyError('XView2ContentCrop(score="damage") needs gt_dmg_map (LoadXView2Masks)')
    weights = np.zeros(256, np.float64)
    weights[[1, 2, 3, 4]] = (1, 5, 5, 2)
    return weights[results['gt_dmg_map']]


def _crop_resize(arr: np.ndarray, window: np.ndarray, size: int, ref_hw: Tuple[int, int],
                 nearest: bool, pad_val: float) -> np.ndarray:
    """Cut the normalised ``window`` (l, t, r, b) out of ``arr`` (padding outside it) and
    resize to ``size`` reference pixels (scaled to ``arr``'s own resolution)."""
    ah, aw = arr.shape[:2]
    l, t, r, b = np.round(window * [aw, ah, aw, ah]).astype(int)
    r, b = max(r, l + 1), max(b, t + 1)
    pad = ((max(0, -t), max(0, b - ah)), (max(0, -l), max(0, r - aw))) + ((0, 0), ) * \
        (arr.ndim - 2)
    if any(p for pair in pad for p in pair):
        arr = np.pad(arr, pad, constant_values=pad_val)
        t, b, l, r = t + pad[0][0], b + pad[0][0], l + pad[1][0], r + pad[1][0]
    out = arr[t:b, l:r]
    target = (max(1, round(size * aw / ref_hw[1])), max(1, round(size * ah / ref_hw[0])))
    if out.shape[1] != target[0] or out.shape[0] != target[1]:
        resized = cv2.resize(
            out, target, interpolation=cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR)
        out = keep_channels(resized, out)
    return np.ascontiguousarray(out)


@TRANSFORMS.register_module()
class XView2ContentCrop(BaseTransform):
    """The crop of the 1st-place xView2 code: the best of a few random windows by building (or
    damage) content.

    The crop side is ``crop_size``, or with probability ``prob`` a side drawn uniformly from
    ``[crop_size * scale_range[0], crop_size * scale_range[1]]`` (integers). ``N`` positions
    (``N`` drawn from ``tries``, inclusive) are drawn at random and the window with the highest
    score is kept (the first on ties): ``'loc'`` counts building pixels of ``gt_loc_map``,
    ``'damage'`` weighs the pixels of ``gt_dmg_map`` as ``5 * minor + 5 * major + 2 * destroyed
    + 1 * no-damage``. The window is resized to ``crop_size`` (images bilinear, seg fields
    nearest). As in the original code, the best-of-``N`` choice is also made at the plain
    ``crop_size``. An image smaller than the side is padded (images 0, seg fields
    ``seg_pad_val``) at the bottom and right. Every modality and seg field is cropped with the
    same window (in normalised coordinates, so a modality of another resolution follows).

    Args:
        crop_size (int): Output side in reference-modality pixels.
        scale_range (tuple[float, float]): Range of the side relative to ``crop_size``
            (the original code: localisation ``(1/1.1, 1/0.9)``, classification
            ``(1/1.15, 1/0.85)``).
        prob (float): Probability of drawing another side.
        tries (tuple[int, int]): Range of the number of positions tried.
        score (str): ``'loc'`` or ``'damage'``.
        seg_pad_val (int): Value of padded seg-field pixels.
    """

    # the positions tried, whatever prob (which draws the side as well)
    random_draws = RandomDraws(always=True)

    def __init__(self,
                 crop_size: int = 512,
                 scale_range: Tuple[float, float] = (1 / 1.1, 1 / 0.9),
                 prob: float = 0.7,
                 tries: Tuple[int, int] = (1, 5),
                 score: str = 'loc',
                 seg_pad_val: int = 0) -> None:
        if score not in ('loc', 'damage'):
            raise ValueError(f'score must be "loc" or "damage", got {score!r}')
        if not 1 <= int(tries[0]) <= int(tries[1]):
            raise ValueError(f'tries must be (min, max) with 1 <= min <= max, got {tries}')
        self.crop_size = int(crop_size)
        self.scale_range = (float(scale_range[0]), float(scale_range[1]))
        self.prob = prob
        self.tries = (int(tries[0]), int(tries[1]))
        self.score = score
        self.seg_pad_val = seg_pad_val

    def transform(self, results: dict) -> dict:
        no_boxes(results, 'XView2ContentCrop')
        ref = results['ref_modality']
        h, w = results[ref].shape[:2]
        side = self.crop_size
        if random.random() < self.prob:
            side = random.randint(
                int(self.crop_size * self.scale_range[0]),
                int(self.crop_size * self.scale_range[1]))
        side = max(1, side)
        score = _score_map(results, self.score)
        if score.shape != (h, w):
            raise ValueError(f'XView2ContentCrop: the score map is {score.shape} but the '
                             f'reference modality "{ref}" is {(h, w)}; crop before resizing')
        integral = cv2.integral(score)
        best, best_xy = -1., (0, 0)
        for _ in range(random.randint(*self.tries)):
            x0 = random.randint(0, max(0, w - side))
            y0 = random.randint(0, max(0, h - side))
            x1, y1 = min(w, x0 + side), min(h, y0 + side)
            s = integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]
            if s > best:
                best, best_xy = s, (x0, y0)
        x0, y0 = best_xy
        window = np.array([x0 / w, y0 / h, (x0 + side) / w, (y0 + side) / h])
        for name in modality_names(results):
            results[name] = _crop_resize(results[name], window, self.crop_size, (h, w), False, 0)
        for key in seg_fields(results):
            results[key] = _crop_resize(results[key], window, self.crop_size, (h, w), True,
                                        self.seg_pad_val)
        results['img_shape'] = results[ref].shape[:2]
        results['crop_window'] = (x0, y0, x0 + side, y0 + side)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(crop_size={self.crop_size}, '
                f'scale_range={self.scale_range}, prob={self.prob}, tries={self.tries}, '
                f'score={self.score!r})')
