"""Seeing Through Fog / DENSE (Bijelic et al., CVPR 2020) on-disk formats.

Split files, the 27-column KITTI-style label files, class maps and the pinhole intrinsics of the
two cameras used here (``cam_stereo_left`` RGB and the ``gated`` NIR camera). Pure Python and
numpy, so converters and demo writers can use it without mmdet.
"""
import math
from collections import Counter
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .sample_lists import read_text, require_samples

STF_LABEL_COLUMNS = ('class', 'truncated', 'occlusion', 'alpha', 'x1', 'y1', 'x2', 'y2', 'h', 'w',
                     'l', 'x', 'y', 'z', 'rotation_y', 'rotx', 'roty', 'rotz', 'score', 'qx', 'qy',
                     'qz', 'qw', 'visibleRGB', 'visibleGated', 'visibleLidar', 'visibleRadar')
BOX_COLUMNS = (4, 5, 6, 7)  # x1 y1 x2 y2, in pixels of the camera of the label folder

CLASS_MAPS = dict(
    # The original CMKD pedestrian detector code: one class, groups count as pedestrians.
    pedestrian={
        'Pedestrian': 'pedestrian',
        'Pedestrian_is_group': 'pedestrian'
    },
    # The four main STF classes (groups of pedestrians merged into Pedestrian).
    full={
        'PassengerCar': 'PassengerCar',
        'Pedestrian': 'Pedestrian',
        'Pedestrian_is_group': 'Pedestrian',
        'RidableVehicle': 'RidableVehicle',
        'LargeVehicle': 'LargeVehicle'
    })

IGNORE_CLASSES = ('DontCare', "Don't care region")
STF_KNOWN_CLASSES = ('PassengerCar', 'Pedestrian', 'Pedestrian_is_group', 'RidableVehicle',
                     'LargeVehicle', 'Vehicle', 'Obstacle') + IGNORE_CLASSES
TRAFFIC_PREFIX = 'traffic '  # two-word "traffic ..." entries, skipped like the official tools do


def map_categories(class_map: Dict[str, str]) -> Tuple[str, ...]:
    """The ordered categories a class map produces (first appearance order)."""
    return tuple(dict.fromkeys(class_map.values()))


CLASS_MAP_CATEGORIES = {k: map_categories(v) for k, v in CLASS_MAPS.items()}

# Pinhole intrinsics from the official calibration (tools/DatasetViewer/calibs):
# calib_cam_stereo_left.json and calib_gated_bwv.json.
CAMERAS = dict(
    cam_stereo_left=dict(
        fx=2355.722801, fy=2355.722801, cx=988.138054, cy=508.051838, width=1920, height=1024),
    gated=dict(fx=2322.4, fy=2322.4, cx=667.777, cy=261.144, width=1280, height=720))


def read_split(path: str) -> List[str]:
    """Sample names listed by a split file.

    Official STF split files hold ``<recording>,<frame>`` per line
    (``2019-09-11_18-41-27,02580`` gives the sample ``2019-09-11_18-41-27_02580``); the night
    subset packaged with the original CMKD detector code (``train_night.txt``) holds bare sample
    names, used as they are. Blank lines are ignored.

    Args:
        path (str): The split file.

    Returns:
        list[str]: Sample names in file order.
    """
    names = []
    for lineno, line in enumerate(read_text(path, 'split file').splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split(',')]
        if len(parts) > 2 or not all(parts) or any(len(p.split()) > 1 for p in parts):
            raise ValueError(f'{path}:{lineno}: cannot read {line!r}; expected '
                             '"<recording>,<frame>" (e.g. "2019-09-11_18-41-27,02580") or '
                             'a bare sample name per line')
        names.append('_'.join(parts))
    return list(require_samples(names, path, 'point --split at the split file you meant'))


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def parse_label_file(
        path: str,
        class_map: Dict[str, str],
        num_columns: int = 27,
        on_unknown: str = 'error',
        ignore_classes: Sequence[str] = IGNORE_CLASSES,
        known_classes: Sequence[str] = STF_KNOWN_CLASSES) -> Tuple[List[dict], Counter]:
    """Read the 2D boxes of one STF label file.

    Class names may contain spaces (``Don't care region``, ``traffic ...``): a line with more
    than ``num_columns`` tokens has its first ``n - num_columns + 1`` tokens joined as the class.
    Ignore classes are checked first, then the class map. Known but unmapped classes and
    ``traffic ...`` entries are skipped and counted as ``unmapped class <name>``; other classes
    raise unless ``on_unknown='skip'`` (counted as ``unknown class <name>``). Boxes are returned
    as written (no clipping or size checks).

    Args:
        path (str): The label file (an empty file has no objects).
        class_map (dict): STF class -> category name.
        num_columns (int): Columns of a line whose class is one token. Defaults to 27.
        on_unknown (str): ``'error'`` or ``'skip'`` for classes outside ``known_classes`` and
            the class map. Defaults to ``'error'``.
        ignore_classes (Sequence[str]): Classes returned as ignore regions.
        known_classes (Sequence[str]): The STF class vocabulary.

    Returns:
        tuple[list[dict], Counter]: Objects ``dict(name, raw_class, bbox, ignore, line)``
        (``name`` is None for ignore regions, ``bbox`` is ``[x1, y1, x2, y2]``) and the counts
        of skipped objects by reason.
    """
    if on_unknown not in ('error', 'skip'):
        raise ValueError(f'on_unknown must be "error" or "skip", got {on_unknown!r}')
    if num_columns < BOX_COLUMNS[-1] + 1:
        raise ValueError(f'num_columns={num_columns} leaves no room for the box columns 4-7')
    objects, skipped = [], Counter()
    lines = read_text(path, 'label file').splitlines()
    for lineno, line in enumerate(lines, 1):
        tokens = line.split()
        if not tokens:
            continue
        n = len(tokens)
        if n < num_columns:
            raise ValueError(
                f'{path}:{lineno}: label line has {n} columns, KITTI-style STF labels have '
                f'{num_columns} ({" ".join(STF_LABEL_COLUMNS)}); for files with fewer columns '
                f'pass num_columns (converter: --num-columns {n})')
        split = n - num_columns + 1
        raw_class = ' '.join(tokens[:split])
        if split > 1 and _is_number(tokens[1]):
            # a class name continues with words; a number there means extra columns
            raise ValueError(
                f'{path}:{lineno}: label line has {n} columns, {n - num_columns} more than '
                f'the {num_columns} of KITTI-style STF labels ({" ".join(STF_LABEL_COLUMNS)}). '
                f'Remove the extra columns, or pass num_columns (converter: --num-columns {n}) '
                f'if every line of this release has {n}.')
        fields = tokens[split - 1:]  # fields[i] is column i
        try:
            bbox = [float(fields[i]) for i in BOX_COLUMNS]
        except ValueError:
            bbox = None
        if bbox is None or not all(math.isfinite(v) for v in bbox):
            raise ValueError(f'{path}:{lineno}: box columns x1 y1 x2 y2 (4-7) must be numbers, '
                             f'got {[fields[i] for i in BOX_COLUMNS]} for class {raw_class!r}')
        if raw_class in ignore_classes:
            objects.append(
                dict(name=None, raw_class=raw_class, bbox=bbox, ignore=True, line=lineno))
        elif raw_class in class_map:
            objects.append(
                dict(
                    name=class_map[raw_class],
                    raw_class=raw_class,
                    bbox=bbox,
                    ignore=False,
                    line=lineno))
        elif raw_class in known_classes or raw_class.startswith(TRAFFIC_PREFIX):
            skipped[f'unmapped class {raw_class}'] += 1
        elif on_unknown == 'skip':
            skipped[f'unknown class {raw_class}'] += 1
        else:
            raise ValueError(
                f'{path}:{lineno}: unknown class {raw_class!r} (not in the STF classes '
                f'{list(known_classes)} nor the class map {sorted(class_map)}); skip such '
                'objects with on_unknown="skip" (converter: --on-unknown skip) or add the class '
                'to the class map')
    return objects, skipped


