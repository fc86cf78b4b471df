"""The xView2 challenge score: pixel counts per tile, their sums, the F1s and the submission PNGs.

The rules are those of the challenge's reference scorer (``xview2_metrics.py`` of
``DIUx-xView/xView2_scoring``, commit ``ea0793d``, the version in force since 2019-10-26):

* **Localisation.** A pixel is a building when its value is > 0, in the prediction as in the
  target. True positives, false positives and false negatives are counted over all pixels of a
  tile and summed over all tiles before one F1 is computed.
* **Damage.** The damage prediction is first set to 0 wherever the localisation prediction has no
  building (``dp = dp * (lp > 0)``). Only pixels where the damage target is a building
  (value > 0) are scored. For every damage class ``c`` in 1-4 (no damage, minor damage, major
  damage, destroyed) a scored pixel is a TP when prediction and target are both ``c``, an FN when
  the target is ``c`` and the prediction is not, an FP when the prediction is ``c`` and the target
  is not. The counts of every tile are summed over all tiles, whether or not the tile's target
  contains the class; then one F1 per class is computed.
* **F1.** ``precision = TP / (TP + FP)`` and ``recall = TP / (TP + FN)``, both 0 when ``TP == 0``
  (so 0/0 gives 0, never NaN); ``F1 = 2 P R / (P + R)``, 0 when ``P`` or ``R`` is 0.
* **Damage F1** = harmonic mean of the four class F1s with an epsilon of ``1e-6``:
  ``4 / sum((f1_c + 1e-6) ** -1)``; a class with F1 0 drives it to about ``4e-6``.
* **Score** = ``0.3 * localization_f1 + 0.7 * damage_f1``.

Per-tile class rule: the scorer's first release (commit ``e34328c``, 2019-10-22) counted a damage
class on a tile only when the tile's scored damage target contains that class (the other tiles
gave no TP/FN/FP for the class, so false positives of a class on tiles without it were not
counted). Commit ``acb007a`` ("Fixed improper counting of false positives") removed that rule
three days later, and the current scorer counts every class on every tile. :func:`accumulate`
follows the current scorer; ``presence_rule=True`` reproduces the first release. Whether a class
is present on a tile needs no extra bookkeeping: it is ``TP + FN > 0`` for that class.

Two additions that the reference scorer does not need, since its targets only hold 0-4:
pixels whose localisation target is ``ignore_index`` (255) are left out of the localisation
counts, and damage pixels are scored only where the damage target is 1-4 (255 is never scored).
``localization_iou`` (``TP / (TP + FP + FN)``, 0 when ``TP == 0``) and the localisation precision
and recall are reported next to the official keys.
"""
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image

from .arrays import ArrayLike, to_numpy

DAMAGE_CLASSES = ('no_damage', 'minor_damage', 'major_damage', 'destroyed')
EPSILON = 1e-6
LOC_WEIGHT = 0.3
DAMAGE_WEIGHT = 0.7
IGNORE_INDEX = 255
OFFICIAL_KEYS = ('score', 'damage_f1', 'localization_f1', 'damage_f1_no_damage',
                 'damage_f1_minor_damage', 'damage_f1_major_damage', 'damage_f1_destroyed')
LOC_KEYS = ('localization_f1', 'localization_iou', 'localization_precision', 'localization_recall')
LOC_COUNT_KEYS = ('loc_tp', 'loc_fp', 'loc_fn')
DAMAGE_COUNT_KEYS = ('dmg_tp', 'dmg_fp', 'dmg_fn')
SPLITS = ('test', 'hold')

Counts = Dict[str, Union[int, List[int]]]


def _as_map(values: ArrayLike, name: str) -> np.ndarray:
    """A 2-D integer numpy map (leading singleton axes, e.g. ``1 x H x W``, are squeezed)."""
    array = to_numpy(values)
    while array.ndim > 2 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 2:
        raise ValueError(f'{name}: expected an H x W map, got shape {array.shape}')
    if not (np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_):
        if not np.array_equal(array, np.round(array)):
            raise ValueError(f'{name}: expected integer class ids, got non-integer '
                             f'{array.dtype} values')
        array = array.astype(np.int64)
    return array


