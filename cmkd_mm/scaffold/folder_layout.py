"""What a data folder holds: the folder of each modality, split sub-folders or split lists, the
image files and their file-name rule, and which split serves training, validation and test."""
import os
import os.path as osp
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

from ..datasets.modality_files import ModalityFiles
from .errors import ScaffoldError

#: Extensions read as images (cv2 decodes them).
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp', '.webp', '.pgm', '.ppm')
#: Folder or list names of the splits, and the split they stand for.
SPLIT_NAMES = {
    'train': 'train',
    'training': 'train',
    'trainval': 'trainval',
    'val': 'val',
    'valid': 'val',
    'validation': 'val',
    'test': 'test',
    'testing': 'test',
}
#: Where split lists (``train.txt``...) are looked for, relative to the data root.
LIST_FOLDERS = ('', 'ImageSets/Main', 'ImageSets/Segmentation', 'splits', 'meta')
#: Folder names often used for a modality: only to suggest --dirs in a message.
ALIASES = {
    'rgb': ('visible', 'vis', 'rgb', 'RGB', 'color', 'colour', 'Vis', 'images', 'img'),
    'ir': ('infrared', 'ir', 'IR', 'Ir', 'lwir', 'thermal'),
    'thermal': ('thermal', 'infrared', 'ir', 'lwir'),
    'depth': ('depth', 'Depth', 'disparity'),
    'sar': ('sar', 'SAR'),
    'eo': ('eo', 'EO'),
}


def subfolders(path: str) -> List[str]:
    """The sub-folder names of ``path``, sorted (hidden ones left out)."""
    return sorted(
        n for n in os.listdir(path) if not n.startswith('.') and osp.isdir(osp.join(path, n)))


def image_files(path: str) -> List[str]:
    """The image file names directly in ``path``, sorted."""
    return sorted(
        n for n in os.listdir(path)
        if osp.splitext(n)[1].lower() in IMAGE_SUFFIXES and osp.isfile(osp.join(path, n)))


def modality_folders(root: str, names: Sequence[str], dirs: Dict[str, str]) -> Dict[str, str]:
    """``modality -> folder`` (relative to ``root``): the ``--dirs`` entry, else the name.

    Raises:
        ScaffoldError: A folder does not exist (the message lists the folders of ``root`` and
            suggests ``--dirs``), or ``--dirs`` names a modality that is not used.
    """
    if not osp.isdir(root):
        raise ScaffoldError(f'{root}: no such folder (DATA_ROOT).')
    unused = [n for n in dirs if n not in names]
    if unused:
        raise ScaffoldError(f'--dirs names {unused}, which --teacher/--student do not use '
                            f'(they use {list(names)}).')
    folders = {n: dirs.get(n, n).strip('/') for n in names}
    missing = [n for n in names if not osp.isdir(osp.join(root, folders[n]))]
    if missing:
        present = subfolders(root)
        hint = []
        for name in names:
            guess = folders[name] if name not in missing else next(
                (a for a in ALIASES.get(name, ()) if a in present), None)
            hint.append(f'{name}={guess or "<folder>"}')
        raise ScaffoldError(
            f'unknown modality name(s) {missing}: no folder ' +
            ', '.join(osp.join(root, folders[n]) for n in missing) +
            f'. The folders of {root} are {present}. Name the folder of each modality: '
            f'--dirs {" ".join(hint)}')
    return folders


def split_subfolders(root: str, folders: Dict[str, str]) -> Dict[str, str]:
    """``split -> sub-folder name`` shared by every modality folder (``{}``: no split folders).

    A modality folder holding image files is one split-less folder; one holding only
    sub-folders named as splits (``train``, ``val``/``valid``, ``test``, ``trainval``) has split
    folders.

    Raises:
        ScaffoldError: A folder holds neither, or the modalities' split folders differ.
    """
    found = {}
    for name, folder in folders.items():
        path = osp.join(root, folder)
        if image_files(path):
            found[name] = {}
            continue
        subs = subfolders(path)
        splits = {SPLIT_NAMES[s.lower()]: s for s in subs if s.lower() in SPLIT_NAMES}
        if not splits:
            raise ScaffoldError(f'{path} (modality "{name}") holds no image file' + (
                f' and sub-folders {subs} that are not split names ({sorted(set(SPLIT_NAMES))})'
                if subs else '') + f'. Point --dirs {name}=<folder> at its image folder.')
        found[name] = splits
    shapes = {name: sorted(s) for name, s in found.items()}
    if len({tuple(s) for s in shapes.values()}) > 1:
        raise ScaffoldError('the modality folders are split differently: ' +
                            ', '.join(f'{osp.join(root, folders[n])}: {s or "no split folders"}'
                                      for n, s in shapes.items()) +
                            '. Give every modality the same split folders.')
    return next(iter(found.values()))


