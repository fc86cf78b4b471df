"""Write a few tiny RGB-thermal frames in the PST900 on-disk layout (for tests and demos)."""
import os
import os.path as osp
from typing import Dict, Tuple

import cv2
import numpy as np

from .registry import DEMO_DATASETS

# Class id -> (RGB colour, thermal value): the survivor is warm, the others are near ambient.
_OBJECTS = {
    1: ((200, 30, 30), 90),
    2: ((40, 60, 160), 70),
    3: ((230, 190, 20), 80),
    4: ((150, 120, 100), 200)
}


def _frame(rng: np.random.Generator, size: Tuple[int, int]):
    w, h = size
    rgb = np.full((h, w, 3), 35, np.float32) + rng.normal(0, 6, (h, w, 3))
    thermal = np.full((h, w), 60, np.float32)
    label = np.zeros((h, w), np.uint8)
    for cls in rng.choice(list(_OBJECTS), size=2, replace=False):
        colour, heat = _OBJECTS[int(cls)]
        bw, bh = int(w * rng.uniform(0.15, 0.3)), int(h * rng.uniform(0.2, 0.4))
        x, y = int(rng.integers(0, w - bw)), int(rng.integers(0, h - bh))
        label[y:y + bh, x:x + bw] = cls
        rgb[y:y + bh, x:x + bw] = colour
        thermal[y:y + bh, x:x + bw] = heat
    thermal += rng.normal(0, 4, thermal.shape)
    to8 = lambda a: np.clip(a, 0, 255).astype(np.uint8)  # noqa: E731
    return to8(rgb), to8(thermal), label


@DEMO_DATASETS.register_module('pst900')
def make_pst900_demo(root: str,
                     splits: Dict[str, int] = None,
                     size: Tuple[int, int] = (64, 36),
                     write_split_files: bool = True,
                     seed: int = 0) -> str:
    """Write ``<root>/<split>/{rgb,thermal,labels}/<name>.png`` (idempotent per file).

    Names follow the real pattern, e.g. ``31_bag1a_rect_rgb_frame0000000007``.

    Args:
        root (str): Output folder.
        splits (dict): Frames per split. Default ``train=4, test=2``.
        size (tuple[int, int]): ``(w, h)`` of every frame (real PST900 is 1280x720).
        write_split_files (bool): Also write ``<root>/<split>.txt`` listing the names.
        seed (int): Random seed.

    Returns:
        str: ``root``.
    """
    splits = splits or dict(train=4, test=2)
    rng = np.random.default_rng(seed)
    frame = 0
    for split, count in splits.items():
        for folder in ('rgb', 'thermal', 'labels'):
            os.makedirs(osp.join(root, split, folder), exist_ok=True)
        names = []
        for _ in range(count):
            frame += 7
            name = f'31_bag1a_rect_rgb_frame{frame:010d}'
            rgb, thermal, label = _frame(rng, size)
            cv2.imwrite(osp.join(root, split, 'rgb', name + '.png'), rgb[..., ::-1])
            cv2.imwrite(osp.join(root, split, 'thermal', name + '.png'), thermal)
            cv2.imwrite(osp.join(root, split, 'labels', name + '.png'), label)
            names.append(name)
        if write_split_files:
            with open(osp.join(root, f'{split}.txt'), 'w') as f:
                f.write('\n'.join(names) + '\n')
    return root
