"""Write a small procedural building-damage dataset in the xView2 / xBD on-disk layout.

Each tile is a pre/post pair of RGB satellite-like images with label JSONs. Buildings are
rotated rectangles and L-shapes (some with a courtyard hole) on a textured ground. In the post
image the damage is visible: no-damage roofs look as before, minor damage adds a few dark
spots, major damage darkens a large part of the roof with rubble, and destroyed buildings are
rubble whose outline is gone. Some tiles lack some classes, and one tile has no building.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from shapely import affinity
from shapely.geometry import Polygon, box

from .registry import DEMO_DATASETS

_MARKER = '.xview2_demo_complete'
DISASTERS = ('santa-rosa-wildfire', 'hurricane-harvey', 'palu-tsunami', 'guatemala-volcano')
SUBTYPES = ('no-damage', 'minor-damage', 'major-damage', 'destroyed', 'un-classified')
# Subtype probabilities of the scenarios a tile is drawn from (no-damage, minor, major,
# destroyed, un-classified).
SCENARIOS = ((0.9, 0.0, 0.0, 0.0, 0.1), (0.4, 0.3, 0.2, 0.1, 0.0), (0.3, 0.0, 0.3, 0.4, 0.0),
             (0.5, 0.5, 0.0, 0.0, 0.0), (0.2, 0.2, 0.2, 0.3, 0.1))
METADATA_KEYS = ('sensor', 'provider_asset_type', 'gsd', 'capture_date', 'off_nadir_angle',
                 'pan_resolution', 'sun_azimuth', 'sun_elevation', 'target_azimuth', 'disaster',
                 'disaster_type', 'catalog_id', 'original_width', 'original_height', 'width',
                 'height', 'id', 'img_name')


def _building(rng: np.random.Generator, size: int) -> Polygon:
    """A rotated rectangle or L-shape (sometimes with a courtyard) somewhere in the tile."""
    s = size / 256
    w, h = rng.uniform(14, 40) * s, rng.uniform(12, 34) * s
    shape = rng.choice(['rect', 'L', 'court'], p=[0.5, 0.3, 0.2])
    if shape == 'L':
        poly = Polygon([(0, 0), (w, 0), (w, h * 0.45), (w * 0.45, h * 0.45), (w * 0.45, h), (0, h)])
    elif shape == 'court':
        w, h = max(w, 26 * s), max(h, 26 * s)
        poly = box(0, 0, w, h).difference(box(w * 0.3, h * 0.3, w * 0.7, h * 0.7))
    else:
        poly = box(0, 0, w, h)
    poly = affinity.rotate(poly, rng.uniform(0, 180), origin='centroid')
    x, y = rng.uniform(0.05, 0.95, 2) * size
    c = poly.centroid
    return affinity.translate(poly, x - c.x, y - c.y)


def _fill(shape: Tuple[int, int], poly: Polygon) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(np.asarray(poly.exterior.coords)).astype(np.int32)], 1)
    holes = [np.round(np.asarray(r.coords)).astype(np.int32) for r in poly.interiors]
    if holes:
        cv2.fillPoly(mask, holes, 0)
    return mask.astype(bool)


def _ground(rng: np.random.Generator, size: int) -> np.ndarray:
    base = np.array(rng.choice([(95, 120, 70), (140, 125, 95), (110, 115, 90)]), np.float32)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 6)
    noise /= noise.std() + 1e-6
    img = base + noise[..., None] * 14 + rng.normal(0, 5, (size, size, 3))
    for _ in range(rng.integers(0, 3)):  # a road
        p0, p1 = rng.uniform(0, size, 2), rng.uniform(0, size, 2)
        cv2.line(img, tuple(int(v) for v in p0), tuple(int(v) for v in p1), (150, 150, 150),
                 max(2, size // 40))
    return img


def _tile(rng: np.random.Generator, size: int, empty: bool):
    pre = _ground(rng, size)
    buildings: List[Tuple[Polygon, str]] = []
    if not empty:
        probs = SCENARIOS[rng.integers(len(SCENARIOS))]
        for _ in range(200):
            if len(buildings) >= rng.integers(4, 10):
                break
            poly = _building(rng, size)
            if not poly.is_valid or not box(2, 2, size - 3, size - 3).contains(poly) or \
                    any(poly.buffer(3).intersects(b) for b, _ in buildings):
                continue
            buildings.append((poly, str(rng.choice(SUBTYPES, p=probs))))
    post = pre * rng.uniform(0.9, 1.05) + rng.normal(0, 3, pre.shape)
    rubble = rng.uniform(40, 120, (size, size, 1)) * np.array([1.0, 0.9, 0.8], np.float32)
    for poly, subtype in buildings:
        on = _fill((size, size), poly)
        roof = rng.uniform(150, 235, 3)
        pre[on] = roof + rng.normal(0, 4, (on.sum(), 3))
        if subtype in ('no-damage', 'un-classified'):
            post[on] = roof + rng.normal(0, 4, (on.sum(), 3))
            continue
        if subtype == 'destroyed':  # rubble spilling over a blurred outline
            spill = cv2.dilate(on.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
            mix = rng.uniform(0.4, 1.0, (spill.sum(), 1))
            post[spill] = post[spill] * (1 - mix) + rubble[spill] * mix
            continue
        post[on] = roof + rng.normal(0, 4, (on.sum(), 3))
        ys, xs = np.nonzero(on)
        damaged = np.zeros((size, size), np.uint8)
        spots = 3 if subtype == 'minor-damage' else 12
        radius = max(1, int(np.sqrt(on.sum()) / (8 if subtype == 'minor-damage' else 3)))
        for i in rng.integers(0, len(ys), spots):
            cv2.circle(damaged, (int(xs[i]), int(ys[i])), radius, 1, -1)
        dark = damaged.astype(bool) & on
        post[dark] = rubble[dark] * (0.6 if subtype == 'minor-damage' else 1.0)
    to8 = lambda a: np.clip(a, 0, 255).astype(np.uint8)  # noqa: E731
    return to8(pre), to8(post), buildings


def _wkt(poly: Polygon, fn=lambda x, y: (x, y)) -> str:

    def ring(r):
        return '(' + ', '.join('%.6f %.6f' % fn(x, y) for x, y in r.coords) + ')'
    return 'POLYGON (' + ', '.join([ring(poly.exterior)] + [ring(r) for r in poly.interiors]) \
        + ')'


def _label(buildings, phase: str, disaster: str, name: str, size: int, origin) -> dict:
    lng0, lat0 = origin

    def to_lng_lat(x, y):
        return lng0 + x * 3e-6, lat0 - y * 3e-6

    xy, lng_lat = [], []
    for index, (poly, subtype) in enumerate(buildings):
        props = dict(feature_type='building', uid=f'{name}-{index:04d}')
        if phase == 'post':
            props['subtype'] = subtype
        xy.append(dict(properties=dict(props), wkt=_wkt(poly)))
        lng_lat.append(dict(properties=dict(props), wkt=_wkt(poly, to_lng_lat)))
    meta = {k: '' for k in METADATA_KEYS}
    meta.update(
        sensor='DEMO',
        provider_asset_type='DEMO',
        gsd=1.0,
        off_nadir_angle=0,
        disaster=disaster,
        disaster_type=disaster.split('-')[-1],
        width=size,
        height=size,
        original_width=size,
        original_height=size,
        img_name=name + '.png',
        id=name)
    return dict(features=dict(lng_lat=lng_lat, xy=xy), metadata=meta)


@DEMO_DATASETS.register_module('xview2')
def make_xview2_demo(root: str,
                     splits: Optional[Dict[str, int]] = None,
                     size: int = 256,
                     seed: int = 0) -> str:
    """Write the demo dataset (idempotent: a complete one is kept).

    Layout (as the xBD release)::

        <split>/images/<disaster>_<8-digit id>_{pre,post}_disaster.png   # RGB, size x size
        <split>/labels/<same stem>.json                                  # features.xy WKT
        test/images/test_{pre,post}_<5-digit id>.png, test/labels/<same stem>.json

    Pre labels have no ``subtype``, post labels do. The last tile of the first split has no
    building; ids are unique over the dataset.

    Args:
        root (str): Output folder.
        splits (dict, optional): Tiles per split, from ``train``, ``tier3``, ``hold``,
            ``test``. Default ``dict(train=8, hold=4, test=4)``.
        size (int): Image side (the real tiles are 1024).
        seed (int): Random seed.

    Returns:
        str: ``root``.
    """
    splits = dict(train=8, hold=4, test=4) if splits is None else dict(splits)
    unknown = set(splits) - {'train', 'tier3', 'hold', 'test'}
    if unknown:
        raise ValueError(f'unknown splits {sorted(unknown)}; use train, tier3, hold and test')
    if osp.isfile(osp.join(root, _MARKER)):
        return root
    rng = np.random.default_rng(seed)
    index = 0
    for s_index, (split, count) in enumerate(splits.items()):
        for folder in ('images', 'labels'):
            os.makedirs(osp.join(root, split, folder), exist_ok=True)
        for i in range(count):
            disaster = DISASTERS[index % len(DISASTERS)]
            empty = s_index == 0 and i == count - 1
            pre, post, buildings = _tile(rng, size, empty)
            origin = (float(rng.uniform(-120, 120)), float(rng.uniform(-60, 60)))
            for phase, img in (('pre', pre), ('post', post)):
                if split == 'test':
                    name = f'test_{phase}_{index:05d}'
                else:
                    name = f'{disaster}_{index:08d}_{phase}_disaster'
                cv2.imwrite(osp.join(root, split, 'images', name + '.png'), img[..., ::-1])
                with open(osp.join(root, split, 'labels', name + '.json'), 'w') as f:
                    json.dump(_label(buildings, phase, disaster, name, size, origin), f)
            index += 1
    with open(osp.join(root, _MARKER), 'w') as f:
        f.write(json.dumps(dict(splits=splits, size=size, seed=seed)) + '\n')
    return root
