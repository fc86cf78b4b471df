"""What each xView2 mask PNG was made from: the stamp ``<split>/masks/.xview2_masks.json``.

``tools/dataset_converters/xview2_masks.py`` (and the recipes' ``XView2Masks`` step) record,
next to the masks, the options they were written with and, per mask, the label JSON it was
rasterised from::

    {"options": {"unclassified": 1},
     "masks": {"<stem>.png": {"label": "<stem>.json", "size": 1234, "mtime_ns": ...,
                              "sha1": "..."}}}

A mask is stale when its label changed since: another size or another SHA-1 of its bytes (the
modification time only spares the hashing, so a copied dataset stays up to date). A mask the
stamp does not record (written by the original ``create_masks`` or by hand) is stale when it is
older than its label. ``XView2Dataset`` refuses stale masks; the converter rewrites them.
"""
import hashlib
import json
import os
import os.path as osp
from typing import Dict, List, Optional

STAMP_NAME = '.xview2_masks.json'
#: The fix named in every stale-mask message.
REBUILD = 'python tools/dataset_converters/xview2_masks.py'


def stamp_path(mask_dir: str) -> str:
    """The stamp file of a ``masks/`` folder."""
    return osp.join(mask_dir, STAMP_NAME)


def label_record(label_path: str) -> dict:
    """What a mask made now from ``label_path`` was made from: name, size, time and SHA-1."""
    with open(label_path, 'rb') as f:
        data = f.read()
    return dict(
        label=osp.basename(label_path),
        size=len(data),
        mtime_ns=os.stat(label_path).st_mtime_ns,
        sha1=hashlib.sha1(data).hexdigest())


def read_stamp(mask_dir: str) -> dict:
    """The stamp of ``mask_dir``: ``dict(options=dict or None, masks=dict)``.

    A missing stamp gives ``options=None`` and no records; a stamp of the earlier form (the
    options only) gives its options and no records.

    Raises:
        ValueError: The stamp is not such a JSON object (naming it and the fix).
    """
    path = stamp_path(mask_dir)
    if not osp.isfile(path):
        return dict(options=None, masks={})
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as error:
        data = error
    if not isinstance(data, dict) or not isinstance(data.get('masks', {}), dict):
        raise ValueError(f'{path}: not a mask stamp of xview2_masks.py (a JSON object with '
                         f'"options" and "masks"). Delete it and rerun {REBUILD} on the data '
                         f'root.')
    if 'masks' not in data:  # the earlier stamp: {"unclassified": ...}
        return dict(options=data, masks={})
    return dict(options=data.get('options'), masks=data['masks'])


def write_stamp(mask_dir: str, options: dict, masks: Dict[str, dict]) -> None:
    """Write the stamp of ``mask_dir`` (atomically: a stamp is never half written)."""
    path = stamp_path(mask_dir)
    os.makedirs(mask_dir, exist_ok=True)
    with open(path + '.tmp', 'w') as f:
        json.dump(dict(options=options, masks=masks), f, sort_keys=True)
    os.replace(path + '.tmp', path)


def record_is_current(record: Optional[dict], label_path: str) -> Optional[dict]:
    """The record, refreshed to the label's current time, when the label is what it records.

    Returns:
        dict | None: ``None`` when there is no record or the label changed since (another
        name, size or SHA-1); else the record with the label's current ``mtime_ns``.
    """
    if not isinstance(record, dict) or record.get('label') != osp.basename(label_path):
        return None
    stat = os.stat(label_path)
    if stat.st_size != record.get('size'):
        return None
    if stat.st_mtime_ns == record.get('mtime_ns'):
        return record
    current = label_record(label_path)
    return current if current['sha1'] == record.get('sha1') else None


def mask_staleness(mask_path: str, label_path: str, stamp: dict) -> Optional[str]:
    """Why the mask at ``mask_path`` does not show ``label_path`` (``None`` when it does).

    Args:
        mask_path (str): The mask PNG.
        label_path (str): The label JSON it should have been made from.
        stamp (dict): :func:`read_stamp` of the mask's folder.
    """
    record = stamp['masks'].get(osp.basename(mask_path))
    if record is not None:
        if record_is_current(record, label_path) is None:
            return (f'written from another version of {label_path} (the label changed after '
                    f'the mask was written)')
        return None
    if osp.getmtime(mask_path) < osp.getmtime(label_path):
        return (f'older than its label {label_path} (the label changed after the mask was '
                f'written; the stamp {stamp_path(osp.dirname(mask_path))} does not record it)')
    return None


def stale_masks(tiles: List[dict], data_root: str) -> List[dict]:
    """Every mask of ``tiles`` (``scan_xview2_split``'s) that does not show its label.

    Returns:
        list[dict]: ``dict(file=mask path, reason=...)`` per stale mask; ``reason`` starts with
        the mask's path and names the fix.
    """
    stamps, problems = {}, []
    for tile in tiles:
        for phase in ('pre', 'post'):
            mask, label = tile['mask_paths'][phase], tile['label_paths'][phase]
            if mask is None or label is None:
                continue
            folder = osp.dirname(mask)
            if folder not in stamps:
                stamps[folder] = read_stamp(folder)
            why = mask_staleness(mask, label, stamps[folder])
            if why is not None:
                problems.append(
                    dict(
                        file=mask,
                        reason=f'{mask}: stale mask, {why}. Rerun {REBUILD} {data_root or "."} '
                        f'--splits {tile["split"]} (or delete {folder} to rasterise the '
                        f'labels).'))
    return problems


class StaleMasksError(ValueError):
    """Masks that do not show their labels; ``problems`` lists each (``dict(file, reason)``),
    so ``tools/misc/check_dataset.py`` lists them one by one."""

    def __init__(self, message: str, problems: List[dict]) -> None:
        super().__init__(message)
        self.problems = list(problems)

    def __reduce__(self):
        return self.__class__, (str(self), self.problems)
