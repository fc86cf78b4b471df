"""xView2 / xBD building localisation and damage classification (pre/post image pairs)."""
import math
import os
import os.path as osp
import re
import struct
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .sample_lists import read_name_list, require_samples
from .xview2_labels import damage_classes_of, parse_xview2_label
from .xview2_mask_stamp import StaleMasksError, stale_masks

XVIEW2_SPLITS = ('train', 'tier3', 'hold', 'test')
PHASES = ('pre', 'post')
_DISASTER_NAME = re.compile(r'^(?P<tile>.+_\d{8})_(?P<phase>pre|post)_disaster\.png$')
_TEST_NAME = re.compile(r'^test_(?P<phase>pre|post)_(?P<tile>\d+)\.png$')


def xview2_stem(tile_id: str, phase: str) -> str:
    """File stem of a tile's image (and label / mask) for ``phase`` (``'pre'``/``'post'``)."""
    if '_' in tile_id:
        return f'{tile_id}_{phase}_disaster'
    return f'test_{phase}_{tile_id}'


def scan_xview2_split(data_root: str, split: str) -> List[dict]:
    """The tiles of ``<data_root>/<split>``, sorted by tile id.

    Each tile is ``dict(tile_id, split, modality_paths, label_paths, mask_paths)``; a label or
    mask that does not exist is ``None``.

    Raises:
        FileNotFoundError: The split or its ``images/`` folder is missing.
        ValueError: A PNG in ``images/`` is not named like an xBD image, or a pre image has
            no post partner (or the reverse).
    """
    folder = osp.join(data_root, split)
    images = osp.join(folder, 'images')
    if not osp.isdir(images):
        what = 'split folder' if not osp.isdir(folder) else 'images/ folder of the split'
        raise FileNotFoundError(
            f'{images}: {what} not found. xView2 expects <data_root>/<split>/images/*.png; '
            f'check data_root or drop "{split}" from splits.')
    found: Dict[str, Dict[str, str]] = {}
    for name in sorted(os.listdir(images)):
        if not name.endswith('.png'):
            continue
        match = _DISASTER_NAME.match(name) or _TEST_NAME.match(name)
        if match is None:
            raise ValueError(
                f'{osp.join(images, name)}: not an xBD image name; expected '
                f'<disaster>_<8-digit id>_{{pre,post}}_disaster.png or test_{{pre,post}}_<id>.png. '
                f'Rename the file or move it out of {images}.')
        found.setdefault(match['tile'], {})[match['phase']] = osp.join(images, name)
    tiles = []
    for tile_id in sorted(found):
        paths = found[tile_id]
        for have, lack in (('pre', 'post'), ('post', 'pre')):
            if lack not in paths:
                expected = osp.join(images, xview2_stem(tile_id, lack) + '.png')
                raise ValueError(
                    f'{paths[have]}: {have}-disaster image without its {lack}-disaster partner '
                    f'{expected}. Every tile needs both images; restore the missing one or '
                    f'move this one out of {images}.')
        labels, masks = {}, {}
        for phase in PHASES:
            stem = xview2_stem(tile_id, phase)
            label = osp.join(folder, 'labels', stem + '.json')
            mask = osp.join(folder, 'masks', stem + '.png')
            labels[phase] = label if osp.isfile(label) else None
            masks[phase] = mask if osp.isfile(mask) else None
        tiles.append(
            dict(
                tile_id=tile_id,
                split=split,
                modality_paths=dict(paths),
                label_paths=labels,
                mask_paths=masks))
    return tiles


def png_size(path: str) -> Tuple[int, int]:
    """``(height, width)`` from a PNG header (no decoding)."""
    with open(path, 'rb') as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b'\x89PNG\r\n\x1a\n' or head[12:16] != b'IHDR':
        raise ValueError(f'{path}: not a PNG file (bad header). Re-export or remove this tile.')
    width, height = struct.unpack('>II', head[16:24])
    return int(height), int(width)


def holdout_split(items: Sequence, fraction: float, seed: int) -> Tuple[List[int], List[int]]:
    """The original xView2 code's 90/10 split: ``(train indices, val indices)`` of ``items``
    (already sorted), drawn with the random ``seed``.

    ``numpy.random.RandomState(seed).permutation(n)``; the first ``ceil(fraction * n)`` indices
    are validation, the rest training (what ``sklearn.model_selection.train_test_split(...,
    test_size=fraction, random_state=seed)`` gives). Both lists come back sorted.
    """
    n = len(items)
    n_val = int(math.ceil(fraction * n))
    order = np.random.RandomState(seed).permutation(n)
    return sorted(order[n_val:].tolist()), sorted(order[:n_val].tolist())


