"""Write a small procedural night/fog dataset in the Seeing Through Fog (STF) layout.

Scenes are built in the RGB camera (``cam_stereo_left`` intrinsics scaled by ``scale``): a road
plane, buildings, street lamps and distant headlights, pedestrians (height ``f * 1.75 m / d``),
groups of pedestrians, cars and now and then a distant crowd marked ``DontCare``. RGB is a
night image: own headlights light near objects, far ones are barely above the background, fog
adds a veil and halos, and lamps and headlights are bright unlabelled distractors. The three
gated slices are range gates of an active NIR camera: an object is bright in the gate(s) of its
distance whatever the ambient light, and fog costs the gated camera less than RGB.

The gated frame is the RGB-frame scene inside ``camera_window(rgb_cam, gated_cam)`` resampled
to the gated size, and gated labels are the RGB boxes mapped through the same window, so
registering RGB into the gated frame with that window aligns boxes, RGB and gated.
"""
import datetime
import json
import os
import os.path as osp
import zlib
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Callable, Dict, List, Optional, Tuple

import cv2
import numpy as np

from cmkd_mm.datasets.stf_format import CAMERAS, camera_window, project_boxes, scale_camera
from cmkd_mm.datasets.transforms.registration import warp_window

DEFAULT_SPLITS = dict(
    train_clear_night=120,
    light_fog_night=40,
    val_clear_night=40,
    test_clear_night=24,
    dense_fog_night=16)
# Extinction coefficient (1/m) of visible light; the gated NIR camera sees half of it.
FOG_BETA = dict(clear=0.004, light_fog=0.03, dense_fog=0.07)
CAMERA_HEIGHT = 1.5  # m above the road
PERSON_HEIGHT = 1.75  # m
GATES = ((12.0, 8.0), (30.0, 12.0), (60.0, 22.0))  # centre and width (m) of gated0/1/2
DARK_LEVEL = 80  # gated dark level (10-bit DN)
FRAMES_PER_RECORDING = 8
GATED_DIRS = ('gated0_10bit', 'gated1_10bit', 'gated2_10bit')
RGB_DIR = 'cam_stereo_left_lut'
RGB_LABELS, GATED_LABELS = 'gt_labels/cam_left_labels_TMP', 'gt_labels/gated_labels_TMP'
MAX_TRUNCATION = 0.75  # objects with less than a quarter of their box in a frame are not labelled
MIN_VISIBLE = 0.2  # objects with less than this fraction of their pixels unoccluded neither


def _weather(split: str) -> str:
    for key in ('dense_fog', 'light_fog'):
        if key in split:
            return key
    return 'clear'


class _Canvas:
    """Per-pixel layers of a scene in the RGB frame."""

    def __init__(self, cam: dict) -> None:
        self.cam = cam
        h, w = cam['height'], cam['width']
        rows = np.arange(h, dtype=np.float32)[:, None] + 0.5
        ground = cam['fy'] * CAMERA_HEIGHT / np.maximum(rows - cam['cy'], 1e-3)
        road = rows > cam['cy']
        self.depth = np.broadcast_to(np.where(road, ground, 1e4), (h, w)).astype(np.float32)
        self.nir = np.broadcast_to(np.where(road, 0.12, 0.0), (h, w)).astype(np.float32)
        # Radiance before fog: asphalt (albedo 0.1) lit by own headlights; a black sky.
        lit = 0.1 * _headlights(ground)
        self.radiance = np.repeat(np.where(road, lit + 4, 3.0)[..., None], 3, 2)
        self.radiance = np.broadcast_to(self.radiance, (h, w, 3)).astype(np.float32)
        self.emissive = np.zeros((h, w, 3), np.float32)  # lamps, headlights (RGB)
        self.nir_emissive = np.zeros((h, w), np.float32)  # their passive NIR light (DN)
        self.ids = np.zeros((h, w), np.int32)
        self.drawn = np.zeros(64, np.int64)  # pixels painted per object id

    def mask(self) -> np.ndarray:
        return np.zeros(self.depth.shape, np.uint8)

    def paint(self,
              mask: np.ndarray,
              depth: float,
              nir: float,
              colour: np.ndarray,
              obj_id: int = 0) -> None:
        """Put a surface at ``depth`` where ``mask`` is set (it hides what was there)."""
        x, y, w, h = cv2.boundingRect(mask)
        roi = np.s_[y:y + h, x:x + w]
        on = mask[roi].astype(bool)
        self.depth[roi][on] = depth
        self.nir[roi][on] = nir
        self.radiance[roi][on] = colour * _headlights(depth) + 4
        self.emissive[roi][on] = 0  # lights behind the surface
        self.nir_emissive[roi][on] = 0
        self.ids[roi][on] = obj_id
        self.drawn[obj_id] += on.sum()

    def light(self, centre: Tuple[float, float], radius: float, rgb: Tuple[float, ...],
              nir: float) -> None:
        """A disc light source: ``rgb`` in the RGB image, ``nir`` DN in every gated slice."""
        r = max(1, int(round(radius * 8)))
        cv2.circle(self.emissive, _pt(centre), r, tuple(float(c) for c in rgb), -1, cv2.LINE_8, 3)
        cv2.circle(self.nir_emissive, _pt(centre), r, float(nir), -1, cv2.LINE_8, 3)


