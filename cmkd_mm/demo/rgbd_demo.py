"""Write a small procedural RGB + depth indoor segmentation dataset in plain folders.

Rooms seen by a registered RGB-D camera (same frame, same size): a back wall, the floor, boxes
standing on it and people. The depth map is what a structured-light camera gives: 16-bit
millimetres, noise growing with the square of the distance, no measurement (0) beyond its range,
in the projector's shadow beside near objects and on dark, light-absorbing surfaces (black boxes,
dark clothes). Boxes and people close to the wall barely stand out in depth; the colour image
shows their edges whatever the distance, so an RGB + depth model has cues a depth-only one lacks::

    root/rgb/<name>.png      # 8-bit colour
    root/depth/<name>.png    # 16-bit grey, millimetres, 0 = no measurement
    root/labels/<name>.png   # 8-bit class ids: 0 wall, 1 floor, 2 box, 3 person
    root/{train,val,test}.txt
"""
import os
import os.path as osp
from typing import Dict, Tuple

import cv2
import numpy as np

from .registry import DEMO_DATASETS

#: The classes, in label order.
CLASSES = ('wall', 'floor', 'box', 'person')
_CAMERA_HEIGHT = 1.2  # metres above the floor
_MAX_RANGE = 5.0  # metres: farther points give no depth


def _scene(rng: np.random.Generator, size: Tuple[int, int]):
    """One frame: RGB (H x W x 3), depth in millimetres (H x W, uint16) and the label map."""
    w, h = size
    focal = 0.8 * w
    horizon = h * rng.uniform(0.35, 0.5)
    wall_z = rng.uniform(3.0, 6.0)
    rows = np.arange(h, dtype=np.float32)[:, None] + 0.5
    below = np.maximum(rows - horizon, 1e-3)
    floor_z = focal * _CAMERA_HEIGHT / below  # the floor plane, row by row
    is_floor = np.broadcast_to((rows > horizon) & (floor_z < wall_z), (h, w))
    z = np.where(is_floor, np.broadcast_to(floor_z, (h, w)), wall_z).astype(np.float32)
    label = np.where(is_floor, 1, 0).astype(np.uint8)
    light = rng.uniform(0.45, 1.0)
    wall_colour = rng.uniform(120, 230, 3)
    floor_colour = rng.uniform(60, 170, 3)
    rgb = np.where(is_floor[..., None], floor_colour, wall_colour).astype(np.float32)
    rgb *= np.clip(1.1 - 0.08 * z, 0.5, 1.0)[..., None]  # light falls off with distance
    absorbs = np.zeros((h, w), bool)
    shadow = np.zeros((h, w), bool)
    objects = []
    for _ in range(rng.integers(2, 6)):
        kind = 2 if rng.uniform() < 0.6 else 3
        near_wall = rng.uniform() < 0.35
        oz = wall_z - rng.uniform(0.15, 0.5) if near_wall else rng.uniform(1.6, wall_z - 0.5)
        objects.append((float(oz), kind))
    for oz, kind in sorted(objects, reverse=True):  # far to near: the near ones occlude
        x = rng.uniform(-0.45, 0.45) * w / focal * oz  # metres from the optical axis
        mask = np.zeros((h, w), np.uint8)
        foot = horizon + focal * _CAMERA_HEIGHT / oz  # the row where it stands on the floor
        if kind == 2:
            bw, bh = rng.uniform(0.4, 0.9), rng.uniform(0.3, 0.8)
            x0 = int(w / 2 + focal * (x - bw / 2) / oz)
            x1 = int(w / 2 + focal * (x + bw / 2) / oz)
            cv2.rectangle(mask, (x0, int(foot - focal * bh / oz)), (x1, int(foot)), 1, -1)
            dark = rng.uniform() < 0.2
            colour = rng.uniform(10, 35, 3) if dark else rng.uniform(80, 220, 3)
        else:
            ph = rng.uniform(1.5, 1.85)
            px, top = w / 2 + focal * x / oz, foot - focal * ph / oz
            head = max(1, int(focal * 0.11 / oz))
            body = (int(px), int((top + 2 * head + foot) / 2))
            axes = (max(1, int(focal * 0.22 / oz)), max(1, int((foot - top - 2 * head) / 2)))
            cv2.ellipse(mask, body, axes, 0, 0, 360, 1, -1)
            cv2.circle(mask, (int(px), int(top + head)), head, 1, -1)
            dark = rng.uniform() < 0.35
            colour = rng.uniform(10, 40, 3) if dark else rng.uniform(60, 230, 3)
        on = mask.astype(bool)
        if not on.any():
            continue
        label[on] = kind
        z[on] = oz
        rgb[on] = colour * rng.uniform(0.9, 1.1)
        absorbs[on] = dark
        shadow &= ~on
        # The projector sits 7.5 cm beside the camera: a band right of the object, as wide as
        # the disparity between the object and the wall, gets no pattern.
        band = int(round(0.075 * focal * (1 / oz - 1 / wall_z)))
        shifted = np.zeros_like(on)
        shifted[:, band:] = on[:, :w - band] if band else on
        shadow |= shifted & ~on
    rgb = rgb * light + rng.normal(0, 4 + 6 * (1 - light), rgb.shape)
    depth = z * 1000 + rng.normal(0, 1, z.shape) * 2.85 * z**2  # mm, sigma 2.85 mm * z^2
    invalid = (z > _MAX_RANGE) | shadow | (absorbs & (rng.uniform(size=z.shape) < 0.7))
    invalid |= rng.uniform(size=z.shape) < 0.01
    depth[invalid] = 0
    to8 = lambda a: np.clip(a, 0, 255).astype(np.uint8)  # noqa: E731
    return to8(rgb), np.clip(depth, 0, 65535).astype(np.uint16), label


@DEMO_DATASETS.register_module('rgbd')
def make_rgbd_demo(root: str,
                   splits: Dict[str, int] = None,
                   size: Tuple[int, int] = (160, 120),
                   seed: int = 0) -> str:
    """Write the demo dataset (idempotent: an existing complete dataset is kept).

    Args:
        root (str): Output folder (gets ``rgb/``, ``depth/``, ``labels/`` and a split file per
            split).
        splits (dict): Frames per split. Default ``train=64, val=16, test=24``.
        size (tuple[int, int]): ``(w, h)`` of the frames (real RGB-D cameras: 640x480).
        seed (int): Random seed.

    Returns:
        str: ``root``.
    """
    splits = splits or dict(train=64, val=16, test=24)
    done = osp.join(root, '.complete')
    if osp.isfile(done):
        return root
    rng = np.random.default_rng(seed)
    for folder in ('rgb', 'depth', 'labels'):
        os.makedirs(osp.join(root, folder), exist_ok=True)
    index = 0
    for split, count in splits.items():
        names = []
        for _ in range(count):
            name = f'{index:05d}'
            index += 1
            rgb, depth, label = _scene(rng, size)
            cv2.imwrite(osp.join(root, 'rgb', name + '.png'), rgb[..., ::-1])
            cv2.imwrite(osp.join(root, 'depth', name + '.png'), depth)
            cv2.imwrite(osp.join(root, 'labels', name + '.png'), label)
            names.append(name)
        with open(osp.join(root, f'{split}.txt'), 'w') as f:
            f.write('\n'.join(names) + '\n')
    with open(done, 'w') as f:
        f.write('complete\n')
    return root
