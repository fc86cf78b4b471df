"""Score a folder of xView2 submission PNGs against a folder of target PNGs.

``tools/analysis_tools/xview2_score.py`` is the command line. The files are named as the
challenge's reference scorer expects: ``<split>_localization_<id>_prediction.png`` and
``<split>_damage_<id>_prediction.png`` in the prediction folder, ``…_target.png`` in the target
folder, ``<split>`` being ``test`` or ``hold``. The arithmetic is that of ``XView2Metric``
(:mod:`cmkd_mm.evaluation.functional.xview2`).
"""
import json
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

from cmkd_mm.evaluation.functional.xview2 import (OFFICIAL_KEYS, accumulate, read_xview2_png,
                                                  tile_counts, xview2_scores)

TARGET_NAME = re.compile(r'(test|hold)_(localization|damage)_(.+)_target\.png')


def find_tiles(target_dir: str) -> List[Tuple[str, str]]:
    """``(split, id)`` of every tile in ``target_dir``, sorted.

    Every ``.png`` there must be named ``<split>_{localization,damage}_<id>_target.png``.

    Raises:
        ValueError: A PNG with another name, or no target at all.
    """
    if not osp.isdir(target_dir):
        raise FileNotFoundError(f'target folder {target_dir} does not exist')
    tiles = set()
    for name in sorted(os.listdir(target_dir)):
        if not name.lower().endswith('.png'):
            continue
        match = TARGET_NAME.fullmatch(name)
        if match is None:
            raise ValueError(f'{osp.join(target_dir, name)}: target files must be named '
                             '<test|hold>_<localization|damage>_<id>_target.png')
        tiles.add((match.group(1), match.group(3)))
    if not tiles:
        raise ValueError(f'{target_dir}: no *_target.png files')
    return sorted(tiles)


def tile_files(pred_dir: str, target_dir: str, split: str, tile_id: str) -> Dict[str, str]:
    """The four files of a tile: ``loc_pred``, ``dmg_pred``, ``loc_target``, ``dmg_target``."""
    return dict(
        loc_pred=osp.join(pred_dir, f'{split}_localization_{tile_id}_prediction.png'),
        dmg_pred=osp.join(pred_dir, f'{split}_damage_{tile_id}_prediction.png'),
        loc_target=osp.join(target_dir, f'{split}_localization_{tile_id}_target.png'),
        dmg_target=osp.join(target_dir, f'{split}_damage_{tile_id}_target.png'))


def score_folders(pred_dir: str,
                  target_dir: str,
                  size: Optional[Sequence[int]] = (1024, 1024),
                  presence_rule: bool = False) -> Dict[str, float]:
    """The xView2 metrics of a prediction folder against a target folder.

    Every tile with a target file needs all four files (its two targets and two predictions).
    Each file must be a uint8 single-channel PNG with values 0-4 of ``size`` (h, w).

    Args:
        pred_dir (str): Folder of ``*_prediction.png``.
        target_dir (str): Folder of ``*_target.png``.
        size (Sequence[int], optional): Expected (h, w) of every file; None accepts any size
            (the four files of a tile must still agree). Defaults to (1024, 1024).
        presence_rule (bool): See :func:`cmkd_mm.evaluation.functional.xview2.accumulate`.
            Defaults to False (the current reference scorer).

    Returns:
        dict[str, float]: :func:`xview2_scores` keys (the official keys first) and
        ``num_tiles``.

    Raises:
        FileNotFoundError: A missing folder or file (named in the message).
        ValueError: A file that is not a valid submission/target PNG (named in the message).
    """
    if not osp.isdir(pred_dir):
        raise FileNotFoundError(f'prediction folder {pred_dir} does not exist')
    counts = []
    for split, tile_id in find_tiles(target_dir):
        files = tile_files(pred_dir, target_dir, split, tile_id)
        for key, path in files.items():
            if not osp.isfile(path):
                what = 'prediction' if key.endswith('pred') else 'target'
                raise FileNotFoundError(f'{path}: missing {what} file of tile {tile_id}')
        maps = {key: read_xview2_png(path, size) for key, path in files.items()}
        shapes = {files[key]: m.shape for key, m in maps.items()}
        if len(set(shapes.values())) != 1:
            raise ValueError(f'tile {tile_id}: files of different sizes {shapes}')
        counts.append(
            tile_counts(maps['loc_pred'], maps['dmg_pred'], maps['loc_target'], maps['dmg_target']))
    scores = xview2_scores(accumulate(counts, presence_rule=presence_rule))
    scores['num_tiles'] = len(counts)
    return scores


def format_scores(scores: Dict[str, float]) -> str:
    """One ``key: value`` line per metric, the official keys first."""
    keys = [k for k in OFFICIAL_KEYS if k in scores] + [k for k in scores if k not in OFFICIAL_KEYS]
    return '\n'.join(
        f'{key}: {scores[key]}' if isinstance(scores[key], int) else f'{key}: {scores[key]:.6f}'
        for key in keys)


def write_scores(scores: Dict[str, float], out: str) -> None:
    """Write ``scores`` as JSON to ``out`` (its folder is created)."""
    folder = osp.dirname(osp.abspath(out))
    os.makedirs(folder, exist_ok=True)
    with open(out, 'w') as file:
        json.dump(scores, file, indent=2)
