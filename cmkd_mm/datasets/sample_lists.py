"""Lists of samples (split files, annotation files): read once, refuse an empty list by name."""
import os.path as osp
from typing import List, Sequence

import mmengine


def require_samples(samples: Sequence, source: str, hint: str) -> Sequence:
    """Return ``samples``, or raise naming ``source`` when it lists none.

    An empty list would otherwise reach mmengine's sampler or concatenation and end in an
    error that names neither the file nor the fix.

    Args:
        samples (Sequence): What the file listed.
        source (str): The file (or folder) it came from.
        hint (str): What to check, e.g. ``'point ann_file at the split you meant'``.
    """
    if len(samples) == 0:
        raise ValueError(f'{source}: lists no sample (empty). Fill it, or {hint}.')
    return samples


def read_name_list(path: str, suffix: str = '') -> List[str]:
    """The sample names of a split file: one name per line, blank lines ignored.

    Args:
        path (str): The split file.
        suffix (str): Extension stripped from names that carry it (e.g. ``'.png'``).

    Returns:
        list[str]: The names, in file order; never empty.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: split file not found')
    names = []
    for line in mmengine.list_from_file(path):
        name = line.strip()
        if suffix and name.endswith(suffix):
            name = name[:-len(suffix)]
        if name:
            names.append(name)
    return list(require_samples(names, path, 'point ann_file at the split file you meant'))