def _headlights(depth):
    """Illuminance of the ego vehicle's headlights at a distance (arbitrary units)."""
    return 250.0 * np.minimum(1.0, (8.0 / np.maximum(depth, 1e-3))**2)


def _pt(p: Tuple[float, float]) -> Tuple[int, int]:
    """Sub-pixel point for cv2 drawing with ``shift=3``."""
    return int(round(p[0] * 8)), int(round(p[1] * 8))


def _person(canvas: _Canvas,
            rng: np.random.Generator,
            x: float,
            d: float,
            obj_id: int,
            height: float = PERSON_HEIGHT) -> List[float]:
    """Draw a person standing on the road at lateral ``x`` and depth ``d``; return its box."""
    cam = canvas.cam
    u = cam['cx'] + cam['fx'] * x / d
    foot = cam['cy'] + cam['fy'] * CAMERA_HEIGHT / d
    h = cam['fy'] * height / d
    w = cam['fx'] * 0.55 / d
    m = canvas.mask()
    thick = max(1, int(round(0.3 * w)))
    cv2.circle(m, _pt((u, foot - 0.91 * h)), int(round(0.09 * h * 8)), 1, -1, cv2.LINE_AA, 3)
    cv2.ellipse(m, _pt((u, foot - 0.6 * h)), (int(0.4 * w * 8), int(0.24 * h * 8)), 0, 0, 360, 1,
                -1, cv2.LINE_AA, 3)
    for side in (-1, 1):
        spread = side * rng.uniform(0.05, 0.3) * w
        cv2.line(m, _pt((u + side * 0.12 * w, foot - 0.42 * h)), _pt((u + spread, foot)), 1, thick,
                 cv2.LINE_AA, 3)
    colour = rng.uniform(0.15, 0.5) * rng.uniform(0.6, 1.0, 3)
    canvas.paint(m, d, rng.uniform(0.4, 0.9), colour, obj_id)
    return [u - w / 2, foot - h, u + w / 2, foot]


def _car(canvas: _Canvas, rng: np.random.Generator, x: float, d: float, obj_id: int,
         width: float) -> List[float]:
    """Draw a car (1.5 m tall, ``width`` m wide in view) with its lights; return its box."""
    cam = canvas.cam
    u = cam['cx'] + cam['fx'] * x / d
    foot = cam['cy'] + cam['fy'] * CAMERA_HEIGHT / d
    h, w = cam['fy'] * 1.5 / d, cam['fx'] * width / d
    m = canvas.mask()
    cv2.rectangle(m, _pt((u - w / 2, foot - 0.55 * h)), _pt((u + w / 2, foot)), 1, -1, cv2.LINE_AA,
                  3)
    cv2.rectangle(m, _pt((u - 0.35 * w, foot - h)), _pt((u + 0.35 * w, foot - 0.5 * h)), 1, -1,
                  cv2.LINE_AA, 3)
    colour = rng.uniform(0.05, 0.6) * rng.uniform(0.5, 1.0, 3)
    canvas.paint(m, d, rng.uniform(0.3, 0.7), colour, obj_id)
    facing = rng.random() < 0.5
    rgb, nir = ((255, 250, 235), 600.0) if facing else ((200, 20, 10), 150.0)
    for side in (-1, 1):
        canvas.light((u + side * 0.4 * w, foot - 0.35 * h), max(0.6, 0.06 * h), rgb, nir)
    return [u - w / 2, foot - h, u + w / 2, foot]


