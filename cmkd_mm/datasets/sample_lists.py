"""Text inputs (split files, label files, CSV lists): read once, every failure named.

:func:`read_text` is the one way a text input is read: a missing file, bytes that are not UTF-8
text and NUL characters are errors that name the file. :func:`require_samples` refuses a list
that names no sample.
"""
import os.path as osp
from typing import List, Sequence


def read_text(path: str, what: str = 'text file') -> str:
    """The content of a UTF-8 text file (a leading byte-order mark is dropped).

    Args:
        path (str): The file.
        what (str): What it is, for the messages (``'split file'``, ``'label file'``...).

    Returns:
        str: Its text.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: {what} not found')
    with open(path, 'rb') as f:
        data = f.read()
    try:
        text = data.decode('utf-8-sig')
    except UnicodeDecodeError as error:
        raise ValueError(f'{path}: not a UTF-8 {what} (byte {error.start} is '
                         f'{data[error.start:error.start + 1]!r}); is it the right file? Save it '
                         f'as UTF-8 text.') from None
    if '\x00' in text:
        line = text[:text.index('\x00')].count('\n') + 1
        raise ValueError(f'{path}:{line}: NUL character in a {what}; the file is binary or '
                         f'damaged. Use the right file or write it again.')
    return text


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


def read_name_list(path: str, suffix: str = '', allow_empty: bool = False) -> List[str]:
    """The sample names of a split file: one name per line, blank lines ignored.

    Args:
        path (str): The split file.
        suffix (str): Extension stripped from names that carry it (e.g. ``'.png'``).
        allow_empty (bool): Accept a file that lists no name (e.g. an empty subset of a
            split). Defaults to False.

    Returns:
        list[str]: The names, in file order.
    """
    names = []
    for line in read_text(path, 'split file').splitlines():
        name = line.strip()
        if suffix and name.endswith(suffix):
            name = name[:-len(suffix)]
        if name:
            names.append(name)
    if allow_empty:
        return names
    return list(require_samples(names, path, 'point ann_file at the split file you meant'))