def damage_classes(tile: dict) -> set:
    """Damage values (1-4) of a tile's post label: from its post mask, else its post JSON."""
    mask = tile['mask_paths'].get('post')
    if mask is not None:
        from .transforms.loading import decode_image
        values = np.unique(decode_image(mask))
        return {int(v) for v in values if 1 <= v <= 4}
    label = tile['label_paths'].get('post')
    if label is not None:
        return damage_classes_of(parse_xview2_label(label))
    return set()


def oversample_count(classes: set) -> int:
    """The oversampling rule of the 1st-place xView2 code: once; again with minor, major or
    destroyed; a third time with minor or major (damage values 2, 3, 4)."""
    return 1 + bool(classes & {2, 3, 4}) + bool(classes & {2, 3})


@DATASETS.register_module()
class XView2Dataset(BaseSegDataset):
    """xView2 / xBD tiles in the release layout::

        data_root/<split>/images/<disaster>_<8-digit id>_{pre,post}_disaster.png  # RGB 1024^2
        data_root/<split>/labels/<same stem>.json     # polygons (WKT, pixel coordinates)
        data_root/<split>/masks/<same stem>.png       # optional, written by xview2_masks.py
        data_root/test/images/test_{pre,post}_<id>.png  # the test naming (labels: same stem)

    Each sample is one tile: ``tile_id`` (``'santa-rosa-wildfire_00000007'``, or ``'00012'``
    for the test naming), ``split``, ``modality_paths=dict(pre=..., post=...)`` (read by
    ``LoadModalities``), ``img_path`` (the pre image), ``label_paths`` and ``mask_paths``
    (``dict(pre=..., post=...)``, ``None`` where absent; read by ``LoadXView2Masks``).

    A tile needs, for each of pre and post, a label or a mask. Only in the ``test`` split may
    both be missing: such tiles are unlabeled and have no targets (use them without
    ``LoadXView2Masks``, e.g. for prediction). A mask that no longer shows its label (the label
    changed after ``xview2_masks.py`` wrote it, see :mod:`.xview2_mask_stamp`) is refused at
    init (``StaleMasksError``, every stale mask in its ``problems``). Label files are read when a
    sample is loaded; what cannot be a building is refused there (``xview2_labels``).

    Args:
        data_root (str): Folder holding the split folders.
        splits (Sequence[str]): Split folders to read, any of ``train``, ``tier3``, ``hold``,
            ``test``.
        holdout (dict, optional): ``dict(fraction=0.1, seed=0, part='train'|'val')``: the
            original xView2 code's random split of all listed tiles (after ``tile_list``). The tiles
            are sorted by ``(split, tile_id)``; ``numpy.random.RandomState(seed).permutation(n)``
            orders them, the first ``ceil(fraction * n)`` are ``'val'`` and the rest ``'train'``
            (``sklearn``'s ``train_test_split(test_size=fraction, random_state=seed)`` on the
            same list). Deterministic: the same files and random seed give the same parts.
        tile_list (str, optional): Text file of tile ids (one per line) to keep; every id must
            exist in the listed splits.
        oversample (bool): The 1st-place xView2 code's oversampling: every tile once, again when its
            post label holds minor-damage, major-damage or destroyed buildings, a third time when it
            holds minor or major damage (counted at init from the post mask, else the post JSON).
        expect_size (tuple[int, int], optional): Required ``(h, w)`` of every image, checked at
            init from the PNG headers.
        **kwargs: ``BaseSegDataset`` arguments (``pipeline``, ``test_mode``...).
    """

    METAINFO = dict(
        classes=('background', 'no-damage', 'minor-damage', 'major-damage', 'destroyed'),
        palette=[[0, 0, 0], [0, 200, 0], [250, 220, 0], [250, 120, 0], [220, 0, 0]])

    def __init__(self,
                 data_root: str = '',
                 splits: Sequence[str] = ('train', ),
                 holdout: Optional[dict] = None,
                 tile_list: Optional[str] = None,
                 oversample: bool = False,
                 expect_size: Optional[Tuple[int, int]] = None,
                 **kwargs) -> None:
        if isinstance(splits, str):
            splits = [splits]
        unknown = [s for s in splits if s not in XVIEW2_SPLITS]
        if unknown or not splits:
            raise ValueError(f'splits must be a non-empty subset of {XVIEW2_SPLITS}, got '
                             f'{list(splits)}')
        self.splits = list(dict.fromkeys(splits))
        self.holdout = self._check_holdout(holdout)
        self.tile_list = tile_list
        self.oversample = oversample
        self.expect_size = tuple(expect_size) if expect_size is not None else None
        kwargs.setdefault('img_suffix', '.png')
        kwargs.setdefault('seg_map_suffix', '.png')
        super().__init__(data_root=data_root, reduce_zero_label=False, **kwargs)

    @staticmethod
    def _check_holdout(holdout: Optional[dict]) -> Optional[dict]:
        if holdout is None:
            return None
        unknown = set(holdout) - {'fraction', 'seed', 'part'}
        out = dict(fraction=0.1, seed=0, part='train')
        out.update(holdout)
        if unknown or out['part'] not in ('train', 'val') or \
                not 0 < float(out['fraction']) < 1:
            raise ValueError(f'holdout must be dict(fraction in (0, 1), seed=int, '
                             f'part="train"|"val"), got {holdout}')
        return out

    def load_data_list(self) -> List[dict]:
        root = self.data_root or ''
        tiles = []
        for split in self.splits:
            tiles += scan_xview2_split(root, split)
        source = ', '.join(osp.join(root, s, 'images') for s in self.splits)
        require_samples(tiles, source, 'check data_root and splits (no pre/post PNG pair found)')
        if self.tile_list:
            path = self.tile_list
            if not osp.isabs(path) and not osp.isfile(path):
                path = osp.join(root, path)
            wanted = read_name_list(path)
            known = {t['tile_id'] for t in tiles}
            missing = [w for w in wanted if w not in known]
            if missing:
                raise ValueError(f'{path}: {len(missing)} tile id(s) are in none of the splits '
                                 f'{self.splits}, e.g. {missing[:3]}. Fix the list or add the '
                                 f'split that holds them.')
            keep = set(wanted)
            tiles = [t for t in tiles if t['tile_id'] in keep]
        tiles.sort(key=lambda t: (t['split'], t['tile_id']))
        if self.holdout is not None:
            h = self.holdout
            train, val = holdout_split(tiles, float(h['fraction']), int(h['seed']))
            if not train or not val:
                raise ValueError(f'{source}: holdout fraction {h["fraction"]} of {len(tiles)} '
                                 f'tile(s) leaves an empty part; use more tiles or another '
                                 f'fraction.')
            tiles = [tiles[i] for i in (train if h['part'] == 'train' else val)]
        stale = stale_masks(tiles, root)
        if stale:
            raise StaleMasksError(
                f'{stale[0]["reason"]} ({len(stale)} stale mask(s) in all; '
                f'tools/misc/check_dataset.py CONFIG lists each.)', stale)
        data_list = []
        for tile in tiles:
            self._check_tile(tile)
            info = dict(
                tile,
                img_path=tile['modality_paths']['pre'],
                seg_fields=[],
                reduce_zero_label=False,
                label_map=self.label_map)
            repeat = oversample_count(damage_classes(tile)) if self.oversample else 1
            data_list += [dict(info) for _ in range(repeat)]
        return data_list

    def _check_tile(self, tile: dict) -> None:
        for phase in PHASES:
            if tile['label_paths'][phase] is None and tile['mask_paths'][phase] is None \
                    and tile['split'] != 'test':
                stem = osp.splitext(osp.basename(tile['modality_paths'][phase]))[0]
                label = osp.join(self.data_root or '', tile['split'], 'labels', stem + '.json')
                raise FileNotFoundError(
                    f'{label}: label file not found (and no masks/{stem}.png either). Only '
                    f'test tiles may be unlabeled; restore the label or move the tile out.')
        if self.expect_size is not None:
            for phase in PHASES:
                path = tile['modality_paths'][phase]
                hw = png_size(path)
                if hw != self.expect_size:
                    raise ValueError(
                        f'{path}: image is {hw[1]}x{hw[0]} (w x h), expect_size is '
                        f'{self.expect_size[1]}x{self.expect_size[0]}. Use the released '
                        f'tiles or change expect_size.')
