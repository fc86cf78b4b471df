"""Write a small procedural SAR/EO vehicle-chip dataset in the MAVOC on-disk layouts.

Every sample is one vehicle seen from above: a set of boxes (cab, body, bed, trailer) whose
lengths, widths and heights depend on the class, at a random heading and with a random scale.
The EO chip is a smooth grey blob (brightness from the part heights and a random paint shade);
the SAR chip of the same vehicle is a speckled image with bright scatterers on the edges and a
few random strong points. Classes differ in size and outline, so a small CNN learns something
from either modality; the EO chips are cleaner than the SAR ones.
"""
import csv
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from .registry import DEMO_DATASETS

# Parts of each vehicle: (start along the axis from the front, length, width, height), metres.
_PICKUP = [(0., 2.6, 2.0, 0.9), (2.6, 2.4, 1.9, 0.35)]
_FLATBED = [(0., 2.2, 2.3, 0.9), (2.3, 5.5, 2.4, 0.25)]
VEHICLE_PARTS = {
    0: [(0., 4.5, 1.8, 0.6)],  # sedan
    1: [(0., 4.8, 2.0, 0.9)],  # SUV
    2: _PICKUP,  # pickup truck
    3: [(0., 5.3, 2.0, 1.0)],  # van
    4: [(0., 2.0, 2.2, 0.8), (2.2, 5.0, 2.4, 1.0)],  # box truck
    5: [(0., 2.1, 0.7, 0.5)],  # motorcycle
    6: _FLATBED,  # flatbed truck
    7: [(0., 11.5, 2.5, 1.0)],  # bus
    8: _PICKUP + [(5.5, 3.5, 2.0, 0.4)],  # pickup truck w/ trailer
    9: _FLATBED + [(8.3, 6.0, 2.4, 0.25)],  # 2021: flatbed truck w/ trailer
}
SEMI_PARTS = [(0., 3.0, 2.5, 1.0), (3.3, 12.0, 2.5, 1.0)]  # 2024 class 9: semi truck w/ trailer
OOD_PARTS = [(0., 7.0, 3.4, 0.6), (2.3, 2.6, 2.6, 1.0)]  # a tracked vehicle with a turret
FOLDERS_2024 = ('sedan', 'SUV', 'pickup_truck', 'van', 'box_truck', 'motorcycle', 'flatbed_truck',
                'bus', 'pickup_truck_w_trailer', 'semi_w_trailer')
DEFAULT_SPLITS = dict(train=20, valid=5, test=5)
_LONGEST = 16.  # metres spanned by 90 % of a chip side
_MARKER = '.mavoc_demo_complete'


def _height_map(parts, size: int, heading: float, scale: float, shift) -> np.ndarray:
    """Part heights drawn at ``heading`` (radians) into a ``size`` x ``size`` map."""
    px = 0.9 * size / _LONGEST * scale
    total = max(s + length for s, length, _, _ in parts)
    rot = np.array([[np.cos(heading), -np.sin(heading)], [np.sin(heading), np.cos(heading)]])
    centre = np.array([size / 2, size / 2]) + np.asarray(shift) * size
    out = np.zeros((size, size), np.float32)
    for start, length, width, height in parts:
        u0, u1 = start - total / 2, start + length - total / 2
        corners = np.array([[u0, -width / 2], [u1, -width / 2], [u1, width / 2], [u0, width / 2]
                            ]) * px
        pts = (corners @ rot.T + centre) * 16  # 4 fractional bits
        mask = np.zeros((size, size), np.uint8)
        cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1, cv2.LINE_8, shift=4)
        out = np.maximum(out, mask.astype(np.float32) * height)
    return out


def _eo_chip(rng: np.random.Generator, heights: np.ndarray) -> np.ndarray:
    size = heights.shape[0]
    background = cv2.GaussianBlur(rng.normal(0, 6, (size, size)).astype(np.float32), (0, 0), 2)
    shade = rng.uniform(0.6, 1.3)
    img = 70 + background + (heights > 0) * shade * (55 + 90 * heights)
    img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 0.8)
    return np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)