def tile_counts(loc_pred: ArrayLike,
                dmg_pred: Optional[ArrayLike],
                loc_target: ArrayLike,
                dmg_target: Optional[ArrayLike],
                ignore_index: int = IGNORE_INDEX) -> Counts:
    """Integer TP/FP/FN of one tile, by the reference scorer's rules (see the module docstring).

    Args:
        loc_pred (ArrayLike): ``H x W`` localisation prediction; > 0 is a building.
        dmg_pred (ArrayLike, optional): ``H x W`` damage prediction, values 0-4. None counts the
            localisation only.
        loc_target (ArrayLike): ``H x W`` localisation target; > 0 is a building, pixels equal to
            ``ignore_index`` are not scored.
        dmg_target (ArrayLike, optional): ``H x W`` damage target, values 0-4 or
            ``ignore_index``; only pixels 1-4 are scored. Needed when ``dmg_pred`` is given.
        ignore_index (int): Target value of unscored pixels. Defaults to 255.

    Returns:
        dict: ``loc_tp``, ``loc_fp``, ``loc_fn`` (ints) and, with damage maps, ``dmg_tp``,
        ``dmg_fp``, ``dmg_fn`` (lists of 4 ints, classes 1-4 in order).
    """
    loc_pred = _as_map(loc_pred, 'loc_pred')
    loc_target = _as_map(loc_target, 'loc_target')
    maps = dict(loc_pred=loc_pred, loc_target=loc_target)
    if dmg_pred is not None:
        if dmg_target is None:
            raise ValueError('tile_counts: dmg_pred given without dmg_target')
        maps.update(
            dmg_pred=_as_map(dmg_pred, 'dmg_pred'), dmg_target=_as_map(dmg_target, 'dmg_target'))
    shapes = {name: array.shape for name, array in maps.items()}
    if len(set(shapes.values())) != 1:
        raise ValueError(f'tile_counts: maps of different shapes {shapes}')

    scored = loc_target != ignore_index
    pred_b, targ_b = loc_pred > 0, loc_target > 0
    counts: Counts = dict(
        loc_tp=int(np.count_nonzero(pred_b & targ_b & scored)),
        loc_fp=int(np.count_nonzero(pred_b & ~targ_b & scored)),
        loc_fn=int(np.count_nonzero(~pred_b & targ_b & scored)))
    if dmg_pred is None:
        return counts

    dmg_pred, dmg_target = maps['dmg_pred'], maps['dmg_target']
    if dmg_pred.size and (dmg_pred.min() < 0 or dmg_pred.max() > 4):
        raise ValueError(f'dmg_pred: damage classes are 0-4, got values in '
                         f'[{int(dmg_pred.min())}, {int(dmg_pred.max())}]')
    bad = (dmg_target < 0) | ((dmg_target > 4) & (dmg_target != ignore_index))
    if bad.any():
        raise ValueError(f'dmg_target: values must be 0-4 or {ignore_index}, got '
                         f'{sorted(np.unique(dmg_target[bad]).tolist())[:10]}')
    # Credit damage only where a building is predicted, score only target buildings.
    dmg_pred = np.where(pred_b, dmg_pred, 0)
    building = (dmg_target > 0) & (dmg_target <= 4)
    pred_s, targ_s = dmg_pred[building], dmg_target[building]
    for key in DAMAGE_COUNT_KEYS:
        counts[key] = []
    for cls in range(1, 5):
        is_pred, is_targ = pred_s == cls, targ_s == cls
        counts['dmg_tp'].append(int(np.count_nonzero(is_pred & is_targ)))
        counts['dmg_fp'].append(int(np.count_nonzero(is_pred & ~is_targ)))
        counts['dmg_fn'].append(int(np.count_nonzero(~is_pred & is_targ)))
    return counts