def file_rule(name: str,
              files: Sequence[str],
              where: str,
              suffix: Optional[str] = None,
              pattern: Optional[str] = None) -> Tuple[Optional[str], Optional[str]]:
    """``(suffix, pattern)`` of a modality's files: the ``--pattern``, else the ``--suffix``, else
    the one image extension its files have.

    Raises:
        ScaffoldError: No image file, several extensions and no flag, or no file follows the
            rule given by flag.
    """
    if not files:
        raise ScaffoldError(f'{where} (modality "{name}"): no image file '
                            f'({", ".join(IMAGE_SUFFIXES)}).')
    if pattern is not None:
        rule = ModalityFiles({name: ''}, pattern=pattern)
        if not any(rule.sample_id(name, f) for f in files):
            raise ScaffoldError(f'--pattern {name}={pattern}: no file of {where} follows it '
                                f'(e.g. {files[0]}).')
        return None, pattern
    suffixes = Counter(osp.splitext(f)[1] for f in files)
    if suffix is not None:
        if suffix not in suffixes:
            raise ScaffoldError(f'--suffix {name}={suffix}: no file of {where} ends so (found '
                                f'{dict(suffixes)}).')
        return suffix, None
    if len(suffixes) > 1:
        raise ScaffoldError(f'{where} (modality "{name}") holds files of several extensions '
                            f'{dict(suffixes)}. Say which are the modality\'s files: --suffix '
                            f'{name}={suffixes.most_common(1)[0][0]}')
    return next(iter(suffixes)), None


def check_pairs(files: ModalityFiles, sub: str = '', where: str = '') -> List[str]:
    """The sample ids found in every modality folder (``sub``: a class sub-folder of each).

    Raises:
        ScaffoldError: A file has no partner in another modality folder (both paths named).
    """
    ids, unpaired = files.pair(sub)
    if unpaired:
        have, lost = unpaired[0]
        raise ScaffoldError(
            f'{where or "the modality folders"}: {len(unpaired)} file(s) have no partner in '
            f'another modality; first: {have} (no {lost}). The files of a sample are paired by '
            'name: give the partners, remove the extra files, or give the name rule of each '
            'modality (--suffix NAME=.EXT, --pattern NAME=PREFIX{}SUFFIX).')
    return ids


def find_split_lists(root: str) -> Dict[str, str]:
    """``split -> list file`` (relative to ``root``) of the first folder of
    :data:`LIST_FOLDERS` holding ``train.txt``, ``val.txt``, ``test.txt`` (or their aliases)."""
    for folder in LIST_FOLDERS:
        path = osp.join(root, folder)
        if not osp.isdir(path):
            continue
        lists = {}
        for name in sorted(os.listdir(path)):
            stem, ext = osp.splitext(name)
            if ext == '.txt' and stem.lower() in SPLIT_NAMES and osp.isfile(osp.join(path, name)):
                lists.setdefault(SPLIT_NAMES[stem.lower()], osp.join(folder, name))
        if lists:
            return lists
    return {}


def assign_splits(found: Sequence[str],
                  val_split: Optional[str] = None,
                  what: str = '') -> Tuple[Dict[str, str], List[str]]:
    """Which found split serves ``train``, ``val`` and ``test``, and the notes saying so.

    ``trainval`` trains when there is no ``train``. Without ``val``, validation uses
    ``--val-split`` if given, else ``test`` (as mmdet's VOC configs validate on VOC2007 test);
    without ``test``, testing uses the validation split. Data without any split need
    ``--val-split train`` (validate and test on the training samples).

    Args:
        found (Sequence[str]): The splits the data has (``[]``: none, every sample is one set
            listed as ``'all'``).
        val_split (str, optional): The ``--val-split``.
        what (str): Where the splits were found (for the messages).

    Returns:
        tuple: ``{'train': split, 'val': split, 'test': split}`` and notes.
    """
    notes: List[str] = []
    found = list(found)
    if not found:
        if val_split not in (None, 'train'):
            raise ScaffoldError(f'--val-split {val_split}: the data has no splits; only '
                                '--val-split train applies.')
        if val_split is None:
            raise ScaffoldError(
                'no split found: no train/val/test sub-folder in the modality folders and no '
                f'split list ({", ".join(osp.join(f, "train.txt") for f in LIST_FOLDERS)}). '
                'Write split lists (one sample name per line, e.g. <DATA_ROOT>/train.txt and '
                'val.txt), or pass --val-split train to train, validate and test on every sample '
                '(a trial run only: the scores then say nothing about new data).')
        notes.append('no split in the data: train, val and test use every sample (--val-split '
                     'train)')
        return dict(train='all', val='all', test='all'), notes
    train = 'train' if 'train' in found else ('trainval' if 'trainval' in found else None)
    if train is None:
        raise ScaffoldError(f'no training split: found {found}{what}. Name the training samples '
                            'train (a train/ folder or a train.txt list).')
    if val_split is not None:
        if val_split not in found:
            raise ScaffoldError(f'--val-split {val_split}: the data has the splits {found}.')
        val = val_split
        if 'val' in found and val != 'val':
            notes.append(f'validation uses the {val} split (--val-split), not val')
    elif 'val' in found:
        val = 'val'
    elif 'test' in found:
        val = 'test'
        notes.append('no val split: validation uses the test split (as mmdet\'s VOC configs '
                     'validate on VOC2007 test); --val-split names another')
    else:
        raise ScaffoldError(f'no validation split: found {found}{what}. Add a val split (a val/ '
                            'folder or a val.txt list), or pass --val-split train to validate on '
                            'the training samples (a trial run only).')
    test = 'test' if 'test' in found else val
    if test != 'test':
        notes.append(f'no test split: testing uses the {val} split')
    return dict(train=train, val=val, test=test), notes
