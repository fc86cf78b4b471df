"""Write a small procedural RGB + infrared pedestrian dataset in the LLVIP on-disk layout.

Night street scenes: people are warm and bright in the long-wave infrared image, dark and noisy in
the visible one; lamps and lit windows are bright in the visible image only. As in LLVIP, the two
cameras are registered (same size, same frame), the infrared JPEGs are grey images stored with
three equal channels, and one Pascal VOC XML per pair labels the people (``person``) in both::

    root/visible/{train,test}/<id>.jpg    # 8-bit colour
    root/infrared/{train,test}/<id>.jpg   # 8-bit grey, 3 equal channels
    root/Annotations/<id>.xml             # VOC XML, class "person", both splits in one folder
"""
import os
import os.path as osp
from typing import Dict, List, Tuple
from xml.sax.saxutils import escape

import cv2
import numpy as np

from .registry import DEMO_DATASETS

#: LLVIP numbers its pairs per split from these values (train 010001..., test 190001...).
FIRST_ID = dict(train=10001, test=190001)


def _scene(rng: np.random.Generator, size: Tuple[int, int]):
    """One pair: visible (H x W x 3, RGB), infrared (H x W) and the people's boxes."""
    w, h = size
    horizon = int(h * rng.uniform(0.3, 0.45))
    visible = np.zeros((h, w, 3), np.float32)
    visible[:horizon] = (20, 22, 35)
    visible[horizon:] = (30, 30, 32)
    infrared = np.zeros((h, w), np.float32)
    infrared[:horizon] = 35
    infrared[horizon:] = np.linspace(60, 85, h - horizon)[:, None]
    for _ in range(rng.integers(1, 4)):  # lamps and windows: light in the visible image only
        x, y = int(rng.uniform(0, w)), int(rng.uniform(0, horizon + 10))
        cv2.circle(visible, (x, y), int(rng.uniform(2, 5)), (230, 210, 150), -1)
    boxes: List[Tuple[int, int, int, int]] = []
    for _ in range(rng.integers(1, 4)):
        ph = int(rng.uniform(0.25, 0.5) * h)
        pw = max(4, int(ph * rng.uniform(0.3, 0.4)))
        x0 = int(rng.uniform(0, w - pw))
        y1 = int(rng.uniform(horizon + 0.3 * ph, h - 1))
        y0 = max(0, y1 - ph)
        mask = np.zeros((h, w), np.uint8)
        cx = x0 + pw // 2
        cv2.circle(mask, (cx, y0 + pw // 3), max(2, pw // 3), 1, -1)  # head
        cv2.rectangle(mask, (x0 + pw // 6, y0 + pw // 2), (x0 + pw - pw // 6, y1), 1, -1)
        on = mask.astype(bool)
        visible[on] = rng.uniform(25, 60, 3)  # clothes in the dark: little contrast
        infrared[on] = rng.uniform(170, 220)
        ys, xs = np.nonzero(mask)
        boxes.append((int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())))
    visible += rng.normal(0, 7, visible.shape)
    infrared = cv2.GaussianBlur(infrared, (3, 3), 1.0) + rng.normal(0, 4, infrared.shape)
    to8 = lambda a: np.clip(a, 0, 255).astype(np.uint8)  # noqa: E731
    return to8(visible), to8(infrared), boxes


def _voc_xml(name: str, size: Tuple[int, int], boxes: List[Tuple[int, int, int, int]]) -> str:
    """A Pascal VOC annotation as LLVIP writes it (1-based pixel coordinates)."""
    w, h = size
    objects = ''.join(f'<object><name>person</name><pose>Unspecified</pose><truncated>0</truncated>'
                      f'<difficult>0</difficult><bndbox><xmin>{x0 + 1}</xmin><ymin>{y0 + 1}</ymin>'
                      f'<xmax>{x1 + 1}</xmax><ymax>{y1 + 1}</ymax></bndbox></object>'
                      for x0, y0, x1, y1 in boxes)
    return (f'<annotation><folder>infrared</folder><filename>{escape(name)}.jpg</filename>'
            f'<size><width>{w}</width><height>{h}</height><depth>3</depth></size>'
            f'<segmented>0</segmented>{objects}</annotation>\n')


@DEMO_DATASETS.register_module('llvip')
def make_llvip_demo(root: str,
                    splits: Dict[str, int] = None,
                    size: Tuple[int, int] = (160, 128),
                    seed: int = 0) -> str:
    """Write the demo dataset (idempotent: an existing complete dataset is kept).

    Args:
        root (str): Output folder (gets ``visible/``, ``infrared/`` and ``Annotations/``).
        splits (dict): Pairs per split. Default ``train=96, test=32`` (LLVIP has no val split).
        size (tuple[int, int]): ``(w, h)`` of the images (real LLVIP is 1280x1024).
        seed (int): Random seed.

    Returns:
        str: ``root``.
    """
    splits = splits or dict(train=96, test=32)
    done = osp.join(root, '.complete')
    if osp.isfile(done):
        return root
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, 'Annotations'), exist_ok=True)
    for split, count in splits.items():
        for folder in ('visible', 'infrared'):
            os.makedirs(osp.join(root, folder, split), exist_ok=True)
        for i in range(count):
            name = f'{FIRST_ID.get(split, 10001) + i:06d}'
            visible, infrared, boxes = _scene(rng, size)
            cv2.imwrite(osp.join(root, 'visible', split, name + '.jpg'), visible[..., ::-1])
            cv2.imwrite(osp.join(root, 'infrared', split, name + '.jpg'), np.dstack([infrared] * 3))
            with open(osp.join(root, 'Annotations', name + '.xml'), 'w') as f:
                f.write(_voc_xml(name, size, boxes))
    with open(done, 'w') as f:
        f.write('complete\n')
    return root