def accumulate(counts: Sequence[Counts], presence_rule: bool = False) -> Counts:
    """Sum the counts of many tiles, as the reference scorer sums its per-tile rows.

    Args:
        counts (Sequence[dict]): :func:`tile_counts` of every tile.
        presence_rule (bool): False (the current scorer): every damage class counts on every
            tile. True (the scorer's withdrawn first release): a damage class counts only on
            tiles whose scored target contains it (``TP + FN > 0`` for the class).
            Defaults to False.

    Returns:
        dict: The same keys as :func:`tile_counts`, summed; damage keys only when every tile has
        them. An empty sequence gives zero counts with the damage keys.
    """
    counts = list(counts)
    total: Counts = {key: 0 for key in LOC_COUNT_KEYS}
    with_damage = all(DAMAGE_COUNT_KEYS[0] in c for c in counts)
    if with_damage:
        total.update({key: [0] * 4 for key in DAMAGE_COUNT_KEYS})
    for tile in counts:
        for key in LOC_COUNT_KEYS:
            total[key] += int(tile[key])
        if not with_damage:
            continue
        for cls in range(4):
            if presence_rule and tile['dmg_tp'][cls] + tile['dmg_fn'][cls] == 0:
                continue
            for key in DAMAGE_COUNT_KEYS:
                total[key][cls] += int(tile[key][cls])
    return total


def precision_recall_f1(tp: int, fp: int, fn: int) -> Tuple[float, float, float]:
    """Precision, recall and F1 as the reference scorer computes them (0 when ``tp == 0``)."""
    if min(tp, fp, fn) < 0:
        raise ValueError(f'negative counts tp={tp}, fp={fp}, fn={fn}')
    if tp == 0:
        return 0.0, 0.0, 0.0
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return float(precision), float(recall), float(2 * precision * recall / (precision + recall))


def harmonic_mean(values: Sequence[float], eps: float = EPSILON) -> float:
    """``len(values) / sum((v + eps) ** -1)``, the scorer's mean of the damage F1s."""
    values = [float(v) for v in values]
    return len(values) / sum((v + eps)**-1 for v in values)


def xview2_scores(counts: Union[Counts, Sequence[Counts]],
                  presence_rule: bool = False) -> Dict[str, float]:
    """The xView2 metrics of summed counts (fractions in ``[0, 1]``).

    Args:
        counts (dict | Sequence[dict]): :func:`accumulate` output, or the per-tile counts
            (summed here with ``presence_rule``).
        presence_rule (bool): See :func:`accumulate`; used only for a sequence.
            Defaults to False.

    Returns:
        dict[str, float]: With damage counts: the official keys ``score``, ``damage_f1``,
        ``localization_f1``, ``damage_f1_no_damage``, ``damage_f1_minor_damage``,
        ``damage_f1_major_damage``, ``damage_f1_destroyed``, followed by ``localization_iou``,
        ``localization_precision`` and ``localization_recall``. Without damage counts only the
        four ``localization_*`` keys.
    """
    if not isinstance(counts, dict):
        counts = accumulate(counts, presence_rule=presence_rule)
    tp, fp, fn = (int(counts[key]) for key in LOC_COUNT_KEYS)
    loc_p, loc_r, loc_f1 = precision_recall_f1(tp, fp, fn)
    loc_iou = 0.0 if tp == 0 else tp / (tp + fp + fn)
    loc = dict(
        localization_iou=float(loc_iou), localization_precision=loc_p, localization_recall=loc_r)
    if DAMAGE_COUNT_KEYS[0] not in counts:
        return dict(localization_f1=loc_f1, **loc)
    class_f1 = [
        precision_recall_f1(counts['dmg_tp'][c], counts['dmg_fp'][c], counts['dmg_fn'][c])[2]
        for c in range(4)
    ]
    damage_f1 = harmonic_mean(class_f1)
    scores = dict(
        score=LOC_WEIGHT * loc_f1 + DAMAGE_WEIGHT * damage_f1,
        damage_f1=damage_f1,
        localization_f1=loc_f1)
    scores.update({f'damage_f1_{name}': f1 for name, f1 in zip(DAMAGE_CLASSES, class_f1)})
    scores.update(loc)
    return scores