def _background(canvas: _Canvas, rng: np.random.Generator) -> List[Tuple[float, Callable]]:
    """Buildings, street lamps and far headlights: unlabelled clutter and bright distractors.

    Returns ``(depth, draw)`` pairs, drawn with the objects from far to near.
    """
    cam = canvas.cam
    draws = []

    def building(d, us, vs, albedo, windows):
        m = canvas.mask()
        cv2.rectangle(m, _pt((us[0], vs[0])), _pt((us[1], vs[1])), 1, -1, cv2.LINE_AA, 3)
        canvas.paint(m, d, albedo, np.full(3, albedo / 4))
        for wu, wv in windows:  # lit windows
            canvas.light((wu, wv), max(0.6, cam['fx'] * 0.5 / d), (230, 190, 120), 40.0)

    def lamp(d, u):
        top = cam['cy'] - cam['fy'] * (6 - CAMERA_HEIGHT) / d
        m = canvas.mask()
        cv2.line(m, _pt((u, top)), _pt((u, cam['cy'] + cam['fy'] * CAMERA_HEIGHT / d)), 1,
                 max(1, int(round(cam['fx'] * 0.15 / d))), cv2.LINE_AA, 3)
        canvas.paint(m, d, 0.3, np.full(3, 0.1))
        canvas.light((u, top), max(0.8, cam['fx'] * 0.3 / d), (255, 200, 120), 300.0)

    def headlights(d, u, v):
        for side in (-1, 1):
            canvas.light((u + side * cam['fx'] * 0.75 / d, v), 0.7, (255, 250, 235), 500.0)

    for _ in range(rng.integers(2, 6)):  # buildings beside the road, 4-15 m tall
        d = rng.uniform(25, 90)
        side = rng.choice([-1, 1])
        x0 = side * rng.uniform(6, 25)
        x1 = x0 + side * rng.uniform(5, 30)
        us = sorted(cam['cx'] + cam['fx'] * np.array([x0, x1]) / d)
        vs = (cam['cy'] - cam['fy'] * (rng.uniform(4, 15) - CAMERA_HEIGHT) / d,
              cam['cy'] + cam['fy'] * CAMERA_HEIGHT / d)
        windows = [(rng.uniform(*us), rng.uniform(*vs)) for _ in range(rng.integers(0, 3))]
        draws.append((d, partial(building, d, us, vs, rng.uniform(0.15, 0.35), windows)))
    for _ in range(rng.integers(1, 5)):  # street lamps on 6 m poles
        d = rng.uniform(12, 70)
        x = rng.choice([-1, 1]) * rng.uniform(4, 8)
        draws.append((d, partial(lamp, d, cam['cx'] + cam['fx'] * x / d)))
    for _ in range(rng.integers(0, 3)):  # headlights of far cars, beyond labelling range
        d = rng.uniform(90, 200)
        u = cam['cx'] + cam['fx'] * rng.uniform(-6, 6) / d
        v = cam['cy'] + cam['fy'] * (CAMERA_HEIGHT - 0.7) / d
        draws.append((d, partial(headlights, d, u, v)))
    return draws


def _scene(rng: np.random.Generator, canvas: _Canvas) -> List[dict]:
    """Place the background and the labelled objects, draw them from far to near.

    Returns:
        list[dict]: The labelled objects with their image box ``box`` (RGB pixels).
    """
    draws = _background(canvas, rng)
    objects = []
    if rng.random() < 0.1:  # a frame without labelled objects
        n_people = n_cars = 0
        crowd = False
    else:
        n_people, n_cars = min(6, rng.poisson(2.2)), min(3, rng.poisson(0.8))
        crowd = rng.random() < 0.15
    for _ in range(n_people):
        d, x = rng.uniform(7, 45), rng.uniform(-9, 9)
        members = rng.integers(2, 4) if rng.random() < 0.12 else 1
        objects.append(
            dict(
                cls='Pedestrian_is_group' if members > 1 else 'Pedestrian',
                d=d,
                x=x,
                members=members,
                size=(PERSON_HEIGHT, 0.6 * members, 0.6)))
    for _ in range(n_cars):
        d = rng.uniform(8, 60)
        x = rng.choice([-7.0, -3.5, 0.0, 3.5, 7.0]) + rng.normal(0, 0.4)
        objects.append(
            dict(
                cls='PassengerCar',
                d=d,
                x=x,
                members=1,
                size=(1.5, 1.8, 4.3),
                view_width=rng.uniform(1.8, 4.5)))  # seen from front to side
    if crowd:  # far people too small to label
        objects.append(
            dict(
                cls='DontCare',
                d=rng.uniform(70, 110),
                x=rng.uniform(-6, 6),
                members=int(rng.integers(3, 7)),
                size=None))

    def draw(obj):
        boxes = []
        if obj['cls'] == 'PassengerCar':
            boxes.append(_car(canvas, rng, obj['x'], obj['d'], obj['id'], obj['view_width']))
        else:
            step = 0.6 if obj['cls'] != 'DontCare' else 1.2
            for k in range(obj['members']):
                dx = (k - (obj['members'] - 1) / 2) * step
                boxes.append(
                    _person(canvas, rng, obj['x'] + dx, obj['d'] + rng.normal(0, 0.2), obj['id'],
                            rng.uniform(1.6, 1.9) if k else PERSON_HEIGHT))
        boxes = np.array(boxes)
        obj['box'] = [boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()]

    for obj_id, obj in enumerate(objects, 1):
        obj['id'] = obj_id
        draws.append((obj['d'], partial(draw, obj)))
    for _, fn in sorted(draws, key=lambda item: -item[0]):
        fn()
    return objects


