"""Channel count and bit depth of a modality, read from its files, as a ``LoadModalities`` spec."""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..datasets.transforms.loading import decode_image
from .errors import ScaffoldError

#: Files decoded per modality (spread over its sorted file list).
SAMPLED_FILES = 8
_BITS = {np.dtype(np.uint8): 8, np.dtype(np.uint16): 16}


def spread(items: Sequence, count: int = SAMPLED_FILES) -> List:
    """Up to ``count`` items evenly spaced over ``items`` (first and last included)."""
    if len(items) <= count:
        return list(items)
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


@dataclass
class FileFormat:
    """What one decoded file is.

    Args:
        path (str): The file.
        channels (int): Channels as decoded (``decode_image``).
        bit_depth (int): 8 or 16.
        equal_channels (bool): A 3- or 4-channel file whose first three channels are equal
            (grey stored as colour).
        size (tuple[int, int]): ``(w, h)``.
    """
    path: str
    channels: int
    bit_depth: int
    equal_channels: bool
    size: Tuple[int, int]

    @property
    def kind(self) -> str:
        """``'grey'``, ``'grey stored as N equal channels'``, ``'colour'`` or ``'N channels'``."""
        if self.channels == 1:
            return 'grey'
        if self.equal_channels and self.channels == 3:
            return 'grey stored as 3 equal channels'
        if self.channels == 3:
            return 'colour'
        if self.channels == 4:
            return '4 channels (RGBA or colour + another channel)'
        return f'{self.channels} channels'


def read_file_format(path: str) -> FileFormat:
    """Decode ``path`` as ``LoadModalities`` does and describe it.

    Raises:
        ScaffoldError: The file is not an 8- or 16-bit image (or not readable).
    """
    try:
        img = decode_image(path)
    except (FileNotFoundError, ValueError) as error:
        raise ScaffoldError(str(error)) from None
    if img.dtype not in _BITS:
        raise ScaffoldError(f'{path}: {img.dtype} pixels; the modalities are read as 8- or 16-bit '
                            'images. Convert the files to 8- or 16-bit PNG (or TIFF).')
    equal = img.shape[2] >= 3 and bool((img[..., :3] == img[..., :1]).all())
    return FileFormat(path, int(img.shape[2]), _BITS[img.dtype], equal,
                      (int(img.shape[1]), int(img.shape[0])))


def _describe(formats: Sequence[FileFormat], key) -> str:
    groups: Dict[object, List[str]] = {}
    for fmt in formats:
        groups.setdefault(key(fmt), []).append(osp.basename(fmt.path))
    return '; '.join(f'{value}: {len(names)} file(s), e.g. {names[0]}'
                     for value, names in groups.items())


def _kind(fmt: FileFormat) -> str:
    return fmt.kind


def _depth(fmt: FileFormat) -> str:
    return f'{fmt.bit_depth}-bit'


