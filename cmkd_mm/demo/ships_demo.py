"""Write a small procedural SAR + EO ship-chip dataset in class folders of its own names.

Every sample is one ship seen from above at a random heading, as a SAR chip and an EO (colour)
chip of the same ship, in one tree per split and modality with a folder per class::

    root/{train,val,test}/sar/{cargo,fishing,tanker}/<id>.png   # 8-bit grey, 48x48, 5 m pixels
    root/{train,val,test}/eo/{cargo,fishing,tanker}/<id>.png    # 8-bit colour, 32x32, 7.5 m

Fishing boats are small; cargo ships and tankers share their lengths. In the EO image a cargo
ship carries rows of coloured containers and a tanker a plain deck with a pipe along its middle;
in the SAR image both are bright hulls in speckle, told apart only by the texture of their
returns (container stacks against pipes and a manifold), often blurred by the ship's motion.
Clouds hide the ship in part of the EO chips, never in the SAR ones, which see through them.
"""
import os
import os.path as osp
from typing import Dict, Tuple

import cv2
import numpy as np

from .registry import DEMO_DATASETS

#: The classes: each is a folder of both modalities.
CLASSES = ('cargo', 'fishing', 'tanker')
_SPAN = 240.  # metres covered by a chip side
_BAY = 12.5  # metres: one 40-foot container bay
_CONTAINERS = np.array([(180, 40, 35), (40, 80, 160), (40, 130, 60), (220, 140, 30),
                        (200, 200, 195), (120, 60, 40)], np.float32)


def _ship(rng: np.random.Generator, cls: str) -> dict:
    """The ship's size (metres) and what its deck holds."""
    if cls == 'fishing':
        length = rng.uniform(15, 45)
        beam = length / rng.uniform(3.5, 4.5)
    else:
        length = rng.uniform(120, 230)
        beam = length / (rng.uniform(6.3, 7.5) if cls == 'cargo' else rng.uniform(5.5, 6.7))
    bays = int(np.ceil(length / _BAY))
    return dict(
        cls=cls,
        length=length,
        beam=beam,
        heading=rng.uniform(0, 2 * np.pi),
        shift=rng.uniform(-12, 12, 2),
        hull=rng.uniform(40, 90, 3),
        deck=rng.choice([(120, 40, 30), (50, 90, 60), (110, 110, 105)]) * rng.uniform(0.8, 1.1),
        containers=_CONTAINERS[rng.integers(0, len(_CONTAINERS), bays)],
        loaded=rng.uniform(size=bays) < rng.uniform(0.6, 1.0),
        stack=rng.uniform(0.8, 2.5, bays))


def _ship_frame(ship: dict, size: int, supersample: int = 4):
    """``(u, v)`` of every (sub)pixel: metres along the ship (bow +) and across it."""
    n = size * supersample
    step = _SPAN / n
    coords = (np.arange(n, dtype=np.float32) - n / 2 + 0.5) * step
    x = coords[None, :] - ship['shift'][0]
    y = coords[:, None] - ship['shift'][1]
    c, s = np.cos(ship['heading']), np.sin(ship['heading'])
    return x * c + y * s, -x * s + y * c


