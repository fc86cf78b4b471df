"""Paired image chips of several modalities in class folders (or a flat folder), any classes."""
import logging
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.logging import print_log
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from .modality_files import ModalityFiles, NameRule, missing_partner_error
from .sample_lists import read_text, require_samples

# One file of one modality: (class folder or None for a flat folder, sample id, path).
Entry = Tuple[Optional[str], str, str]
_LABEL = re.compile(r'^(.*\S)\s+(-?\d+)$')


@DATASETS.register_module()
class PairedImageFolder(BaseDataset):
    """Image chips of several modalities, paired by sample id, in class folders of any names.

    The multi-modal counterpart of mmpretrain's ``CustomDataset`` (its "sub-folders are the
    classes" layout): each sample is one file per modality, found with
    :class:`~cmkd_mm.datasets.modality_files.ModalityFiles` (a folder and a file-name rule per
    modality; the rule reads the sample id back from a file name). Two layouts::

        # one tree per modality: modality_dirs=dict(sar='sar', eo='eo'), the same file name in
        # both trees is a pair (a suffix or pattern per modality if the names differ)
        data_root/sar/boat/0001.png      data_root/eo/boat/0001.png
        data_root/sar/truck/0002.png     data_root/eo/truck/0002.png

        # one tree, a name pattern per modality: modality_dirs=dict(sar='', eo=''),
        # pattern=dict(sar='SAR_{}.png', eo='EO_{}.png'); SAR_<id> and EO_<id> are a pair
        data_root/boat/SAR_0001.png      data_root/boat/EO_0001.png
        data_root/truck/SAR_0002.png     data_root/truck/EO_0002.png

    A modality folder holding sub-folders is a class tree: every sub-folder is a class and
    only the files directly inside it are read (files beside the class folders and deeper
    folders are not). A modality folder without sub-folders is a flat folder of unlabeled chips
    (a test or deployment set: ``data_root/sar/0001.png`` + ``data_root/eo/0001.png``). The real
    layouts this serves include the MAVOC trees (``SAR_Train/<class>/<id>.png`` +
    ``EO_Train/<class>/<id>.png``; ``train_images/<class>/SAR_<id>.png`` + ``EO_<id>.png``), read
    by the :class:`~cmkd_mm.datasets.MAVOCDataset` preset.

    Classes:

    - default: the class folder names, sorted (as ``CustomDataset``); label = index;
    - ``metainfo=dict(classes=(...))``: fixes the names and their order; each class folder must
      be named as a class (a folder outside the classes is an error naming it and the classes).
      A class without a folder (or with an empty one) is allowed and simply has no sample; with
      ``class_weight='auto'`` (``ClassWeightsFromDataHook``) training then stops with "the
      training set has no sample of class(es) [...]": give ``class_weight`` explicitly or leave
      the class out;
    - ``class_folders``: folder names that differ from the class names (e.g. folders ``0``-``9``).

    Samples come in class-folder order (sorted folder names, as ``CustomDataset``), then in
    name order of the first modality's files. Every modality's class folders must be the same
    set (a folder in one tree only is an error naming it), and each sample's files must lie in
    the same class folder.

    With ``ann_file``, a list in ``CustomDataset``'s text format names the samples instead of
    the folders: one ``<file> <label>`` line per sample (``<file>`` alone for unlabeled lists),
    ``<file>`` relative to the first modality's folder (``boat/0001.png``, ``SAR_0001.png``),
    ``<label>`` the class index. The partner files are the same id under the same sub-folder of
    the other modality folders.

    Each data info holds ``img_path`` (the first modality's file), ``modality_paths``
    (``{modality: path}``, in ``modality_dirs`` order), ``image_id`` (the sample id read from the
    file name: ``0001`` of ``SAR_0001.png``; unique within its class folder, as file names are)
    and ``gt_label`` (int; left out for unlabeled samples). Images are decoded later by
    ``LoadModalities``.

    Bad input raises an error when the dataset is built: a file without its partner (naming both
    paths; with ``on_missing='skip'`` such samples are left out with a warning giving their
    count), class folders that differ between the modalities, a pair split over two class
    folders, a class folder outside the configured classes, a tree or list without samples.

    Args:
        modality_dirs (dict): ``modality name -> folder`` relative to ``data_root`` (``''``: the
            ``data_root`` itself), e.g. ``dict(sar='sar', eo='eo')``. The first modality gives
            ``img_path``.
        suffix (str | dict): File extension of each modality's files (``<id><suffix>``), one for
            all or ``modality -> suffix``. Defaults to ``'.png'``.
        pattern (str | dict, optional): File name with one ``{}`` for the id, one for all or
            ``modality -> pattern`` (e.g. ``dict(sar='SAR_{}.png', eo='EO_{}.png')``); overrides
            ``suffix`` for the modalities it names.
        ann_file (str): Optional sample list (``<file> [<label>]`` lines), relative to
            ``data_root``. Default ``''``: read the folders.
        class_folders (Sequence[str] | dict, optional): The folder of each class, in the order
            of the classes (names default to the folder names), or ``folder -> class index``.
            Default: folders are named as the classes.
        on_missing (str): ``'error'`` (default) or ``'skip'`` samples lacking a modality file.
        metainfo (dict, optional): ``classes`` (and other meta information).
        data_root (str): The folder ``modality_dirs`` and ``ann_file`` are relative to.
        lazy_init (bool): Build the sample list only on first use. Defaults to False.
        **kwargs: Other ``mmpretrain.datasets.BaseDataset`` arguments (``pipeline``,
            ``test_mode``, ``indices``, ``classes``...).
    """

    METAINFO: dict = dict()

    def __init__(self,
                 modality_dirs: Dict[str, str],
                 suffix: NameRule = '.png',
                 pattern: Optional[NameRule] = None,
                 ann_file: str = '',
                 class_folders: Optional[Union[Sequence[str], Dict[str, int]]] = None,
                 on_missing: str = 'error',
                 metainfo: Optional[dict] = None,
                 data_root: str = '',
                 lazy_init: bool = False,
                 **kwargs) -> None:
        if on_missing not in ('error', 'skip'):
            raise ValueError(f'on_missing must be "error" or "skip", got {on_missing!r}')
        self.files = ModalityFiles(modality_dirs, root=data_root, suffix=suffix, pattern=pattern)
        self.modality_dirs = dict(modality_dirs)
        self.modalities = tuple(self.modality_dirs)
        self.on_missing = on_missing
        self.class_folders = class_folders
        super().__init__(
            ann_file=ann_file, metainfo=metainfo, data_root=data_root, lazy_init=True, **kwargs)
        if not lazy_init:
            self.full_init()

    def extra_repr(self) -> List[str]:
        return [
            f'Modality folders: \t{self.modality_dirs}', f'File names: \t{self.files.patterns}',
            f'Annotation file: \t{self.ann_file or None}'
        ]

    # ----------------------------------------------------------------------------- classes
    def fixed_folder_labels(self) -> Optional[Dict[str, int]]:
        """``class folder -> label`` set by ``class_folders`` or the configured classes, or None
        when the classes are read from the folders."""
        classes = self._metainfo.get('classes')
        if isinstance(self.class_folders, dict):
            return dict(self.class_folders)
        if self.class_folders is not None:
            folders = list(self.class_folders)
            if classes is None:
                self._metainfo['classes'] = tuple(folders)
            elif len(classes) != len(folders):
                raise ValueError(f'class_folders names {len(folders)} folders {folders} for '
                                 f'{len(classes)} classes {list(classes)}: give one folder per '
                                 f'class, in the order of the classes.')
            return {f: i for i, f in enumerate(folders)}
        if classes is not None:
            return {c: i for i, c in enumerate(classes)}
        return None

    # ----------------------------------------------------------------------------- scanning
    def file_id(self, modality: str, path: str) -> Optional[str]:
        """The sample id of a path listed in ``modality``'s folder, or None when it is not one of
        its files (not a file, or a name outside the modality's name rule)."""
        if not osp.isfile(path):
            return None
        return self.files.sample_id(modality, osp.basename(path))

    def missing_folder_error(self, modality: str, folder: str) -> Exception:
        """The error for a modality folder that does not exist."""
        return FileNotFoundError(f'{folder}: folder of modality "{modality}" not found. Check '
                                 f'data_root and modality_dirs ({self.modality_dirs}).')

    def unknown_folder_error(self, folder: str, name: str, known: Sequence[str]) -> Exception:
        """The error for a class folder ``name`` in ``folder`` that is not a configured class."""
        return ValueError(f'{osp.join(folder, name)}: class folder {name!r} is not one of the '
                          f'classes {list(known)}. Rename or move it out of {folder}, or add it '
                          f'to metainfo classes (or class_folders).')

    def scan_tree(self,
                  modality: str,
                  known: Optional[Sequence[str]] = None) -> Tuple[Optional[List[str]], List[Entry]]:
        """List ``modality``'s folder: a class tree or a flat folder of chips.

        Args:
            modality (str): The modality.
            known (Sequence[str], optional): The class folders allowed; any other is an error.

        Returns:
            tuple: The class folder names (sorted; None for a flat folder) and the files
            ``(class folder or None, sample id, path)``, in folder then name order.
        """
        folder = self.files.folder(modality)
        if not osp.isdir(folder):
            raise self.missing_folder_error(modality, folder)
        subdirs = [e for e in sorted(os.listdir(folder)) if osp.isdir(osp.join(folder, e))]
        if known is not None:
            unknown = [d for d in subdirs if d not in known]
            if unknown:
                raise self.unknown_folder_error(folder, unknown[0], known)
        entries: List[Entry] = []
        for sub in subdirs or ['']:
            for sample_id, path in self.files.list_files(
                    modality, sub, read_id=lambda p: self.file_id(modality, p)):
                entries.append((sub or None, sample_id, path))
        return (subdirs or None), entries

    @staticmethod
    def check_unique(modality: str, entries: Sequence[Entry], key=lambda e: (e[0], e[1])) -> None:
        """Raise when two files of ``modality`` give the same sample (same ``key``)."""
        seen: Dict[object, str] = {}
        for entry in entries:
            first = seen.setdefault(key(entry), entry[2])
            if first != entry[2]:
                raise ValueError(f'{entry[2]}: image id {entry[1]} of modality "{modality}" also '
                                 f'belongs to {first}. Remove one of the two.')

    def pair_files(self, found: Dict[str, List[Entry]]) -> Tuple[list, list, list]:
        """Pair the files of every modality by class folder and sample id.

        Args:
            found (dict): ``modality -> entries`` as :meth:`scan_tree` lists them.

        Returns:
            tuple: ``complete`` (``(folder, id, {modality: path})`` of the samples found in
            every modality, in the first modality's order), ``split`` (``(id, {modality:
            path})`` of samples whose files lie in different class folders) and ``unpaired``
            (``(folder, id, {modality: path})`` of the files that lack a partner).
        """
        keyed = {m: {(f, i): p for f, i, p in found[m]} for m in self.modalities}
        keys = list(dict.fromkeys(k for m in self.modalities for k in keyed[m]))
        complete, unpaired = [], []
        for folder, sample_id in keys:
            have = {
                m: keyed[m][folder, sample_id]
                for m in self.modalities if (folder, sample_id) in keyed[m]
            }
            target = complete if len(have) == len(self.modalities) else unpaired
            target.append((folder, sample_id, have))
        by_id: Dict[str, list] = {}
        for entry in unpaired:
            by_id.setdefault(entry[1], []).append(entry)
        split, missing = [], []
        for sample_id, entries in by_id.items():
            if len(entries) > 1 and len({m for e in entries for m in e[2]}) == len(self.modalities):
                paths = {m: next(e[2][m] for e in entries if m in e[2]) for m in self.modalities}
                split.append((sample_id, paths))
            else:
                missing.extend(entries)
        return complete, split, missing

    # ----------------------------------------------------------------------------- loading
    def load_data_list(self) -> List[dict]:
        if self.ann_file:
            samples = self._samples_from_list()
        else:
            samples = self._samples_from_folders()
        data_list = []
        for sample_id, paths, label in samples:
            info = dict(
                img_path=paths[self.modalities[0]], modality_paths=paths, image_id=sample_id)
            if label is not None:
                info['gt_label'] = label
            data_list.append(info)
        return data_list

    def _check_name_rules(self) -> None:
        seen: Dict[Tuple[str, str], str] = {}
        for m in self.modalities:
            other = seen.setdefault((osp.normpath(self.files.folder(m)), self.files.patterns[m]), m)
            if other != m:
                raise ValueError(f'modalities "{other}" and "{m}" read the same files (folder '
                                 f'{self.files.folder(m)}, name {self.files.patterns[m]!r}); give '
                                 f'each its own folder or name pattern, e.g. '
                                 f"pattern=dict({other}='{other.upper()}_{{}}.png', "
                                 f"{m}='{m.upper()}_{{}}.png')")

    def _check_same_folders(self, trees: Dict[str, Optional[List[str]]]) -> None:
        first = self.modalities[0]
        for m in self.modalities[1:]:
            if trees[m] == trees[first]:
                continue
            if trees[m] is None or trees[first] is None:
                tree, flat = (first, m) if trees[m] is None else (m, first)
                raise ValueError(f'{self.files.folder(tree)} (modality "{tree}") holds class '
                                 f'folders but {self.files.folder(flat)} (modality "{flat}") holds '
                                 f'none: give every modality the same class folders, or none.')
            only = sorted(set(trees[first]) ^ set(trees[m]))[0]
            has, lacks = (first, m) if only in trees[first] else (m, first)
            raise ValueError(f'{osp.join(self.files.folder(has), only)}: class folder {only!r} of '
                             f'modality "{has}" has no counterpart '
                             f'{osp.join(self.files.folder(lacks), only)} in modality "{lacks}". '
                             f'Every modality needs the same class folders: add or remove it.')

    def _report_missing(self, problems: List[Tuple[str, str]], source: str) -> None:
        if not problems:
            return
        if self.on_missing == 'skip':
            missing, partner = problems[0]
            partner = f'its partner {partner} exists' if partner else 'no file of it exists'
            print_log(
                f'{type(self).__name__}: skipped {len(problems)} sample(s) that lack a modality '
                f'file of {list(self.modalities)}; first: {missing} is missing ({partner})',
                logger='current',
                level=logging.WARNING)
            return
        raise missing_partner_error(
            problems, source, 'Every sample needs a file of each modality: restore the partners, '
            'pass on_missing="skip" to leave such samples out, or check suffix/pattern.')

    def _samples_from_folders(self) -> List[Tuple[str, Dict[str, str], Optional[int]]]:
        self._check_name_rules()
        labels = self.fixed_folder_labels()
        trees, found = {}, {}
        for m in self.modalities:
            trees[m], found[m] = self.scan_tree(m, None if labels is None else list(labels))
            self.check_unique(m, found[m])
        self._check_same_folders(trees)
        tree = trees[self.modalities[0]]
        if labels is None and tree is not None:
            labels = {f: i for i, f in enumerate(tree)}
            self._metainfo['classes'] = tuple(tree)
        complete, split, unpaired = self.pair_files(found)
        if split:
            sample_id, paths = split[0]
            raise ValueError(f'{list(paths.values())}: the files of sample {sample_id} lie in '
                             f'different class folders. Move them into one.')
        folders = [self.files.folder(m) for m in dict.fromkeys(self.modalities)]
        source = ', '.join(dict.fromkeys(folders))
        problems = []
        for folder, sample_id, have in unpaired:
            lost = next(m for m in self.modalities if m not in have)
            problems.append((self.files.paths(sample_id, folder
                                              or '')[lost], next(iter(have.values()))))
        self._report_missing(problems, source)
        samples = [(sample_id, paths, None if folder is None else labels[folder])
                   for folder, sample_id, paths in complete]
        return list(
            require_samples(
                samples, source, f'check data_root, modality_dirs and the file names '
                f'({self.files.patterns})'))

    def _samples_from_list(self) -> List[Tuple[str, Dict[str, str], Optional[int]]]:
        first = self.modalities[0]
        classes = self._metainfo.get('classes')
        rows, seen = [], {}
        for number, line in enumerate(read_text(self.ann_file, 'sample list').splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            where = f'{self.ann_file}:{number}'
            match = _LABEL.match(line)
            name, label = (match.group(1), int(match.group(2))) if match else (line, None)
            if rows and (label is None) != (rows[0][2] is None):
                raise ValueError(f'{where}: {line!r} {"lacks" if label is None else "has"} a '
                                 f'label, unlike line {rows[0][3]}; label every line or none.')
            if label is not None and (label < 0 or (classes and label >= len(classes))):
                raise ValueError(f'{where}: label {label} is not a class index 0-'
                                 f'{len(classes) - 1 if classes else "N"} of {classes}. Fix '
                                 f'the line.')
            sample_id = self.files.sample_id(first, osp.basename(name))
            if sample_id is None:
                raise ValueError(f'{where}: {name!r} does not follow the file names of modality '
                                 f'"{first}" ({self.files.patterns[first]!r}). Fix the line or '
                                 f'the suffix/pattern.')
            if name in seen:
                raise ValueError(f'{where}: {name} is already listed on line {seen[name]}. '
                                 f'Remove one of the two.')
            seen[name] = number
            rows.append((sample_id, self.files.paths(sample_id, osp.dirname(name)), label, number))
        rows = list(require_samples(rows, self.ann_file, 'point ann_file at the list you meant'))
        problems = self.files.missing(r[1] for r in rows)
        self._report_missing(problems, self.ann_file)
        absent = {p for p, _ in problems}
        return [(i, paths, label) for i, paths, label, _ in rows
                if not absent.intersection(paths.values())]
