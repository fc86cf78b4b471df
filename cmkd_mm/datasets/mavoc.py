"""MAVOC: paired SAR/EO aerial vehicle chips (NTIRE 2021/PBVS 2022 and PBVS 2024 layouts)."""
import csv
import io
import logging
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.logging import print_log
from mmpretrain.registry import DATASETS

from .paired_image_folder import PairedImageFolder
from .sample_lists import read_text, require_samples

# Official class ids 0-9 (names as in the challenge descriptions).
MAVOC_CLASSES = {
    '2021': ('sedan', 'SUV', 'pickup truck', 'van', 'box truck', 'motorcycle', 'flatbed truck',
             'bus', 'pickup truck w/ trailer', 'flatbed truck w/ trailer'),
    '2024': ('sedan', 'SUV', 'pickup truck', 'van', 'box truck', 'motorcycle', 'flatbed truck',
             'bus', 'pickup truck w/ trailer', 'semi truck w/ trailer'),
}
# Class folder names of each layout, in official id order (2024: not alphabetical).
MAVOC_CLASS_FOLDERS = {
    '2021':
    tuple(str(i) for i in range(10)),
    '2024': ('sedan', 'SUV', 'pickup_truck', 'van', 'box_truck', 'motorcycle', 'flatbed_truck',
             'bus', 'pickup_truck_w_trailer', 'semi_w_trailer'),
}
# Folders (relative to ``data_root``) of each split, per modality.
MAVOC_SPLIT_DIRS = {
    '2021':
    dict(
        train=dict(sar='train_images', eo='train_images'),
        valid=dict(sar='valid_images/valid_sar', eo='valid_images/valid_eo'),
        test=dict(sar='test_images/test_sar', eo='test_images/test_eo')),
    '2024':
    dict(train=dict(sar='SAR_Train', eo='EO_Train'), valid=dict(sar='val'), test=dict(sar='test')),
}
# 2021 file names: ``SAR_<id>.png`` / ``EO_<id>.png``.
FILE_PREFIX = dict(sar='SAR_', eo='EO_')
_ID_RE = re.compile(r'^(?:SAR_|EO_|Gotcha)?(.+?)(?:\.png)?$', re.IGNORECASE)
# CSV columns read, in order of preference.
ID_COLUMNS = ('img_name', 'image_id')
LABEL_COLUMNS = ('class_id', 'class')
OOD_COLUMNS = ('OOD_flag', 'ood')


def parse_image_id(name: str) -> str:
    """The image id of a chip file name or CSV entry.

    Args:
        name (str): ``SAR_17.png``, ``EO_17.png``, ``Gotcha17.png``, ``17.png`` or ``17``.

    Returns:
        str: The id as written (``'17'``); names without a known prefix give their stem.
    """
    return _ID_RE.match(osp.basename(str(name).strip())).group(1)


def numeric_image_id(name: str) -> int:
    """The number an image id ends with: ``'Gotcha123.png'``, ``'EO_0123.png'``, ``'123'`` -> 123.

    The id is read by :func:`parse_image_id` (the one parser of chip names); its trailing digits
    are the number (NJUST-KMG's ``int(name[6:])`` for ``Gotcha<id>.png``).

    Args:
        name (str): File name, path or id.

    Returns:
        int: The trailing number of the id.
    """
    match = re.search(r'(\d+)$', parse_image_id(name))
    if match is None:
        raise ValueError(f'no number at the end of the image id of {name!r}')
    return int(match.group(1))


def _norm_name(name: str) -> str:
    return re.sub(r'[\s_]+', '_', name.strip().lower().replace(' w/ ', ' w ').replace('/', ''))


def _sort_key(image_id: str) -> Tuple:
    return (0, int(image_id), '') if image_id.isdigit() else (1, 0, image_id)