def _clip(box, width: int, height: int) -> Tuple[List[float], float]:
    """Clip a box to a frame; also return the fraction of its area outside."""
    x1, y1, x2, y2 = box
    c = [
        min(max(x1, 0), width),
        min(max(y1, 0), height),
        min(max(x2, 0), width),
        min(max(y2, 0), height)
    ]
    area = (x2 - x1) * (y2 - y1)
    inside = max(0.0, c[2] - c[0]) * max(0.0, c[3] - c[1])
    return c, 1.0 - inside / area if area > 0 else 1.0


def _label_line(obj: dict, box: List[float], truncated: float, occlusion: int,
                visible_gated: bool) -> str:
    """One 27-column STF label line."""
    b = ' '.join(f'{v:.2f}' for v in box)
    if obj['cls'] == 'DontCare':
        return (f'DontCare -1.00 -1 -10.00 {b} -1.00 -1.00 -1.00 -1000.00 -1000.00 -1000.00 '
                '-10.00 0.00 0.00 0.00 1.00 0.0000 0.0000 0.0000 1.0000 False False False False')
    h, w, length = obj['size']
    ry = obj['ry']
    alpha = (ry - np.arctan2(obj['x'], obj['d']) + np.pi) % (2 * np.pi) - np.pi
    lidar, radar = obj['d'] < 80, obj['cls'] == 'PassengerCar' or obj['radar']
    return (f'{obj["cls"]} {truncated:.2f} {occlusion} {alpha:.2f} {b} {h:.2f} {w:.2f} '
            f'{length:.2f} {obj["x"]:.2f} {CAMERA_HEIGHT:.2f} {obj["d"]:.2f} {ry:.2f} '
            f'0.00 {ry:.2f} 0.00 1.00 0.0000 {np.sin(ry / 2):.4f} 0.0000 {np.cos(ry / 2):.4f} True '
            f'{visible_gated} {lidar} {radar}')


def _labels(objects: List[dict], canvas: _Canvas, rgb_cam: dict, gated_cam: dict,
            rng: np.random.Generator) -> Tuple[List[str], List[str]]:
    """RGB and gated label lines (gated boxes = RGB boxes mapped through the camera window)."""
    counts = np.bincount(canvas.ids.ravel(), minlength=len(objects) + 1)
    visible = counts / np.maximum(canvas.drawn[:len(counts)], 1)
    rgb_lines, gated_lines = [], []
    for obj in sorted(objects, key=lambda o: o['id']):
        obj['ry'] = rng.uniform(-np.pi, np.pi)
        obj['radar'] = bool(rng.random() < 0.3)
        box = obj['box']
        rgb_box, rgb_trunc = _clip(box, rgb_cam['width'], rgb_cam['height'])
        seen = visible[obj['id']]
        if rgb_trunc > MAX_TRUNCATION or seen < MIN_VISIBLE:
            continue
        occlusion = 0 if seen > 0.8 else 1 if seen > 0.5 else 2
        mapped = project_boxes(np.array([rgb_box]), rgb_cam, gated_cam)[0]
        gated_box, gated_trunc = _clip(mapped, gated_cam['width'], gated_cam['height'])
        in_gated = gated_trunc <= MAX_TRUNCATION
        rgb_lines.append(_label_line(obj, rgb_box, rgb_trunc, occlusion, in_gated))
        if in_gated:
            gated_lines.append(_label_line(obj, gated_box, gated_trunc, occlusion, True))
    return rgb_lines, gated_lines


