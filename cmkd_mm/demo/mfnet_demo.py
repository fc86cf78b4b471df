"""Write a small procedural RGB-thermal dataset in the MFNet on-disk layout.

Street scenes with cars, people and bikes. By day every class is visible in RGB; at night RGB is
dark and noisy, while thermal shows people clearly, cars (warm engines) less so and bikes barely.
A thermal-only model therefore lacks cues that an RGB-thermal teacher has.
"""
import os
import os.path as osp
from typing import Dict, Tuple

import cv2
import numpy as np

from .registry import DEMO_DATASETS

CLASSES = dict(car=1, person=2, bike=3)


def _scene(rng: np.random.Generator, size: Tuple[int, int], night: bool):
    w, h = size
    label = np.zeros((h, w), np.uint8)
    rgb = np.zeros((h, w, 3), np.float32)
    thermal = np.zeros((h, w), np.float32)
    horizon = int(h * rng.uniform(0.35, 0.5))
    rgb[:horizon] = (110, 150, 200)
    rgb[horizon:] = (90, 90, 95)
    thermal[:horizon] = 40
    thermal[horizon:] = np.linspace(70, 95, h - horizon)[:, None]
    for _ in range(rng.integers(2, 6)):
        kind = rng.choice(['car', 'person', 'bike'], p=[0.4, 0.4, 0.2])
        x = int(rng.uniform(0.05, 0.85) * w)
        y = int(rng.uniform(horizon + 0.1 * (h - horizon), h * 0.95))
        s = rng.uniform(0.6, 1.2) * h / 120
        mask = np.zeros((h, w), np.uint8)
        if kind == 'car':
            bw, bh = int(34 * s), int(16 * s)
            cv2.rectangle(mask, (x, y - bh), (x + bw, y), 1, -1)
            colour, heat = rng.uniform(20, 230, 3), 120
        elif kind == 'person':
            cv2.ellipse(mask, (x, y - int(12 * s)), (int(4 * s), int(12 * s)), 0, 0, 360, 1, -1)
            colour, heat = rng.uniform(40, 200, 3), 190
        else:
            for dx in (-6, 6):
                cv2.circle(mask, (x + int(dx * s), y - int(5 * s)), int(5 * s), 1, 2)
            cv2.line(mask, (x - int(6 * s), y - int(5 * s)), (x + int(6 * s), y - int(5 * s)), 1, 2)
            colour, heat = (200, 30, 30), 100
        on = mask.astype(bool)
        label[on] = CLASSES[kind]
        rgb[on] = colour
        thermal[on] = heat + rng.normal(0, 5)
    if night:
        rgb = rgb * 0.15 + rng.normal(0, 8, rgb.shape)
    else:
        rgb = rgb + rng.normal(0, 6, rgb.shape)
    thermal = cv2.GaussianBlur(thermal, (5, 5), 1.5) + rng.normal(0, 6, thermal.shape)
    to8 = lambda a: np.clip(a, 0, 255).astype(np.uint8)  # noqa: E731
    return to8(rgb), to8(thermal), label


@DEMO_DATASETS.register_module('mfnet')
def make_mfnet_demo(root: str,
                    splits: Dict[str, int] = None,
                    size: Tuple[int, int] = (160, 120),
                    seed: int = 0) -> str:
    """Write the demo dataset (idempotent: an existing complete dataset is kept).

    Args:
        root (str): Output folder (gets ``images/``, ``labels/`` and split files).
        splits (dict): Samples per split. Default ``train=64, val=16, test=24``.
        size (tuple[int, int]): ``(w, h)`` of the images (real MFNet is 640x480).
        seed (int): Random seed.

    Returns:
        str: ``root``.
    """
    splits = splits or dict(train=64, val=16, test=24)
    if all(osp.isfile(osp.join(root, f'{s}.txt')) for s in splits) and \
            osp.isfile(osp.join(root, 'test_night.txt')):
        return root
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, 'images'), exist_ok=True)
    os.makedirs(osp.join(root, 'labels'), exist_ok=True)
    index = 0
    names: Dict[str, list] = {}
    for split, count in splits.items():
        names[split] = []
        for i in range(count):
            night = i % 2 == 1
            name = f'{index:05d}{"N" if night else "D"}'
            index += 1
            rgb, thermal, label = _scene(rng, size, night)
            bgra = np.dstack([rgb[..., ::-1], thermal])  # cv2 writes BGRA; file holds R,G,B,T
            cv2.imwrite(osp.join(root, 'images', name + '.png'), bgra)
            cv2.imwrite(osp.join(root, 'labels', name + '.png'), label)
            names[split].append(name)
    for split, items in names.items():
        with open(osp.join(root, f'{split}.txt'), 'w') as f:
            f.write('\n'.join(items) + '\n')
    test = names.get('test', [])
    for suffix, tag in (('day', 'D'), ('night', 'N')):
        with open(osp.join(root, f'test_{suffix}.txt'), 'w') as f:
            f.write('\n'.join(n for n in test if n.endswith(tag)) + '\n')
    return root
