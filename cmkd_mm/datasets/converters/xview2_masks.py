"""Write the xView2 / xBD mask PNGs from the label JSONs, as the 1st-place xView2 code's
``create_masks`` does.

For every tile of each split, ``<split>/masks/<stem>.png`` is written next to ``images/`` and
``labels/``: the pre mask holds 255 on buildings and 0 elsewhere, the post mask the damage
class (0 background, 1 no-damage, 2 minor, 3 major, 4 destroyed; ``un-classified`` is 1, or
255 with ``unclassified='ignore'``). PNG compression 9, one channel, the image's size.
Unlabeled tiles (test) are skipped.
"""
import os
import os.path as osp
from multiprocessing import Pool
from typing import Dict, Sequence, Tuple, Union

import cv2
import numpy as np
from tqdm import tqdm

from ..transforms.loading import decode_image
from ..xview2 import PHASES, scan_xview2_split
from ..xview2_labels import check_unclassified, label_to_mask

Job = Tuple[str, str, str, str, Union[int, str]]


def _write_one(job: Job) -> str:
    phase, label, image, out, unclassified = job
    shape = decode_image(image).shape[:2]
    if phase == 'pre':
        mask = label_to_mask(label, shape, 'loc') * np.uint8(255)
    else:
        mask = label_to_mask(label, shape, 'damage', unclassified)
    os.makedirs(osp.dirname(out), exist_ok=True)
    if not cv2.imwrite(out, mask, [cv2.IMWRITE_PNG_COMPRESSION, 9]):
        raise OSError(f'{out}: could not write the mask; check the folder is writable')
    return phase


def write_xview2_masks(data_root: str,
                       splits: Sequence[str] = ('train', 'tier3', 'hold', 'test'),
                       unclassified: Union[int, str] = 1,
                       workers: int = 0,
                       progress: bool = True,
                       skip_existing: bool = False) -> Dict[str, Dict[str, int]]:
    """Write the masks of ``splits`` under ``data_root``.

    Args:
        data_root (str): Folder holding the split folders.
        splits (Sequence[str]): Split folders to convert.
        unclassified (int | str): Post value of ``un-classified`` buildings (1, or
            ``'ignore'`` for 255).
        workers (int): Worker processes (0: in this process).
        progress (bool): Show a tqdm progress bar.
        skip_existing (bool): Keep a mask that exists and is not older than its label JSON
            (only valid when it was written with the same ``unclassified``).

    Returns:
        dict: ``split -> dict(pre=masks written, post=masks written, unlabeled=files without
        a label, kept=masks kept by skip_existing)``.
    """
    unclassified = check_unclassified(unclassified)
    if isinstance(splits, str):
        splits = [splits]
    jobs, counts = [], {}
    for split in splits:
        counts[split] = dict(pre=0, post=0, unlabeled=0, kept=0)
        for tile in scan_xview2_split(data_root, split):
            for phase in PHASES:
                label = tile['label_paths'][phase]
                if label is None:
                    counts[split]['unlabeled'] += 1
                    continue
                stem = osp.splitext(osp.basename(label))[0]
                out = osp.join(data_root, split, 'masks', stem + '.png')
                if skip_existing and osp.isfile(out) and \
                        osp.getmtime(out) >= osp.getmtime(label):
                    counts[split]['kept'] += 1
                    continue
                jobs.append(
                    (split, (phase, label, tile['modality_paths'][phase], out, unclassified)))
    bar = tqdm(total=len(jobs), desc='xview2 masks', unit='mask', disable=not progress)
    if workers and workers > 0:
        with Pool(workers) as pool:
            for (split, _), phase in zip(jobs,
                                         pool.imap(_write_one, [j for _, j in jobs], chunksize=8)):
                counts[split][phase] += 1
                bar.update()
    else:
        for split, job in jobs:
            counts[split][_write_one(job)] += 1
            bar.update()
    bar.close()
    return counts