def scale_camera(cam: dict, scale: float) -> dict:
    """Intrinsics of ``cam`` after resizing its images by ``scale``.

    The new size is ``round(width * scale) x round(height * scale)``; focal lengths and the
    principal point scale by the exact per-axis ratio of the sizes (pixel-edge coordinates, as
    boxes are scaled).

    Args:
        cam (dict): ``dict(fx, fy, cx, cy, width, height)``.
        scale (float): Resize factor.

    Returns:
        dict: The resized camera's intrinsics.
    """
    width, height = int(round(cam['width'] * scale)), int(round(cam['height'] * scale))
    sx, sy = width / cam['width'], height / cam['height']
    return dict(
        fx=cam['fx'] * sx,
        fy=cam['fy'] * sy,
        cx=cam['cx'] * sx,
        cy=cam['cy'] * sy,
        width=width,
        height=height)


def camera_window(src: dict, ref: dict) -> Tuple[float, float, float, float]:
    """The window, in ``src`` pixels, that the full frame of camera ``ref`` covers.

    Far-field approximation: both cameras are taken to share the optical centre and to have
    parallel optical axes (the stereo/gated baseline and the small rotations between them are
    ignored), so a ray maps between the two images by
    ``u_src = cx_src + fx_src / fx_ref * (u_ref - cx_ref)`` (likewise for v with fy, cy).
    The error is about ``f * baseline / depth`` pixels, i.e. small for distant objects. The
    window may extend beyond the ``src`` image (negative or too large coordinates).

    For ``src=CAMERAS['cam_stereo_left']``, ``ref=CAMERAS['gated']`` this is about
    ``(310.8, 243.2, 1609.1, 973.5)``: the gated frame is the RGB content inside that window,
    resampled to 1280x720.

    Args:
        src (dict): Camera whose pixels the window is given in.
        ref (dict): Camera whose full frame ``[0, width] x [0, height]`` is mapped.

    Returns:
        tuple[float]: ``(x0, y0, x1, y1)`` in ``src`` pixels.
    """
    corners = np.array([[0.0, 0.0, ref['width'], ref['height']]])
    x0, y0, x1, y1 = project_boxes(corners, ref, src)[0]
    return float(x0), float(y0), float(x1), float(y1)


def project_boxes(boxes: np.ndarray, src: dict, dst: dict) -> np.ndarray:
    """Map ``(N, 4)`` boxes ``x1 y1 x2 y2`` from ``src`` to ``dst`` pixels.

    Same far-field approximation as :func:`camera_window`; nothing is clipped.

    Args:
        boxes (np.ndarray): Boxes in ``src`` pixels.
        src (dict): Camera the boxes are in.
        dst (dict): Camera to map them to.

    Returns:
        np.ndarray: ``(N, 4)`` float64 boxes in ``dst`` pixels.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    sx, sy = dst['fx'] / src['fx'], dst['fy'] / src['fy']
    out = np.empty_like(boxes)
    out[:, 0::2] = dst['cx'] + sx * (boxes[:, 0::2] - src['cx'])
    out[:, 1::2] = dst['cy'] + sy * (boxes[:, 1::2] - src['cy'])
    return out
