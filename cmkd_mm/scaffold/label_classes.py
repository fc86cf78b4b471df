"""Where the labels of a data folder are and which classes they name: Pascal VOC XML object names,
a COCO json's categories, the ids of label maps, class folders."""
import json
import os
import os.path as osp
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..datasets.transforms.loading import decode_image
from .errors import ScaffoldError
from .folder_layout import SPLIT_NAMES, image_files, subfolders

#: Folders looked at for Pascal VOC XML files (det).
VOC_DIRS = ('Annotations', 'Annotation', 'annotations', 'xml', 'labels')
#: Folders looked at for COCO json files (det), '' being the data root.
COCO_DIRS = ('annotations', 'Annotations', '')
#: Folders looked at for label maps (seg).
SEG_DIRS = ('labels', 'label', 'annotations', 'ann_dir', 'masks', 'mask', 'gt', 'GT',
            'SegmentationClass', 'segmentation')
#: The label map value mmseg ignores.
IGNORE_INDEX = 255


def _xml_files(path: str) -> List[str]:
    return sorted(n for n in os.listdir(path) if n.endswith('.xml'))


def find_voc_dir(root: str, labels: Optional[str] = None) -> Optional[Tuple[str, Dict[str, str]]]:
    """``(XML folder, split -> its sub-folder)`` of a data root, or None without XML files.

    The XML folder is ``labels`` (``--labels``) or the first of :data:`VOC_DIRS` holding
    ``*.xml`` files, directly (one folder for every split, as LLVIP) or in split sub-folders.
    """
    candidates = [labels] if labels else VOC_DIRS
    for folder in candidates:
        path = osp.join(root, folder)
        if not osp.isdir(path):
            continue
        if _xml_files(path):
            return folder, {}
        splits = {
            SPLIT_NAMES[s.lower()]: s
            for s in subfolders(path) if s.lower() in SPLIT_NAMES and _xml_files(osp.join(path, s))
        }
        if splits:
            return folder, splits
    return None


def voc_objects(xml_paths: Sequence[str]) -> Counter:
    """``class name -> objects`` named by the ``<object><name>`` of the XML files.

    Raises:
        ScaffoldError: A file is not XML (the file named).
    """
    found: Counter = Counter()
    for path in xml_paths:
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as error:
            raise ScaffoldError(f'{path}: not a readable XML file ({error}). Fix or remove it.')
        for obj in root.findall('object'):
            found[(obj.findtext('name') or '').strip()] += 1
    return found


def find_coco_jsons(root: str, labels: Optional[str] = None) -> Dict[str, str]:
    """``split -> COCO json`` (relative to the root): ``labels`` if it is a json (the training
    split), else the jsons of ``labels`` or of the first of :data:`COCO_DIRS` holding any, each
    assigned to the split its name contains (``instances_train.json``, ``val.json``)."""
    if labels and labels.endswith('.json'):
        if not osp.isfile(osp.join(root, labels)):
            raise ScaffoldError(f'--labels {labels}: no file {osp.join(root, labels)}.')
        return dict(train=labels)
    for folder in ([labels] if labels else COCO_DIRS):
        path = osp.join(root, folder)
        if not osp.isdir(path):
            continue
        jsons = sorted(n for n in os.listdir(path) if n.endswith('.json'))
        found = {}
        for name in jsons:
            words = name[:-5].lower().replace('-', '_').split('_')
            split = next((SPLIT_NAMES[w] for w in reversed(words) if w in SPLIT_NAMES), None)
            if split is not None:
                found.setdefault(split, osp.join(folder, name))
        if found:
            return found
        if jsons:
            raise ScaffoldError(f'{path}: json files {jsons} name no split (train, val, test); '
                                'give the training one: --labels <folder>/<file>.json')
    return {}


def coco_categories(root: str, ann_file: str) -> List[str]:
    """The category names of a COCO json, in its order.

    Raises:
        ScaffoldError: Not a COCO detection json.
    """
    path = osp.join(root, ann_file)
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as error:
        raise ScaffoldError(f'{path}: not a readable json file ({error}).')
    if not isinstance(data, dict) or 'images' not in data or 'categories' not in data:
        raise ScaffoldError(f'{path}: not a COCO detection file (no "images" or "categories").')
    return [str(c['name']) for c in data['categories']]


def find_seg_dir(root: str,
                 modality_dirs: Sequence[str],
                 labels: Optional[str] = None) -> Optional[str]:
    """The label map folder: ``labels`` or the first of :data:`SEG_DIRS` that is not a modality
    folder and holds images (directly or in split sub-folders)."""
    for folder in ([labels] if labels else SEG_DIRS):
        path = osp.join(root, folder)
        if folder in modality_dirs or not osp.isdir(path):
            continue
        if image_files(path) or any(image_files(osp.join(path, s)) for s in subfolders(path)):
            return folder
    return None


def label_ids(paths: Sequence[str]) -> Counter:
    """``class id -> label maps holding it``, the maps read as ``LoadSegLabels`` reads them.

    Raises:
        ScaffoldError: A map is not an 8- or 16-bit map of class ids (a colour picture).
    """
    found: Counter = Counter()
    for path in paths:
        try:
            seg = decode_image(path)
        except (FileNotFoundError, ValueError) as error:
            raise ScaffoldError(str(error)) from None
        if seg.shape[2] in (3, 4):
            if not (seg[..., :3] == seg[..., :1]).all():
                raise ScaffoldError(f'{path}: a colour label map (a palette picture, not class '
                                    'ids). Save the labels as one-channel PNGs of class ids.')
        elif seg.shape[2] != 1:
            raise ScaffoldError(f'{path}: a label map of {seg.shape[2]} channels; save the labels '
                                'as one-channel PNGs of class ids.')
        found.update(int(v) for v in np.unique(seg[..., 0]))
    return found


def seg_classes(ids: Counter, classes: Optional[Sequence[str]], reduce_zero_label: bool,
                where: str) -> List[str]:
    """The classes of label maps whose ids are ``ids``: ``classes`` (``--classes``), checked.

    Raises:
        ScaffoldError: No ``--classes`` (the message lists the ids found and asks for as many
            names), or an id without a name.
    """
    values = sorted(i for i in ids if i != IGNORE_INDEX)
    if reduce_zero_label:
        values = [i - 1 for i in values if i != 0]
    found = ', '.join(f'{i} ({ids[i + 1 if reduce_zero_label else i]} maps)' for i in values)
    if IGNORE_INDEX in ids:
        found += f'; {IGNORE_INDEX} (ignored)'
    count = (max(values) + 1) if values else 0
    if not classes:
        example = ' '.join(f'class{i}' for i in range(count)) or 'background ...'
        raise ScaffoldError(f'{where}: the label maps hold the class ids {found or "none"}' +
                            (' (after --reduce-zero-label: 0 ignored, every other id minus 1)'
                             if reduce_zero_label else '') +
                            f'. Name the classes of ids 0-{count - 1}, in id '
                            f'order: --classes {example}')
    if len(classes) < count:
        raise ScaffoldError(f'--classes gives {len(classes)} names, but the label maps of {where} '
                            f'hold class ids up to {count - 1} ({found}): give a name for each id '
                            f'0-{count - 1}, in id order.')
    return list(classes)