def _sar_chip(rng: np.random.Generator, heights: np.ndarray) -> np.ndarray:
    size = heights.shape[0]
    inside = heights > 0
    reflect = np.full((size, size), 0.12, np.float32)
    reflect[inside] = 0.35 + 0.4 * heights[inside]
    edges = inside & ~cv2.erode(inside.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    reflect[edges] += 1.2 * heights[edges] + 0.3
    ys, xs = np.nonzero(inside)
    for i in rng.choice(len(ys), size=min(len(ys), 6), replace=False):
        reflect[ys[i], xs[i]] += rng.uniform(1., 4.)
    reflect = cv2.GaussianBlur(reflect, (0, 0), 0.7) * rng.gamma(2., 0.5, reflect.shape)
    db = 10 * np.log10(np.maximum(reflect, 1e-4))
    return np.clip((db + 25) / 35 * 255, 0, 255).astype(np.uint8)


def render_pair(rng: np.random.Generator, parts, eo_size: int,
                sar_size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Render one vehicle as an (SAR, EO) pair of 8-bit grey chips.

    Args:
        rng (np.random.Generator): Random stream.
        parts (list[tuple]): ``(start, length, width, height)`` boxes, metres.
        eo_size (int): Side of the EO chip.
        sar_size (int): Side of the SAR chip.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``sar_size`` and ``eo_size`` square uint8 chips.
    """
    heading, scale = rng.uniform(0, np.pi), rng.uniform(0.9, 1.1)
    shift = rng.uniform(-0.04, 0.04, 2)
    sar = _sar_chip(rng, _height_map(parts, sar_size, heading, scale, shift))
    eo = _eo_chip(rng, _height_map(parts, eo_size, heading, scale, shift))
    return sar, eo


def _write_csv(path: str, header: List[str], rows: List[list]) -> None:
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def make_mavoc_demo(root: str,
                    layout: str = '2021',
                    splits: Optional[Dict[str, int]] = None,
                    seed: int = 0,
                    eo_size: int = 31,
                    sar_size: int = 56) -> str:
    """Write the demo dataset in a real MAVOC layout (idempotent: a complete one is kept).

    Layout ``'2021'``::

        train_images/<class id>/SAR_<id>.png, EO_<id>.png
        valid_images/valid_sar/SAR_<id>.png, valid_images/valid_eo/EO_<id>.png
        test_images/test_sar/SAR_<id>.png, test_images/test_eo/EO_<id>.png
        kd_train_SAR.csv, kd_train_EO.csv       # NTIRE 2021 KD lists: img_name,class_id
        kd_train_SAR/, kd_train_EO/             # the train chips, flat, as those lists expect
        valid_labels.csv, test_labels.csv       # image_id,class_id (the demo knows them)

    Layout ``'2024'``::

        SAR_Train/<class name>/<id>.png, EO_Train/<class name>/<id>.png
        val/<id>.png + validation_reference.csv  # SAR only; image_id,class,OOD_flag
        test/Gotcha<id>.png                      # SAR only, unlabeled

    The 2024 val and test sets also hold out-of-distribution chips (a turreted tracked vehicle),
    twice the chips per class of the split (``class=unknown, OOD_flag=1`` in the reference).
    Ids are unpadded integers, unique over the whole dataset. Chips are 8-bit grey PNGs; each
    side varies around the nominal size (EO by up to 1 px, SAR by up to 2 px), like real chips.

    Args:
        root (str): Output folder.
        layout (str): ``'2021'`` or ``'2024'``.
        splits (dict, optional): Chips per class of each split, from ``train``, ``valid``,
            ``test``. Defaults to ``dict(train=20, valid=5, test=5)``.
        seed (int): Random seed.
        eo_size (int): Nominal EO chip side (real: about 31 px).
        sar_size (int): Nominal SAR chip side (real: 54-60 px).

    Returns:
        str: ``root``.
    """
    layout = str(layout)
    if layout not in ('2021', '2024'):
        raise ValueError(f'layout must be "2021" or "2024", got {layout!r}')
    splits = dict(DEFAULT_SPLITS if splits is None else splits)
    unknown = set(splits) - set(DEFAULT_SPLITS)
    if unknown:
        raise ValueError(f'unknown splits {sorted(unknown)}; use train, valid and test')
    if osp.isfile(osp.join(root, _MARKER)):
        return root
    rng = np.random.default_rng(seed)
    parts = dict(VEHICLE_PARTS)
    if layout == '2024':
        parts[9] = SEMI_PARTS
    next_id = int(rng.integers(1, 500))
    rows: Dict[str, list] = {}
    for split, per_class in splits.items():
        samples = [(c, parts[c]) for c in range(10) for _ in range(per_class)]
        if layout == '2024' and split != 'train':
            samples += [(-1, OOD_PARTS)] * (2 * per_class)
        rng.shuffle(samples)
        rows[split] = []
        for cls, vehicle in samples:
            image_id = next_id
            next_id += int(rng.integers(1, 40))
            sar, eo = render_pair(rng, vehicle, eo_size + int(rng.integers(-1, 2)),
                                  sar_size + int(rng.integers(-2, 3)))
            files = _paths_2021(split, cls, image_id) if layout == '2021' else \
                _paths_2024(split, cls, image_id)
            for name, img in (('sar', sar), ('eo', eo)):
                if files.get(name):
                    path = osp.join(root, files[name])
                    os.makedirs(osp.dirname(path), exist_ok=True)
                    cv2.imwrite(path, img)
            rows[split].append((image_id, cls, files))
    if layout == '2021':
        _write_2021_lists(root, rows)
    elif 'valid' in rows:
        _write_csv(
            osp.join(root, 'validation_reference.csv'), ['image_id', 'class', 'OOD_flag'],
            [[i, FOLDERS_2024[c] if c >= 0 else 'unknown',
              int(c < 0)] for i, c, _ in sorted(rows['valid'])])
    open(osp.join(root, _MARKER), 'w').close()
    return root


@DEMO_DATASETS.register_module('mavoc2021')
def make_mavoc2021_demo(root: str, **kwargs) -> str:
    """:func:`make_mavoc_demo` in the MAVOC 2021 layout (NTIRE 2021).

    Args:
        root (str): Output folder.
        **kwargs: Other :func:`make_mavoc_demo` arguments (``splits``, ``seed``, sizes).
    """
    return make_mavoc_demo(root, layout='2021', **kwargs)


@DEMO_DATASETS.register_module('mavoc2024')
def make_mavoc2024_demo(root: str, **kwargs) -> str:
    """:func:`make_mavoc_demo` in the MAVOC 2024 layout (with out-of-distribution chips).

    Args:
        root (str): Output folder.
        **kwargs: Other :func:`make_mavoc_demo` arguments (``splits``, ``seed``, sizes).
    """
    return make_mavoc_demo(root, layout='2024', **kwargs)


def _paths_2021(split: str, cls: int, image_id: int) -> Dict[str, str]:
    if split == 'train':
        return dict(
            sar=f'train_images/{cls}/SAR_{image_id}.png',
            eo=f'train_images/{cls}/EO_{image_id}.png')
    return dict(
        sar=f'{split}_images/{split}_sar/SAR_{image_id}.png',
        eo=f'{split}_images/{split}_eo/EO_{image_id}.png')


def _paths_2024(split: str, cls: int, image_id: int) -> Dict[str, str]:
    if split == 'train':
        return dict(
            sar=f'SAR_Train/{FOLDERS_2024[cls]}/{image_id}.png',
            eo=f'EO_Train/{FOLDERS_2024[cls]}/{image_id}.png')
    if split == 'valid':
        return dict(sar=f'val/{image_id}.png')
    return dict(sar=f'test/Gotcha{image_id}.png')


def _write_2021_lists(root: str, rows: Dict[str, list]) -> None:
    """The NTIRE 2021 KD lists (with their flat chip folders) and the demo's label files."""
    if 'train' in rows:
        for modality, prefix in (('sar', 'SAR'), ('eo', 'EO')):
            folder = osp.join(root, f'kd_train_{prefix}')
            os.makedirs(folder, exist_ok=True)
            for _, _, files in rows['train']:
                shutil.copyfile(
                    osp.join(root, files[modality]), osp.join(folder,
                                                              osp.basename(files[modality])))
            _write_csv(
                osp.join(root, f'kd_train_{prefix}.csv'), ['img_name', 'class_id'],
                [[f'{prefix}_{i}.png', c] for i, c, _ in rows['train']])
    for split in ('valid', 'test'):
        if split in rows:
            _write_csv(
                osp.join(root, f'{split}_labels.csv'), ['image_id', 'class_id'],
                sorted((i, c) for i, c, _ in rows[split]))