def _channel_spec(name: str, formats: Sequence[FileFormat],
                  channels: Optional[int]) -> Tuple[dict, str, str]:
    """``(spec without bit depth, what the files are, how they are read)``."""
    counts = sorted({f.channels for f in formats})
    if len(counts) > 1:
        if counts != [1, 3] or channels not in (1, 3):
            raise ScaffoldError(
                f'modality "{name}": its files disagree ({_describe(formats, _kind)}). ' +
                (f'Say how to read them all: --channels {name}=1 (every file as one grey '
                 f'channel) or --channels {name}=3 (every file as grey repeated in 3 channels), '
                 'or convert the files to one format.' if counts ==
                 [1, 3] else 'Convert the files to one format.'))
        if channels == 1:
            return dict(to_gray=True, num_channels=1), 'grey and colour', 'read as 1 grey channel'
        return dict(to_gray=3, num_channels=3), 'grey and colour', 'read as grey in 3 channels'
    count = counts[0]
    if count == 1:
        if channels in (None, 1):
            return dict(num_channels=1), 'grey', 'read as 1 channel'
        if channels == 3:
            return dict(to_gray=3, num_channels=3), 'grey', 'read as grey repeated in 3 channels'
    elif count == 3 and all(f.equal_channels for f in formats):
        what = 'grey stored as 3 equal channels'
        if channels in (None, 1):
            return (dict(to_gray=True, num_channels=1), what,
                    f'read as 1 channel (to_gray; --channels {name}=3 keeps all 3, and a '
                    f'student of {name} alone then deploys without cmkd_mm)')
        if channels == 3:
            return dict(num_channels=3), what, 'read as 3 channels'
    elif count == 3:
        what = 'colour' + (' (some files grey)' if any(f.equal_channels for f in formats) else '')
        if channels in (None, 3):
            return dict(num_channels=3), what, 'read as 3 channels'
        if channels == 1:
            return dict(to_gray=True, num_channels=1), what, 'read as 1 grey channel (to_gray)'
    elif count == 4:
        what = '4 channels'
        if channels is None:
            raise ScaffoldError(
                f'modality "{name}": its files have 4 channels (RGBA, or colour and another '
                f'channel; e.g. {osp.basename(formats[0].path)}). Say which to read: --channels '
                f'{name}=3 (the first three) or --channels {name}=4 (all four).')
        if channels == 3:
            return dict(channels=[0, 1, 2], num_channels=3), what, 'read as its first 3 channels'
        if channels == 4:
            return dict(num_channels=4), what, 'read as 4 channels'
    elif channels in (None, count):
        return dict(num_channels=count), f'{count} channels', f'read as {count} channels'
    choices = {1: '1 or 3', 3: '1 or 3', 4: '3 or 4'}.get(count, str(count))
    raise ScaffoldError(f'--channels {name}={channels}: the files of "{name}" have {count} '
                        f'channel(s); give {choices}.')


def modality_spec(name: str,
                  formats: Sequence[FileFormat],
                  channels: Optional[int] = None,
                  bit_depth: Optional[int] = None) -> Tuple[dict, str]:
    """The ``LoadModalities`` spec of modality ``name`` from the formats of some of its files.

    Grey files are read as 1 channel, colour files as 3; a grey image stored with 3 equal
    channels (e.g. LLVIP's infrared JPEGs) is read as 1 channel (``to_gray=True``). ``channels``
    changes that: 1 reads colour as grey (``to_gray=True``), 3 repeats grey files 3 times
    (``to_gray=3``) or keeps grey-as-colour files as they are; files of 4 channels, and
    modalities mixing grey and colour files, need it. ``bit_depth`` declares the bits a 16-bit
    file uses (e.g. 10 or 12 for raw sensor data; default 16).

    Args:
        name (str): Modality name (for the messages).
        formats (Sequence[FileFormat]): Formats of some of its files.
        channels (int, optional): The ``--channels`` of this modality.
        bit_depth (int, optional): The ``--bit-depth`` of this modality.

    Returns:
        tuple: The spec (``num_channels``, ``bit_depth`` and how to get there), and a line
        saying what the files are and how they are read.

    Raises:
        ScaffoldError: The files disagree, or need a flag to be read.
    """
    depths = sorted({f.bit_depth for f in formats})
    if len(depths) > 1:
        raise ScaffoldError(
            f'modality "{name}": its files mix bit depths ({_describe(formats, _depth)}). One '
            'modality has one bit depth: convert the files to one of them.')
    depth = depths[0]
    if bit_depth is not None:
        allowed = [8] if depth == 8 else list(range(9, 17))
        if bit_depth not in allowed:
            raise ScaffoldError(f'--bit-depth {name}={bit_depth}: the files of "{name}" are '
                                f'{depth}-bit; give one of {allowed}.')
    spec, what, how = _channel_spec(name, formats, channels)
    spec['bit_depth'] = bit_depth or depth
    stored = f'{depth}-bit' + (f' holding {bit_depth}-bit values'
                               if bit_depth and bit_depth != depth else '')
    return spec, f'{stored} {what}, {how}'
