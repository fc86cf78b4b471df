"""xView2 / xBD label files: building polygons (WKT in pixel coordinates) and damage classes.

A label file is JSON::

    {"features": {"lng_lat": [...],
                  "xy": [{"properties": {"feature_type": "building", "subtype": "minor-damage",
                                         "uid": "..."},
                          "wkt": "POLYGON ((x y, x y, ...))"}, ...]},
     "metadata": {...}}

Only ``features.xy`` is read: its WKT are pixel coordinates of the image. Pre-disaster files
have no ``subtype``; post-disaster files give one of :data:`DAMAGE_VALUES`. An empty ``xy``
list is a tile without buildings.

Labels that cannot be buildings are refused with an error naming the file and the feature
(index and ``uid``), not drawn or dropped: a polygon with zero area, a ``uid`` given twice with
different damage subtypes, and (:func:`label_to_mask`, which knows the image size) a polygon
wholly outside the image. None of these occur in the xBD release as documented.

:func:`rasterize_polygons` draws polygons the way the masks of the xBD solutions are made:
``cv2.fillPoly`` of the exterior ring, then the interior rings (holes) set back to 0, with
coordinates rounded (``np.round``) to ``int32``. Each polygon is drawn on its own and pasted
where it covers pixels, so a later building overwrites an earlier one where they overlap and a
hole of one building never erases another.
"""
import json
from typing import Callable, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from shapely import wkt as shapely_wkt
from shapely.geometry import MultiPolygon, Polygon
from shapely.validation import make_valid

from .sample_lists import read_text

#: Damage class of each ``subtype`` (``un-classified`` counts as no-damage, as in the
#: 1st-place xView2 code).
DAMAGE_VALUES = {
    'no-damage': 1,
    'minor-damage': 2,
    'major-damage': 3,
    'destroyed': 4,
    'un-classified': 1
}
#: Value of ignored pixels in damage maps.
IGNORE_INDEX = 255
# Pixel coordinates beyond this are not pixel coordinates (and would overflow int32).
_MAX_COORD = 1e6

Geometry = Union[Polygon, MultiPolygon]
LabelItem = Tuple[Geometry, Optional[str]]


def _fail(path: str, problem: str, fix: str) -> ValueError:
    return ValueError(f'{path}: {problem}. {fix}')


def _feature_name(index: int, uid) -> str:
    name = f'feature {index} of "features.xy"'
    return name + (f' (uid {uid!r})' if uid is not None else '')


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _read_features(path: str) -> List[dict]:
    """Every feature of ``features.xy`` checked: ``dict(index, uid, wkt, geometry, subtype)``."""
    text = read_text(path, 'label file')
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise _fail(path, f'not valid JSON ({str(error)[:80]})',
                    'The label file is damaged or not an xBD label; copy it again.') from None
    features = data.get('features') if isinstance(data, dict) else None
    xy = features.get('xy') if isinstance(features, dict) else None
    if not isinstance(xy, list):
        raise _fail(path, 'no "features.xy" list of building polygons',
                    'An xBD label file holds {"features": {"xy": [...]}}; is it the right file?')
    items, seen = [], {}
    for index, feature in enumerate(xy):
        where = _feature_name(index, None)
        if not isinstance(feature, dict) or not isinstance(feature.get('wkt'), str):
            raise _fail(path, f'{where} has no "wkt" text',
                        'Every building needs its polygon as WKT; fix or remove that feature.')
        properties = feature.get('properties', {})
        if properties is None:
            properties = {}
        if not isinstance(properties, dict):
            raise _fail(path, f'{where}: "properties" is not an object',
                        'Give "properties" as {"subtype": ...} or leave it out.')
        uid = properties.get('uid')
        uid = uid if isinstance(uid, (str, int)) and not isinstance(uid, bool) else None
        where = _feature_name(index, uid)
        try:
            geometry = shapely_wkt.loads(feature['wkt'])
        except Exception as error:  # shapely raises several types for malformed WKT
            message = str(error).strip().splitlines()[-1][:80] if str(error).strip() else \
                type(error).__name__
            raise _fail(
                path, f'{where}: unparsable WKT ({message})',
                'Write the polygon as "POLYGON ((x y, ...))" in pixel coordinates.') from None
        if not isinstance(geometry, (Polygon, MultiPolygon)):
            raise _fail(path, f'{where} is a {geometry.geom_type}, not a Polygon or '
                        f'MultiPolygon', 'Buildings are areas; fix or remove that feature.')
        coords = _all_coords(geometry)
        if len(coords) and (not np.isfinite(coords).all() or np.abs(coords).max() > _MAX_COORD):
            raise _fail(
                path, f'{where} has coordinates that are not finite pixel coordinates '
                f'(|value| up to {_MAX_COORD:g})',
                'Use the pixel-coordinate WKT of "features.xy", not another frame.')
        _check_area(path, where, geometry, feature['wkt'])
        subtype = properties.get('subtype')
        if subtype is not None and (not isinstance(subtype, str) or subtype not in DAMAGE_VALUES):
            raise _fail(path, f'{where}: unknown damage subtype {subtype!r}',
                        f'Use one of {sorted(DAMAGE_VALUES)}.')
        if uid is not None:
            first = seen.setdefault(uid, (index, subtype))
            if first[1] != subtype:
                raise _fail(
                    path, f'uid {uid!r} is given twice with different damage subtypes: '
                    f'feature {first[0]} ({first[1] or "no subtype"}) and feature {index} '
                    f'({subtype or "no subtype"}) of "features.xy"',
                    'A building has one damage class; remove the wrong feature or give it its '
                    'own uid.')
        items.append(
            dict(index=index, uid=uid, wkt=feature['wkt'], geometry=geometry, subtype=subtype))
    return items