_NOISE_BANK = np.random.default_rng(12345).standard_normal(1 << 20, dtype=np.float32)


def _noise(rng: np.random.Generator, shape: Tuple[int, ...]) -> np.ndarray:
    """Unit Gaussian noise: a random slice of a fixed bank (fast), fresh draws if too big."""
    size = int(np.prod(shape))
    if size > _NOISE_BANK.size // 2:
        return rng.standard_normal(shape, dtype=np.float32)
    start = int(rng.integers(0, _NOISE_BANK.size - size + 1))
    return _NOISE_BANK[start:start + size].reshape(shape)


def _render(canvas: _Canvas, gated_cam: dict, window: Tuple[float, ...], beta: float,
            rng: np.random.Generator) -> Tuple[np.ndarray, List[np.ndarray]]:
    """RGB (uint8) and the three gated slices (uint16, 10-bit) of a drawn scene."""
    depth = canvas.depth
    # RGB: attenuation and airlight (night glow of the fog), halos around lights, noise.
    t = np.exp(-beta * depth)[..., None]
    airlight = (5 + 250 * beta) * np.array([1.0, 0.85, 0.65], np.float32)
    rgb = canvas.radiance * t + airlight * (1 - t)
    sigma = 1.0 + 80 * beta
    halo = cv2.GaussianBlur(canvas.emissive, (0, 0), sigma * canvas.cam['fx'] / 589)
    rgb = np.maximum(rgb, canvas.emissive) + halo * (0.3 + 8 * beta)
    rgb = cv2.GaussianBlur(rgb, (3, 3), 0.7)
    rgb += _noise(rng, rgb.shape) * np.sqrt(4 + 0.3 * np.maximum(rgb, 0))
    rgb = np.clip(np.round(rgb), 0, 255).astype(np.uint8)

    # Gated: range gates over the same depth map in the RGB frame (only around the gated
    # window), resampled onto the gated frame exactly as RegisterModalities does.
    x0, y0, x1, y1 = window
    h, w = depth.shape
    left, top = max(0, int(x0) - 8), max(0, int(y0) - 8)
    roi = np.s_[top:min(h, int(np.ceil(y1)) + 8), left:min(w, int(np.ceil(x1)) + 8)]
    depth, nir = depth[roi], canvas.nir[roi]
    beta_nir = 0.5 * beta
    falloff = (20.0 / np.maximum(depth, 20.0))**0.7 * np.exp(-2 * beta_nir * depth)
    passive = cv2.GaussianBlur(canvas.nir_emissive[roi], (0, 0), 0.5 + 40 * beta_nir)
    slices = []
    for centre, width in GATES:
        gate = np.exp(-0.5 * ((depth - centre) / width)**2)
        backscatter = 2500 * beta_nir * np.exp(-0.5 * ((6 - centre) / width)**2)
        slices.append(850 * nir * gate * falloff + backscatter + passive)
    # The padded region of interest holds every sample of the window, so no border is read.
    warped = warp_window(
        np.dstack(slices).astype(np.float32), (x0 - left, y0 - top, x1 - left, y1 - top),
        (gated_cam['width'], gated_cam['height']))
    out = []
    for k in range(3):
        s = warped[..., k]
        s = DARK_LEVEL + s + _noise(rng, s.shape) * np.sqrt(36 + 0.5 * s)
        out.append(np.clip(np.round(s), 0, 1023).astype(np.uint16))
    return rgb, out


