"""Write the xView2 / xBD mask PNGs from the label JSONs, as the 1st-place xView2 code's
``create_masks`` does.

For every tile of each split, ``<split>/masks/<stem>.png`` is written next to ``images/`` and
``labels/``: the pre mask holds 255 on buildings and 0 elsewhere, the post mask the damage
class (0 background, 1 no-damage, 2 minor, 3 major, 4 destroyed; ``un-classified`` is 1, or
255 with ``unclassified='ignore'``). PNG compression 9, one channel, the image's size.
Unlabeled tiles (test) are skipped. ``masks/.xview2_masks.json`` records what each mask was
made from.
"""
import os
import os.path as osp
from multiprocessing import Pool
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from tqdm import tqdm

from ..transforms.loading import decode_image
from ..xview2 import PHASES, scan_xview2_split
from ..xview2_labels import check_unclassified, label_to_mask
from ..xview2_mask_stamp import label_record, read_stamp, record_is_current, write_stamp

Job = Tuple[str, str, str, str, Union[int, str]]
#: Label problems quoted in the converter's error (all are counted).
SHOWN = 10


def _write_one(job: Job) -> Tuple[str, Optional[dict], Optional[str]]:
    """``(phase, record of the label, None)``, or ``(phase, None, problem)`` for a label or
    image that cannot be converted."""
    phase, label, image, out, unclassified = job
    try:
        record = label_record(label)
        shape = decode_image(image).shape[:2]
        if phase == 'pre':
            mask = label_to_mask(label, shape, 'loc') * np.uint8(255)
        else:
            mask = label_to_mask(label, shape, 'damage', unclassified)
    except ValueError as error:
        return phase, None, str(error)
    os.makedirs(osp.dirname(out), exist_ok=True)
    if not cv2.imwrite(out, mask, [cv2.IMWRITE_PNG_COMPRESSION, 9]):
        raise OSError(f'{out}: could not write the mask; check the folder is writable')
    return phase, record, None


def write_xview2_masks(data_root: str,
                       splits: Sequence[str] = ('train', 'tier3', 'hold', 'test'),
                       unclassified: Union[int, str] = 1,
                       workers: int = 0,
                       progress: bool = True,
                       skip_existing: bool = False) -> Dict[str, Dict[str, int]]:
    """Write the masks of ``splits`` under ``data_root`` and the stamp of each ``masks/``.

    The stamp (``masks/.xview2_masks.json``, :mod:`..xview2_mask_stamp`) records the options
    and, per mask, the label it was made from, so ``XView2Dataset`` refuses a mask whose label
    changed since. A label that cannot be converted (what ``label_to_mask`` refuses) does not
    stop the others: every mask that can be written is, then the error lists the problems.

    Args:
        data_root (str): Folder holding the split folders.
        splits (Sequence[str]): Split folders to convert.
        unclassified (int | str): Post value of ``un-classified`` buildings (1, or
            ``'ignore'`` for 255).
        workers (int): Worker processes (0: in this process).
        progress (bool): Show a tqdm progress bar.
        skip_existing (bool): Keep a mask the stamp records as written with the same options
            from its label as it is now (same size and SHA-1); rewrite the others.

    Returns:
        dict: ``split -> dict(pre=masks written, post=masks written, unlabeled=files without
        a label, kept=masks kept by skip_existing)``.

    Raises:
        ValueError: Labels (or images) that could not be converted; the message gives how
            many and quotes the first ones, each naming its file and the fix.
    """
    unclassified = check_unclassified(unclassified)
    options = dict(unclassified=unclassified)
    if isinstance(splits, str):
        splits = [splits]
    jobs, counts, records = [], {}, {}
    for split in splits:
        counts[split] = dict(pre=0, post=0, unlabeled=0, kept=0)
        mask_dir = osp.join(data_root, split, 'masks')
        tiles = scan_xview2_split(data_root, split)
        stamp = read_stamp(mask_dir)
        same = stamp['options'] == options
        records[split] = dict(stamp['masks']) if same else {}
        for tile in tiles:
            for phase in PHASES:
                label = tile['label_paths'][phase]
                if label is None:
                    counts[split]['unlabeled'] += 1
                    continue
                name = osp.splitext(osp.basename(label))[0] + '.png'
                out = osp.join(mask_dir, name)
                if skip_existing and same and osp.isfile(out):
                    current = record_is_current(records[split].get(name), label)
                    if current is not None:
                        records[split][name] = current
                        counts[split]['kept'] += 1
                        continue
                jobs.append(
                    (split, name, (phase, label, tile['modality_paths'][phase], out, unclassified)))
    problems: List[str] = []
    bar = tqdm(total=len(jobs), desc='xview2 masks', unit='mask', disable=not progress)
    try:
        if workers and workers > 0:
            with Pool(workers) as pool:
                results = pool.imap(_write_one, [j for _, _, j in jobs], chunksize=8)
                for (split, name, _), result in zip(jobs, results):
                    _count(result, split, name, counts, records, problems)
                    bar.update()
        else:
            for split, name, job in jobs:
                _count(_write_one(job), split, name, counts, records, problems)
                bar.update()
    finally:
        bar.close()
        for split in splits:
            _save_stamp(osp.join(data_root, split, 'masks'), options, records[split])
    if problems:
        shown = '\n'.join(problems[:SHOWN])
        more = f'\n... and {len(problems) - SHOWN} more' if len(problems) > SHOWN else ''
        raise ValueError(f'{len(problems)} label file(s) under {data_root} could not be '
                         f'converted (the other masks are written); fix them and run again:\n'
                         f'{shown}{more}')
    return counts


def _count(result: tuple, split: str, name: str, counts: dict, records: dict,
           problems: List[str]) -> None:
    phase, record, problem = result
    if problem is not None:
        problems.append(problem)
        return
    counts[split][phase] += 1
    records[split][name] = record


def _save_stamp(mask_dir: str, options: dict, records: Dict[str, dict]) -> None:
    """Write the stamp of the masks that exist (nothing for a split without masks)."""
    if not osp.isdir(mask_dir):
        return
    existing = {k: v for k, v in records.items() if osp.isfile(osp.join(mask_dir, k))}
    write_stamp(mask_dir, options, existing)