def _check_area(path: str, where: str, geometry: Geometry, text: str) -> None:
    """Refuse a polygon (or a part of a multipolygon) that encloses no area."""
    parts = _polygons(geometry)
    for number, polygon in enumerate(parts):
        # make_valid: a self-intersecting ring (a bow tie) has a shoelace area of 0 but encloses
        # area, while a ring folded onto a line stays without any.
        if polygon.is_empty or make_valid(polygon).area <= 0:
            part = f'part {number} of ' if len(parts) > 1 else ''
            raise _fail(
                path, f'{part}{where} has zero area ({_short(text)}): it is no building, and '
                f'rasterised it would be a line or a point of building pixels',
                'Fix the polygon or remove that feature.')


def parse_xview2_label(path: str) -> List[LabelItem]:
    """Building polygons and their damage subtypes from an xBD label file.

    Refused (``ValueError`` naming the file and the feature by its index and ``uid``): a
    polygon with zero area (a ring folded onto a line or a point, ``POLYGON EMPTY``), and a
    ``uid`` given twice with different damage subtypes.

    Args:
        path (str): The ``.json`` label file.

    Returns:
        list[tuple]: ``(geometry, subtype)`` per feature of ``features.xy``, in file order;
        ``geometry`` is a shapely ``Polygon`` or ``MultiPolygon`` in pixel coordinates,
        ``subtype`` is ``None`` when the feature has none (pre-disaster files).

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: Anything else is wrong; the message starts with ``path`` and says the fix.
    """
    return [(f['geometry'], f['subtype']) for f in _read_features(path)]


def _coords(ring) -> np.ndarray:
    arr = np.asarray(ring.coords, dtype=np.float64)
    return arr[:, :2] if arr.ndim == 2 else np.zeros((0, 2))


def _all_coords(geometry: Geometry) -> np.ndarray:
    rings = []
    for polygon in _polygons(geometry):
        if polygon.is_empty:
            continue
        rings.append(_coords(polygon.exterior))
        rings += [_coords(r) for r in polygon.interiors]
    return np.concatenate(rings) if rings else np.zeros((0, 2))


def _polygons(geometry: Geometry) -> Sequence[Polygon]:
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    return [geometry]


def _ring_points(ring) -> np.ndarray:
    return np.round(_coords(ring)).astype(np.int32)


def _pixel_window(exterior: np.ndarray, h: int, w: int) -> Optional[Tuple[int, ...]]:
    """``(x0, y0, x1, y1)`` (inclusive) of the image pixels under the rounded ring's bounding
    box, ``None`` when it lies wholly outside the image."""
    if len(exterior) == 0:
        return None
    x0, y0 = np.maximum(exterior.min(0), 0)
    x1, y1 = np.minimum(exterior.max(0), (w - 1, h - 1))
    if x1 < x0 or y1 < y0:
        return None
    return int(x0), int(y0), int(x1), int(y1)


def _inside(geometry: Geometry, h: int, w: int) -> bool:
    return any(
        _pixel_window(_ring_points(p.exterior), h, w) is not None for p in _polygons(geometry)
        if not p.is_empty)


def check_inside(path: str, features: Sequence[dict], shape_hw: Tuple[int, int]) -> None:
    """Refuse features lying wholly outside an image of ``shape_hw`` (``(height, width)``).

    A polygon partly outside the image is fine (the part outside is clipped, as the 1st-place
    xView2 code does); one with no pixel in the image is the label of another image or of
    another tile size.

    Args:
        path (str): The label file (named in the error).
        features (Sequence[dict]): ``dict(index, uid, wkt, geometry)`` per feature.
        shape_hw (tuple[int, int]): The image's ``(height, width)``.

    Raises:
        ValueError: Naming ``path``, the first such feature (index, uid, bounds) and how many
            there are.
    """
    h, w = int(shape_hw[0]), int(shape_hw[1])
    outside = [f for f in features if not _inside(f['geometry'], h, w)]
    if not outside:
        return
    first = outside[0]
    x0, y0, x1, y1 = first['geometry'].bounds
    more = f' ({len(outside)} of {len(features)} features are)' if len(outside) > 1 else ''
    raise _fail(
        path, f'{_feature_name(first["index"], first["uid"])} lies wholly outside the {w}x{h} '
        f'(w x h) image: x {x0:g} to {x1:g}, y {y0:g} to {y1:g}{more}',
        'Is it the label of another image or of another tile size (the xBD tiles are '
        '1024x1024)? Use the label made for this image, or remove that feature.')