def _recording_names(rng: np.random.Generator, count: int, first: int) -> List[str]:
    """Split lines ``<recording>,<frame>``, FRAMES_PER_RECORDING frames per recording.

    Recording ``k`` (counted over all splits from ``first``) is dated 2018-02-01 + k days, so
    names never repeat across splits.
    """
    names = []
    for r in range(first, first + -(-count // FRAMES_PER_RECORDING)):
        day = datetime.date(2018, 2, 1) + datetime.timedelta(days=r)
        hour = int(rng.choice([18, 19, 20, 21, 22, 23, 0, 1, 2, 5]))
        stamp = f'{day:%Y-%m-%d}_{hour:02d}-{rng.integers(60):02d}-{rng.integers(60):02d}'
        start = int(rng.integers(0, 300)) * 10
        for k in range(min(FRAMES_PER_RECORDING, count - len(names))):
            names.append(f'{stamp},{start + 10 * k:05d}')
    return names


def _check(writes: list) -> None:
    """Wait for pending image writes (and empty the list); raise if one failed."""
    for path, done in writes:
        if not done.result():
            raise OSError(f'{path}: could not write the image')
    writes.clear()


def make_stf_demo(root: str,
                  splits: Optional[Dict[str, int]] = None,
                  scale: float = 0.25,
                  seed: int = 0) -> dict:
    """Write the demo dataset in the official STF layout (kept if already written alike).

    Writes ``cam_stereo_left_lut/<sample>.png`` (8-bit RGB), ``gated{0,1,2}_10bit/<sample>.png``
    (16-bit PNG with 10-bit values), ``gt_labels/cam_left_labels_TMP/<sample>.txt`` (RGB frame)
    and ``gt_labels/gated_labels_TMP/<sample>.txt`` (gated frame), 27 columns each, and
    ``splits/<name>.txt`` with ``<recording>,<frame>`` lines. The weather of a split follows
    its name (``light_fog``, ``dense_fog``, otherwise clear); all scenes are at night.

    Args:
        root (str): Output folder.
        splits (dict, optional): Frames per split. Defaults to ``train_clear_night=120,
            light_fog_night=40, val_clear_night=40, test_clear_night=24, dense_fog_night=16``.
        scale (float): Size relative to the real cameras (RGB 1920x1024, gated 1280x720).
            Defaults to 0.25 (RGB 480x256, gated 320x180).
        seed (int): Random seed; each frame draws from its own stream (split name, index).

    Returns:
        dict: ``root``, ``splits`` (name -> frames), ``cameras`` (the scaled
        ``cam_stereo_left`` and ``gated`` intrinsics) and ``window`` (the gated frame in RGB
        pixels, see :func:`camera_window`).
    """
    splits = dict(DEFAULT_SPLITS if splits is None else splits)
    rgb_cam = scale_camera(CAMERAS['cam_stereo_left'], scale)
    gated_cam = scale_camera(CAMERAS['gated'], scale)
    window = camera_window(rgb_cam, gated_cam)
    result = dict(
        root=root,
        splits=splits,
        cameras=dict(cam_stereo_left=rgb_cam, gated=gated_cam),
        window=window)
    meta = dict(splits=splits, scale=scale, seed=seed, version=3)  # bump when output changes
    meta_file = osp.join(root, 'stf_demo.json')
    if osp.isfile(meta_file):
        with open(meta_file) as f:
            if json.load(f) == meta:
                return result

    for folder in (RGB_DIR, ) + GATED_DIRS + (RGB_LABELS, GATED_LABELS, 'splits'):
        os.makedirs(osp.join(root, folder), exist_ok=True)
    # Fast PNG settings (noisy images barely compress anyway); PNG encoding runs in threads.
    png = [
        cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY,
        cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY
    ]
    recordings = 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        writes = []  # the previous frame's image writes
        for split, count in splits.items():
            stream = [seed, zlib.crc32(split.encode())]
            beta = FOG_BETA[_weather(split)]
            lines = _recording_names(np.random.default_rng(stream), count, recordings)
            recordings += -(-count // FRAMES_PER_RECORDING)
            for index, line in enumerate(lines):
                sample = line.replace(',', '_')
                rng = np.random.default_rng(stream + [index])  # frame i is the same in any size
                canvas = _Canvas(rgb_cam)
                objects = _scene(rng, canvas)
                rgb_lines, gated_lines = _labels(objects, canvas, rgb_cam, gated_cam, rng)
                rgb, gated = _render(canvas, gated_cam, window, beta, rng)
                _check(writes)
                images = [(RGB_DIR, rgb[..., ::-1])] + list(zip(GATED_DIRS, gated))
                for folder, img in images:
                    path = osp.join(root, folder, sample + '.png')
                    writes.append((path, pool.submit(cv2.imwrite, path, img, png)))
                for folder, label in ((RGB_LABELS, rgb_lines), (GATED_LABELS, gated_lines)):
                    with open(osp.join(root, folder, sample + '.txt'), 'w') as f:
                        f.write(''.join(s + '\n' for s in label))
            with open(osp.join(root, 'splits', f'{split}.txt'), 'w') as f:
                f.write(''.join(s + '\n' for s in lines))
        _check(writes)
    with open(meta_file, 'w') as f:
        json.dump(meta, f)
    return result