def tile_id_from_path(path: str) -> str:
    """Tile id of an image path: its stem without the xBD pre/post markers.

    ``test_pre_00000.png`` and ``test_post_00000.png`` give ``00000``;
    ``hurricane-harvey_00000007_post_disaster.png`` gives ``hurricane-harvey_00000007``; other
    names give their stem.
    """
    stem = osp.splitext(osp.basename(str(path)))[0]
    match = re.fullmatch(r'(?:test|hold)_(?:pre|post)_(.+)', stem)
    if match:
        return match.group(1)
    return re.sub(r'_(?:pre|post)_disaster$', '', stem)


def submission_paths(out_dir: str, tile_id: str, split: str = 'test') -> Tuple[str, str]:
    """``<split>_localization_<id>_prediction.png`` and ``<split>_damage_<id>_prediction.png``."""
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
    return (osp.join(out_dir, f'{split}_localization_{tile_id}_prediction.png'),
            osp.join(out_dir, f'{split}_damage_{tile_id}_prediction.png'))


def write_xview2_submission(out_dir: str,
                            tile_id: str,
                            loc: ArrayLike,
                            dmg: ArrayLike,
                            split: str = 'test') -> Tuple[str, str]:
    """Write the two submission PNGs of one tile (uint8, single channel, the maps' size).

    The localisation file holds ``loc > 0`` as 0/1, the damage file ``dmg`` as given (0-4). The
    reference scorer splits file names at ``_`` into four parts, so it needs tile ids without
    underscores (the test split's 5-digit ids);
    :func:`cmkd_mm.evaluation.xview2_score.score_folders` also accepts ids with underscores.

    Args:
        out_dir (str): Output folder; created if missing.
        tile_id (str): Tile id in the file names.
        loc (ArrayLike): ``H x W`` localisation prediction (> 0 is a building).
        dmg (ArrayLike): ``H x W`` damage prediction, values 0-4.
        split (str): File-name prefix, ``'test'`` or ``'hold'``. Defaults to ``'test'``.

    Returns:
        tuple[str, str]: Paths of the localisation and damage files.
    """
    loc, dmg = _as_map(loc, 'loc'), _as_map(dmg, 'dmg')
    if loc.shape != dmg.shape:
        raise ValueError(f'write_xview2_submission: tile {tile_id}: loc {loc.shape} and dmg '
                         f'{dmg.shape} differ in shape')
    if dmg.size and (dmg.min() < 0 or dmg.max() > 4):
        raise ValueError(f'write_xview2_submission: tile {tile_id}: damage values must be 0-4, '
                         f'got [{int(dmg.min())}, {int(dmg.max())}]')
    loc_path, dmg_path = submission_paths(out_dir, tile_id, split)
    os.makedirs(out_dir, exist_ok=True)
    Image.fromarray((loc > 0).astype(np.uint8)).save(loc_path)
    Image.fromarray(dmg.astype(np.uint8)).save(dmg_path)
    return loc_path, dmg_path


def read_xview2_png(path: str, size: Optional[Sequence[int]] = (1024, 1024)) -> np.ndarray:
    """Read and check one submission or target PNG as the reference scorer does.

    The file must exist, open as an image, be uint8 with one channel, hold only values 0-4 and,
    unless ``size`` is None, be ``size`` (h, w). Every failure raises an error naming the file.

    Args:
        path (str): The PNG file.
        size (Sequence[int], optional): Expected (h, w). Defaults to (1024, 1024).

    Returns:
        np.ndarray: The ``H x W`` uint8 map.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: file does not exist')
    try:
        with Image.open(path) as image:
            array = np.array(image)
    except Exception as err:  # PIL raises several types for unreadable files
        raise ValueError(f'{path}: cannot be read as an image ({err})') from err
    if array.dtype != np.uint8:
        raise ValueError(f'{path}: pixels are {array.dtype}, must be uint8')
    if array.ndim != 2:
        raise ValueError(f'{path}: must have a single channel, got shape {array.shape}')
    if array.size and array.max() > 4:
        raise ValueError(f'{path}: values must be 0-4, found {np.unique(array).tolist()}')
    if size is not None and tuple(array.shape) != tuple(int(s) for s in size):
        raise ValueError(f'{path}: size is {array.shape} (h, w), expected {tuple(size)}')
    return array