def rasterize_polygons(shape_hw: Tuple[int, int], items: Sequence[LabelItem],
                       value_fn: Callable[[Optional[str]], int]) -> np.ndarray:
    """Draw ``(geometry, subtype)`` items into a ``uint8`` map of ``shape_hw``.

    Each polygon's exterior is filled with ``value_fn(subtype)`` and its holes are set back to
    0 (in that polygon's own mask, then pasted), as the 1st-place xView2 code's ``create_masks``
    does. Parts of polygons outside the image are clipped.

    Args:
        shape_hw (tuple[int, int]): ``(height, width)`` of the map.
        items (Sequence[tuple]): ``(geometry, subtype)`` as :func:`parse_xview2_label` gives.
        value_fn (callable): ``subtype -> value`` (0-255).

    Returns:
        np.ndarray: ``uint8`` map, 0 where no building is.
    """
    h, w = int(shape_hw[0]), int(shape_hw[1])
    out = np.zeros((h, w), np.uint8)
    for geometry, subtype in items:
        value = int(value_fn(subtype))
        for polygon in _polygons(geometry):
            if polygon.is_empty or polygon.exterior is None:
                continue
            exterior = _ring_points(polygon.exterior)
            window = _pixel_window(exterior, h, w)
            if window is None:
                continue  # wholly outside the image
            x0, y0, x1, y1 = window
            offset = np.array([x0, y0], np.int32)
            mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
            cv2.fillPoly(mask, [exterior - offset], 1)
            holes = [_ring_points(r) - offset for r in polygon.interiors]
            holes = [r for r in holes if len(r)]
            if holes:
                cv2.fillPoly(mask, holes, 0)
            window = out[y0:y1 + 1, x0:x1 + 1]
            window[mask > 0] = value
    return out


def damage_value(subtype: Optional[str], unclassified: Union[int, str] = 1) -> int:
    """Damage map value of a subtype; ``unclassified='ignore'`` gives 255 to ``un-classified``.

    Raises:
        ValueError: ``subtype`` is ``None`` (a building without damage class) or unknown.
    """
    if subtype == 'un-classified':
        return IGNORE_INDEX if unclassified == 'ignore' else int(unclassified)
    if subtype not in DAMAGE_VALUES:
        raise ValueError(f'damage subtype {subtype!r} is not one of {sorted(DAMAGE_VALUES)}')
    return DAMAGE_VALUES[subtype]


def check_unclassified(unclassified: Union[int, str]) -> Union[int, str]:
    """Validate the ``unclassified`` option (``'ignore'`` or a class value 0-4)."""
    if unclassified == 'ignore':
        return unclassified
    if isinstance(unclassified, bool) or not isinstance(unclassified, (int, np.integer)) \
            or not 0 <= int(unclassified) <= 4:
        raise ValueError(f'unclassified must be "ignore" or a damage value 0-4, got '
                         f'{unclassified!r}')
    return int(unclassified)


def label_to_mask(path: str,
                  shape_hw: Tuple[int, int],
                  kind: str = 'loc',
                  unclassified: Union[int, str] = 1) -> np.ndarray:
    """Rasterise a label file: ``kind='loc'`` gives buildings = 1, ``'damage'`` the damage map.

    Args:
        path (str): The ``.json`` label file.
        shape_hw (tuple[int, int]): ``(height, width)`` of the image the label belongs to.
        kind (str): ``'loc'`` or ``'damage'``.
        unclassified (int | str): Damage value of ``un-classified`` buildings (see
            :func:`damage_value`).

    Returns:
        np.ndarray: ``uint8`` map of ``shape_hw``.

    Raises:
        ValueError: What :func:`parse_xview2_label` refuses; a feature wholly outside the
            image (:func:`check_inside`); a building without ``subtype`` when
            ``kind='damage'`` (a pre-disaster file given as post label).
    """
    features = _read_features(path)
    check_inside(path, features, shape_hw)
    items = [(f['geometry'], f['subtype']) for f in features]
    if kind == 'loc':
        return rasterize_polygons(shape_hw, items, lambda s: 1)
    if kind != 'damage':
        raise ValueError(f'kind must be "loc" or "damage", got {kind!r}')
    missing = [i for i, (_, s) in enumerate(items) if s is None]
    if missing:
        raise _fail(
            path, f'feature {missing[0]} of "features.xy" has no damage "subtype" '
            f'({len(missing)} feature(s) without one)',
            'Damage maps come from post-disaster labels; is this a pre-disaster file?')
    return rasterize_polygons(shape_hw, items, lambda s: damage_value(s, unclassified))


def damage_classes_of(items: Sequence[LabelItem]) -> set:
    """Damage values (1-4) the items hold (``un-classified`` counted as no-damage)."""
    return {DAMAGE_VALUES[s] for _, s in items if s is not None}


__all__ = [
    'DAMAGE_VALUES', 'IGNORE_INDEX', 'parse_xview2_label', 'rasterize_polygons', 'damage_value',
    'check_unclassified', 'check_inside', 'label_to_mask', 'damage_classes_of'
]