@DATASETS.register_module()
class MAVOCDataset(PairedImageFolder):
    """Multi-modal Aerial View Object Classification chips (UNICORN data, 10 vehicle classes).

    Layout ``'2021'`` (NTIRE 2021, PBVS 2022/2023)::

        data_root/train_images/<class id 0-9>/SAR_<id>.png   # both modalities side by side,
        data_root/train_images/<class id 0-9>/EO_<id>.png    # the integer <id> pairs them
        data_root/valid_images/valid_sar/SAR_<id>.png        # valid/test: unlabeled unless a
        data_root/valid_images/valid_eo/EO_<id>.png          # ``label_file`` is given
        data_root/test_images/test_sar/SAR_<id>.png
        data_root/test_images/test_eo/EO_<id>.png

    The paired CSV lists of the NTIRE 2021 KD code (``kd_train_EO.csv``: ``img_name,class_id``
    with rows ``EO_<id>.png,<class>``; ``kd_train_SAR.csv`` the same with ``SAR_<id>.png``) are
    read with ``ann_file`` plus ``modality_dirs=dict(sar='kd_train_SAR', eo='kd_train_EO')``: each
    row gives the id, and the files are ``<dir>/SAR_<id>.png`` and ``<dir>/EO_<id>.png``.

    Layout ``'2024'`` (PBVS 2024/2025; class 9 is "semi truck w/ trailer")::

        data_root/SAR_Train/<class name>/<file>.png   # the same file name in both trees is a pair
        data_root/EO_Train/<class name>/<file>.png
        data_root/val/<image_id>.png                  # SAR only
        data_root/validation_reference.csv            # image_id, class (name), OOD_flag, ...
        data_root/test/Gotcha<id>.png                 # SAR only, unlabeled

    Class folders map to the official ids, not to alphabetical order: sedan 0, SUV 1,
    pickup_truck 2, van 3, box_truck 4, motorcycle 5, flatbed_truck 6, bus 7,
    pickup_truck_w_trailer 8, semi_w_trailer 9. The ``valid`` split reads
    ``validation_reference.csv`` when it exists.

    A folder that holds sub-folders is read as a class tree (every sub-folder must be a class
    folder of the layout); a folder of chips is read flat (unlabeled unless ``label_file``
    labels it). Chips pair on their image id (``SAR_<id>`` / ``EO_<id>``; in the 2024 trees the
    file name), and both chips of a pair must lie in the same class folder.

    This is a preset of :class:`~cmkd_mm.datasets.PairedImageFolder`, which lists the folders
    (class tree or flat folder, the official class folder -> id map as fixed ``class_folders``)
    and pairs the chips; the MAVOC specifics stay here: the file names (2021: an integer id only;
    2024: any ``.png`` name, ``SAR_``/``EO_``/``Gotcha`` prefixes dropped), image ids unique over
    a tree, the numeric id order, the CSV lists and label files with their OOD flags.

    Each data info holds ``modality_paths`` (``{modality: path}``), ``img_path`` (the first
    modality's file), ``image_id`` (str: the integer id of ``SAR_<id>.png`` / ``EO_<id>.png`` /
    ``Gotcha<id>.png`` as written in the file name, e.g. ``'1066'``; other names give their stem),
    ``gt_label`` (int class id; left out for unlabeled data, like mmpretrain's ``CustomDataset``
    with ``with_label=False``; ``-1`` for an out-of-distribution chip of a labelled set whose
    class is not one of the 10) and ``ood`` (0/1, only when the label file has an ``OOD_flag``).

    Bad input (a chip without its partner, a class folder outside the class list, an unreadable
    CSV line, a pair split over two class folders) raises an error naming the file when the
    dataset is built. With ``on_missing='skip'``, samples lacking a modality file are left out
    and a warning gives their count and a few examples. Unreadable image files are reported
    by ``LoadModalities`` when loaded.

    Args:
        layout (str): ``'2021'`` or ``'2024'``.
        split (str, optional): ``'train'``, ``'valid'`` (or ``'val'``) or ``'test'``; picks the
            default folders of the layout. Ignored when ``modality_dirs`` or ``data_prefix`` is
            given. Defaults to ``'train'``.
        modalities (Sequence[str], optional): Modalities every sample must have, from
            ``('sar', 'eo')``, e.g. ``('sar', 'eo')`` for paired training, ``('sar', )`` for the
            2024 test set. The first one gives ``img_path``. Default: every modality the folders
            provide (2021: sar and eo; 2024 valid/test: sar).
        modality_dirs (dict, optional): ``modality -> folder`` (relative to ``data_root``),
            overriding the split's folders, e.g. the folders of the NTIRE 2021 CSV lists.
        data_prefix (str): One folder (relative to ``data_root``) holding every modality side by
            side, e.g. ``'train_images'``; an alternative to ``modality_dirs``.
        ann_file (str): CSV list of samples (``img_name`` or ``image_id`` column, optional
            ``class_id`` or ``class`` and ``OOD_flag`` columns) relative to ``data_root``; the
            chips are then looked up in flat folders. Default ``''``: scan the folders.
        label_file (str, optional): CSV labelling a flat folder (``image_id,class_id``,
            ``img_name,class_id`` or the 2024 ``validation_reference.csv`` with ``image_id``,
            ``class``, ``OOD_flag``), relative to ``data_root``. Every chip needs a row.
        on_missing (str): ``'error'`` (default) or ``'skip'`` samples lacking a modality file.
        **kwargs: ``mmpretrain.datasets.BaseDataset`` arguments (``data_root``, ``pipeline``,
            ``test_mode``, ``metainfo``, ``indices``...).
    """

    METAINFO = dict(classes=MAVOC_CLASSES['2021'])

    def __init__(self,
                 layout: str = '2021',
                 split: Optional[str] = 'train',
                 modalities: Optional[Sequence[str]] = None,
                 modality_dirs: Optional[Dict[str, str]] = None,
                 data_prefix: str = '',
                 ann_file: str = '',
                 label_file: Optional[str] = None,
                 on_missing: str = 'error',
                 metainfo: Optional[dict] = None,
                 **kwargs) -> None:
        layout = str(layout)
        if layout not in MAVOC_CLASSES:
            raise ValueError(f'layout must be "2021" or "2024", got {layout!r}')
        if on_missing not in ('error', 'skip'):
            raise ValueError(f'on_missing must be "error" or "skip", got {on_missing!r}')
        if modality_dirs and data_prefix:
            raise ValueError('give modality_dirs or data_prefix, not both')
        split = 'valid' if split == 'val' else split
        if modality_dirs:
            dirs = dict(modality_dirs)
        elif data_prefix:
            dirs = {m: data_prefix for m in (modalities or FILE_PREFIX)}
        elif split in MAVOC_SPLIT_DIRS[layout]:
            dirs = dict(MAVOC_SPLIT_DIRS[layout][split])
        else:
            raise ValueError(f'split must be one of {sorted(MAVOC_SPLIT_DIRS[layout])} (or give '
                             f'modality_dirs / data_prefix), got {split!r}')
        self.layout = layout
        self.split = split
        self.modalities = tuple(modalities or dirs)
        bad = [m for m in self.modalities if m not in FILE_PREFIX]
        if bad or not self.modalities:
            raise ValueError(f'modalities must come from {tuple(FILE_PREFIX)}, got '
                             f'{self.modalities}')
        missing = [m for m in self.modalities if m not in dirs]
        if missing:
            raise ValueError(f'no folder for modality {missing} in the {layout} {split} split '
                             f'(it has {sorted(dirs)}); pass modalities={tuple(dirs)} or set '
                             f'modality_dirs')
        self.label_file = label_file
        self.default_label_file = (
            layout == '2024' and split == 'valid' and label_file is None and not modality_dirs
            and not data_prefix)
        metainfo = dict(metainfo or {})
        if 'classes' not in kwargs:
            metainfo.setdefault('classes', MAVOC_CLASSES[layout])
        folders = MAVOC_CLASS_FOLDERS[layout]
        self.folder_to_id = {f: i for i, f in enumerate(folders)}
        self.name_to_id = {_norm_name(n): i for i, n in enumerate(MAVOC_CLASSES[layout])}
        self.name_to_id.update({_norm_name(f): i for i, f in enumerate(folders)})
        # 2021: SAR_<id>.png / EO_<id>.png; 2024: the same name in both trees (see file_id).
        names = {}
        if layout == '2021':
            names['pattern'] = {m: f'{FILE_PREFIX[m]}{{}}.png' for m in self.modalities}
        super().__init__(
            modality_dirs={m: dirs[m]
                           for m in self.modalities},
            ann_file=ann_file,
            class_folders=self.folder_to_id,
            on_missing=on_missing,
            metainfo=metainfo,
            **names,
            **kwargs)

    def extra_repr(self) -> List[str]:
        return [
            f'Layout: \t{self.layout}', f'Modality folders: \t{self.modality_dirs}',
            f'Annotation file: \t{self.ann_file or None}'
        ]

    # ----------------------------------------------------------------------------- helpers
    def _root_path(self, path: str) -> str:
        return path if osp.isabs(path) else osp.join(self.data_root or '', path)

    def _file_name(self, modality: str, image_id: str, like: str) -> str:
        """File name of ``modality``'s chip for ``image_id`` (``like``: a partner's name)."""
        if self.layout == '2021':
            return self.files.file_name(modality, image_id)
        if not like.lower().endswith('.png'):
            like += '.png'
        for prefix in FILE_PREFIX.values():
            if like.upper().startswith(prefix):
                return FILE_PREFIX[modality] + like[len(prefix):]
        return like

    def _parse_label(self, value: str, ood: Optional[int], where: str) -> int:
        value = value.strip()
        if value.lstrip('-').isdigit() and int(value) in range(10):
            return int(value)
        if _norm_name(value) in self.name_to_id:
            return self.name_to_id[_norm_name(value)]
        if ood:
            return -1
        raise ValueError(f'{where}: class {value!r} is neither an id 0-9 nor a class of the '
                         f'{self.layout} layout {list(self.folder_to_id)}. Fix or remove the line.')

    # ------------------------------------------------------------- folder reading (the layouts)
    def file_id(self, modality: str, path: str) -> Optional[str]:
        """The image id of a chip: 2021 ``SAR_<integer>.png`` / ``EO_<integer>.png``; 2024 any
        ``.png`` name, read by :func:`parse_image_id` (so ``<id>.png`` pairs across the trees)."""
        name = osp.basename(path)
        if self.layout == '2021':
            image_id = self.files.sample_id(modality, name)
            return image_id if image_id is not None and re.fullmatch(r'\d+', image_id) else None
        return parse_image_id(name) if name.lower().endswith('.png') else None

    def missing_folder_error(self, modality: str, folder: str) -> Exception:
        return FileNotFoundError(f'{folder}: folder of modality "{modality}" not found; check '
                                 f'data_root, layout ({self.layout}) and split/modality_dirs')

    def unknown_folder_error(self, folder: str, name: str, known: Sequence[str]) -> Exception:
        return ValueError(f'{osp.join(folder, name)}: class folder {name!r} is not one of the '
                          f'{self.layout} classes {list(known)}. Rename or move it out of '
                          f'{folder}, or check the layout argument.')

    def read_table(self, path: str) -> List[dict]:
        """Read a CSV list of chips.

        Args:
            path (str): CSV file with an ``img_name`` or ``image_id`` column and optional
                ``class_id``/``class`` and ``OOD_flag`` columns.

        Returns:
            list[dict]: One ``dict(image_id, name, gt_label (optional), ood (optional))`` per row.
        """
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: CSV file not found; check data_root and the '
                                    f'ann_file/label_file name')
        with io.StringIO(read_text(path, 'CSV file'), newline='') as f:
            reader = csv.DictReader(f, skipinitialspace=True)
            fields = [c.strip() for c in reader.fieldnames or []]
            reader.fieldnames = fields
            id_col = next((c for c in ID_COLUMNS if c in fields), None)
            if id_col is None:
                raise ValueError(f'{path}: header {fields} has no img_name or image_id column; '
                                 f'the first line must be e.g. "img_name,class_id"')
            label_col = next((c for c in LABEL_COLUMNS if c in fields), None)
            ood_col = next((c for c in OOD_COLUMNS if c in fields), None)
            rows, seen = [], {}
            for row in reader:
                where = f'{path}:{reader.line_num}'
                if None in row or None in row.values() or not (row[id_col] or '').strip():
                    raise ValueError(f'{where}: unreadable line {row}: expected one value per '
                                     f'column of {fields}. Fix or remove the line.')
                item = dict(name=row[id_col].strip(), image_id=parse_image_id(row[id_col]))
                if item['image_id'] in seen:
                    raise ValueError(f'{where}: image id {item["image_id"]} is already listed on '
                                     f'line {seen[item["image_id"]]}. Remove one of the two.')
                seen[item['image_id']] = reader.line_num
                if ood_col is not None:
                    flag = row[ood_col].strip().lower()
                    if flag not in ('0', '1', '0.0', '1.0', 'true', 'false'):
                        raise ValueError(f'{where}: {ood_col} must be 0 or 1, got {flag!r}. Fix '
                                         f'or remove the line.')
                    item['ood'] = int(flag in ('1', '1.0', 'true'))
                if label_col is not None:
                    item['gt_label'] = self._parse_label(row[label_col], item.get('ood'), where)
                rows.append(item)
        return list(require_samples(rows, path, 'check that it is the chip list you meant'))

    def _label_file_path(self) -> Optional[str]:
        if self.default_label_file:
            path = self._root_path('validation_reference.csv')
            return path if osp.isfile(path) else None
        return self._root_path(self.label_file) if self.label_file else None

    def _report(self, problems: List[str]) -> None:
        if not problems:
            return
        what = (f'{len(problems)} sample(s) lack a modality file of {list(self.modalities)}, '
                f'e.g. {problems[:3]}')
        if self.on_missing == 'skip':
            print_log(
                f'MAVOCDataset ({self.layout}, {self.split}): skipped {what}',
                logger='current',
                level=logging.WARNING)
            return
        raise FileNotFoundError(f'{what}. Every sample needs a chip of each modality: restore '
                                f'the partners, pass on_missing="skip" to leave such samples '
                                f'out, or ask for fewer modalities.')

    # ----------------------------------------------------------------------------- loading
    def load_data_list(self) -> List[dict]:
        if self.ann_file:
            items = self._items_from_csv()
        else:
            items = self._items_from_folders()
        if not items:
            raise ValueError(f'no MAVOC chips found in {list(self.modality_dirs.values())} under '
                             f'{self.data_root!r} (layout {self.layout}); check data_root, '
                             f'layout and split')
        data_list = []
        for item in items:
            info = dict(
                img_path=item['paths'][self.modalities[0]],
                modality_paths=item['paths'],
                image_id=item['image_id'])
            for key in ('gt_label', 'ood'):
                if item.get(key) is not None:
                    info[key] = item[key]
            data_list.append(info)
        return data_list

    def _items_from_csv(self) -> List[dict]:
        items, problems = [], []
        for row in self.read_table(self.ann_file):
            paths = {
                m: osp.join(self.files.folder(m), self._file_name(m, row['image_id'], row['name']))
                for m in self.modalities
            }
            absent = [p for p in paths.values() if not osp.isfile(p)]
            if absent:
                problems.append(f'{absent[0]} (listed in {self.ann_file})')
                continue
            items.append(dict(row, paths=paths))
        self._report(problems)
        return items

    def _items_from_folders(self) -> List[dict]:
        found = {}
        for m in self.modalities:
            _, found[m] = self.scan_tree(m, list(self.folder_to_id))
            # image ids are unique over a MAVOC tree: a pair is found across class folders
            self.check_unique(m, found[m], key=lambda entry: entry[1])
        label_file = self._label_file_path()
        labels = None
        if label_file:
            if any(folder is not None for entries in found.values() for folder, _, _ in entries):
                raise ValueError(f'{label_file}: a label file labels flat folders of chips, but '
                                 f'{self.modality_dirs} hold class folders. Leave it out.')
            labels = {row['image_id']: row for row in self.read_table(label_file)}
        complete, split, unpaired = self.pair_files(found)
        complete = {image_id: (folder, paths) for folder, image_id, paths in complete}
        split = dict(split)
        unpaired = {image_id: have for _, image_id, have in unpaired}
        ids = sorted(
            set().union(*(dict.fromkeys(i for _, i, _ in found[m]) for m in self.modalities)),
            key=_sort_key)
        items, problems = [], []
        for image_id in ids:
            if image_id in unpaired:
                path = next(iter(unpaired[image_id].values()))
                lost = [m for m in self.modalities if m not in unpaired[image_id]]
                partner = osp.join(
                    self.files.folder(lost[0]),
                    self._file_name(lost[0], image_id, osp.basename(path)))
                problems.append(f'{path} has no "{lost[0]}" partner (looked for {partner} or '
                                f'that name in a class folder)')
                continue
            if image_id in split:
                raise ValueError(f'{list(split[image_id].values())}: the chips of image '
                                 f'{image_id} lie in different class folders. Move them into '
                                 f'one.')
            folder, paths = complete[image_id]
            item = dict(
                image_id=image_id,
                paths=paths,
                gt_label=None if folder is None else self.folder_to_id[folder])
            if labels is not None:
                row = labels.get(image_id)
                if row is None:
                    raise ValueError(f'{item["paths"][self.modalities[0]]}: no line for image '
                                     f'id {image_id} in {label_file}. Add it or leave the '
                                     f'label file out.')
                item.update({k: row[k] for k in ('gt_label', 'ood') if k in row})
            items.append(item)
        self._report(problems)
        return items