def _parts(ship: dict, u: np.ndarray, v: np.ndarray) -> dict:
    """Masks of the hull, its rim, the superstructure and the deck's features."""
    length, beam = ship['length'], ship['beam']
    bow = length / 2 - 0.15 * length
    taper = np.clip(1 - (u - bow) / (0.15 * length), 0, 1)
    half = beam / 2 * np.where(u > bow, taper, 1)
    hull = (np.abs(u) <= length / 2) & (np.abs(v) <= half)
    rim = hull & (np.abs(v) > half - 2.5)
    if ship['cls'] == 'fishing':
        bridge = hull & (np.abs(u + 0.05 * length) < 0.12 * length) & (np.abs(v) < 0.35 * beam)
    else:
        bridge = hull & (np.abs(u + 0.41 * length) < 0.05 * length) & (np.abs(v) < 0.42 * beam)
    start = -length / 2 + 0.15 * length
    cargo_area = hull & ~bridge & (u > start) & (u < bow) & (np.abs(v) < 0.42 * beam)
    bay = np.clip(((u - start) // _BAY).astype(int), 0, len(ship['loaded']) - 1)
    return dict(hull=hull, rim=rim, bridge=bridge, cargo_area=cargo_area, bay=bay, u=u, v=v)


def _eo_chip(rng: np.random.Generator, ship: dict, size: int = 32) -> np.ndarray:
    """The colour chip: sea, the ship, its wake and (sometimes) clouds."""
    p = _parts(ship, *_ship_frame(ship, size))
    n = p['hull'].shape[0]
    sea = np.array(rng.choice([(20, 45, 60), (25, 55, 55), (15, 35, 55)]), np.float32)
    img = np.empty((n, n, 3), np.float32)
    img[:] = sea
    speed = rng.uniform(0, 1) if ship['cls'] == 'fishing' else rng.uniform(0, 0.7)
    wake = (p['u'] < -ship['length'] / 2) & (p['u'] > -ship['length'] / 2 - 60 * speed) & \
        (np.abs(p['v']) < ship['beam'] / 2 + 0.3 * (-ship['length'] / 2 - p['u']))
    img[wake] = 0.5 * img[wake] + 0.5 * np.float32(170)
    img[p['hull']] = ship['hull']
    if ship['cls'] == 'cargo':
        loaded = p['cargo_area'] & ship['loaded'][p['bay']]
        img[loaded] = ship['containers'][p['bay'][loaded]]
        gaps = p['cargo_area'] & ((p['u'] % _BAY) < 1.5)
        img[gaps] = 30
    elif ship['cls'] == 'tanker':
        img[p['cargo_area']] = ship['deck']
        pipe = p['cargo_area'] & (np.abs(p['v']) < 1.5)
        manifold = p['cargo_area'] & (np.abs(p['u']) < 4) & (np.abs(p['v']) < 0.4 * ship['beam'])
        img[pipe | manifold] = 200
    img[p['bridge']] = 230
    img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    img += cv2.GaussianBlur(rng.normal(0, 5, img.shape).astype(np.float32), (0, 0), 0.7)
    if rng.uniform() < 0.3:  # clouds: white blobs over a part of the chip, at times all of it
        cover = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 4)
        cover = np.clip((cover / cover.std() + rng.uniform(-1.5, 1.0)) * 1.5, 0, 1)
        img = img * (1 - cover[..., None]) + rng.uniform(200, 240) * cover[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def _sar_chip(rng: np.random.Generator, ship: dict, size: int = 48) -> np.ndarray:
    """The SAR chip: sea clutter and the ship's returns in multiplicative speckle, in dB."""
    p = _parts(ship, *_ship_frame(ship, size))
    sigma = np.full(p['hull'].shape, rng.uniform(0.01, 0.06), np.float32)
    sigma[p['hull']] = 0.3
    sigma[p['rim']] = 1.5
    if ship['cls'] == 'cargo':  # container stacks: a corner reflector at every bay's edge
        edge = p['cargo_area'] & ((p['u'] % _BAY) < 2.5) & ship['loaded'][p['bay']]
        sigma[edge] = 1.2 * ship['stack'][p['bay'][edge]]
    elif ship['cls'] == 'tanker':  # a smooth deck, a pipe and the manifold
        sigma[p['cargo_area']] = 0.12
        sigma[p['cargo_area'] & (np.abs(p['v']) < 1.5)] = 1.0
        sigma[p['cargo_area'] & (np.abs(p['u']) < 4) & (np.abs(p['v']) < 0.4 * ship['beam'])] = 3.
    sigma[p['bridge']] = 4.
    sigma = cv2.resize(sigma, (size, size), interpolation=cv2.INTER_AREA)
    # The strongest point leaks into the range and azimuth side lobes (a faint cross).
    y, x = np.unravel_index(np.argmax(sigma), sigma.shape)
    sigma[y, :] += 0.02 * sigma[y, x]
    sigma[:, x] += 0.02 * sigma[y, x]
    if rng.uniform() < 0.5:  # a moving ship is smeared along the azimuth (the chip's columns)
        sigma = cv2.GaussianBlur(sigma, (0, 0), sigmaX=0.1, sigmaY=rng.uniform(0.5, 2.5))
    looks = rng.uniform(1, 3)
    intensity = sigma * rng.gamma(looks, 1 / looks, sigma.shape)
    db = 10 * np.log10(np.maximum(intensity, 1e-4))
    return np.clip((db + 25) / 35 * 255, 0, 255).astype(np.uint8)


@DEMO_DATASETS.register_module('ships')
def make_ships_demo(root: str,
                    splits: Dict[str, int] = None,
                    sizes: Tuple[int, int] = (48, 32),
                    seed: int = 0) -> str:
    """Write the demo dataset (idempotent: an existing complete dataset is kept).

    Args:
        root (str): Output folder (gets ``<split>/sar/<class>/`` and ``<split>/eo/<class>/``).
        splits (dict): Ships per class of each split. Default ``train=160, val=40, test=60``.
        sizes (tuple[int, int]): Sides of the SAR and the EO chips (both cover 240 m).
        seed (int): Random seed.

    Returns:
        str: ``root``.
    """
    splits = splits or dict(train=160, val=40, test=60)
    done = osp.join(root, '.complete')
    if osp.isfile(done):
        return root
    rng = np.random.default_rng(seed)
    index = 0
    for split, per_class in splits.items():
        for cls in CLASSES:
            for modality in ('sar', 'eo'):
                os.makedirs(osp.join(root, split, modality, cls), exist_ok=True)
        ships = [cls for cls in CLASSES for _ in range(per_class)]
        for cls in rng.permutation(ships):
            ship = _ship(rng, str(cls))
            name = f'{index:06d}.png'
            index += 1
            cv2.imwrite(osp.join(root, split, 'sar', cls, name), _sar_chip(rng, ship, sizes[0]))
            eo = _eo_chip(rng, ship, sizes[1])
            cv2.imwrite(osp.join(root, split, 'eo', cls, name), eo[..., ::-1])
    with open(done, 'w') as f:
        f.write('complete\n')
    return root
