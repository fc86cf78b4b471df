"""Reading a detection pair's data folder: the modality folders and their Pascal VOC XML
(``MultiModalVOCDataset``) or COCO json (``MultiModalCocoDataset``) labels."""
import json
import os
import os.path as osp
from typing import Dict, List, NamedTuple, Tuple

from ..datasets.sample_lists import read_name_list
from .errors import ScaffoldError
from .folder_layout import find_split_lists, split_subfolders
from .label_classes import coco_categories, find_coco_jsons, find_voc_dir, voc_objects
from .pair_reader import PairData, PairOptions, PairReader, join_folder

#: mmdet's default detection input, (w, h), kept in ratio.
DET_INPUT_SIZE = (1333, 800)


class _Labels(NamedTuple):
    """What the labels declare: the dataset, classes, splits, each split's dataset arguments,
    sample ids and (COCO) evaluator json."""
    dataset_type: str
    classes: List[str]
    splits: Dict[str, str]
    datasets: Dict[str, dict]
    ids_of: Dict[str, List[str]]
    evaluator_files: Dict[str, str]


def inspect_det(opts: PairOptions) -> PairData:
    """A detection pair: modality folders, Pascal VOC XML or COCO json labels."""
    r = PairReader(opts)
    root = r.root
    split_dirs = split_subfolders(root, r.folders)
    voc = find_voc_dir(root, opts.labels) if not (opts.labels or '').endswith('.json') else None
    coco = find_coco_jsons(root, opts.labels) if voc is None or not opts.labels else {}
    if voc and coco:
        raise ScaffoldError(f'both Pascal VOC XML ({osp.join(root, voc[0])}) and COCO json '
                            f'({", ".join(coco.values())}) labels found: choose with --labels '
                            f'{voc[0]} or --labels {next(iter(coco.values()))}')
    if not voc and not coco:
        raise ScaffoldError(f'no labels found in {root}: no Pascal VOC XML files (looked in ' +
                            ('/'.join(['Annotations', 'Annotation', 'annotations', 'xml', 'labels']
                                      ) if not opts.labels else opts.labels) +
                            ') and no COCO json (annotations/*.json). '
                            'Point --labels at the XML folder or the json file.')
    dirs_of = r.dirs_of_splits(split_dirs)
    rules = r.rules({n: [d[n] for d in dirs_of.values()] for n in r.names})
    if voc:
        labels = _voc_labels(r, voc, split_dirs, dirs_of, rules)
    else:
        labels = _coco_labels(r, coco, split_dirs, dirs_of, rules)
    splits, datasets, ids_of = labels.splits, labels.datasets, labels.ids_of
    for split in sorted(set(splits.values())):
        files = r.files(datasets[split]['modality_dirs'])
        r.check_files(files, ids_of[split], f'the {split} split')
    specs, same = r.sample_specs(datasets[splits['train']]['modality_dirs'],
                                 ids_of[splits['train']])
    if opts.input_size is None:
        r.notes.append(f'input size {DET_INPUT_SIZE[0]}x{DET_INPUT_SIZE[1]} (mmdet\'s, in ratio; '
                       '--input-size W H sets another)')
    return PairData(
        'det',
        labels.dataset_type,
        specs,
        labels.classes,
        splits,
        datasets,
        labels.evaluator_files,
        same_size=same,
        input_size=tuple(opts.input_size or DET_INPUT_SIZE),
        samples={s: len(ids_of[s])
                 for s in set(splits.values())},
        found=r.found,
        notes=r.notes)


def _voc_labels(r: PairReader, voc: Tuple[str, Dict[str, str]], split_dirs: Dict[str, str],
                dirs_of: Dict[str, Dict[str, str]], rules: dict) -> _Labels:
    """The splits and samples of Pascal VOC XML labels: split folders of the XML folder, of the
    modality folders, split lists, or every XML file."""
    root, first, opts = r.root, r.names[0], r.opts
    datasets: Dict[str, dict] = {}
    ids_of: Dict[str, List[str]] = {}
    ann_dir, ann_splits = voc
    if ann_splits:
        source = f' in {osp.join(root, ann_dir)}'
        for split, sub in ann_splits.items():
            dirs = dirs_of.get(split, dirs_of.get('all'))
            if dirs is None:
                raise ScaffoldError(
                    f'{osp.join(root, ann_dir, sub)}: the {split} XML files have no '
                    f'image folder ({split_dirs} are the split folders).')
            folder = join_folder(ann_dir, sub)
            ids_of[split] = sorted(n[:-4] for n in _xml_list(root, folder))
            datasets[split] = dict(modality_dirs=dirs, ann_dir=folder, **rules)
        what = f'{len(ann_splits)} split folder(s) of {ann_dir}/'
    elif split_dirs:
        source = ' in the modality folders'
        for split, dirs in dirs_of.items():
            ids_of[split] = r.folder_ids(dirs)
            datasets[split] = dict(modality_dirs=dirs, ann_dir=ann_dir, samples_from=first, **rules)
        what = f'{ann_dir}/ (one folder for every split: the samples of a split are the ' \
            f'files of {r.folders[first]}/<split>/)'
    else:
        lists = find_split_lists(root)
        source = f' in {", ".join(lists.values())}' if lists else ''
        for split, path in lists.items():
            ids_of[split] = read_name_list(osp.join(root, path), suffix='.xml')
            datasets[split] = dict(
                modality_dirs=dirs_of['all'], ann_dir=ann_dir, ann_file=path, **rules)
        if not lists:
            ids_of['all'] = sorted(n[:-4] for n in _xml_list(root, ann_dir))
            datasets['all'] = dict(modality_dirs=dirs_of['all'], ann_dir=ann_dir, **rules)
        what = f'{ann_dir}/'
    splits = r.splits([s for s in datasets if s != 'all'], source)
    xml_paths = []
    for split in sorted(set(splits.values())):
        folder = datasets[split]['ann_dir']
        xml_of = {i: osp.join(root, folder, i + '.xml') for i in ids_of[split]}
        absent = [i for i, p in xml_of.items() if not osp.isfile(p)]
        if absent:
            raise ScaffoldError(
                f'{osp.join(root, folder)}: {len(absent)} sample(s) of the {split} split have '
                f'no XML file; first: {absent[0]} (no {xml_of[absent[0]]}). Give every sample '
                'its annotation (an image without objects is an XML without <object>), or '
                'list the annotated samples in split lists.')
        xml_paths += list(xml_of.values())
    objects = voc_objects(xml_paths)
    if not objects and not opts.classes:
        raise ScaffoldError(f'no labels found: the {len(xml_paths)} XML files of {root} hold '
                            'no <object>. Name the classes: --classes NAME [NAME ...]')
    classes = r.classes_in_order(sorted(objects), f'the XML files of {ann_dir}/')
    r.found.append(f'labels: Pascal VOC XML in {what}; objects per class: {dict(objects)}')
    if not opts.classes and len(classes) > 1:
        r.notes.append('classes in name order (--classes sets another label order)')
    return _Labels('MultiModalVOCDataset', classes, splits, datasets, ids_of, {})


def _coco_labels(r: PairReader, coco: Dict[str, str], split_dirs: Dict[str, str],
                 dirs_of: Dict[str, Dict[str, str]], rules: dict) -> _Labels:
    """The splits and samples of COCO json labels (one json per split), and their classes: the
    categories, which every used json must share."""
    root, opts = r.root, r.opts
    datasets: Dict[str, dict] = {}
    ids_of: Dict[str, List[str]] = {}
    evaluator_files: Dict[str, str] = {}
    for split, ann_file in coco.items():
        dirs = dirs_of.get(split, dirs_of.get('all'))
        if dirs is None:
            raise ScaffoldError(f'{osp.join(root, ann_file)}: the {split} json has no image '
                                f'folder (the split folders are {sorted(split_dirs)}).')
        ids_of[split] = _coco_ids(osp.join(root, ann_file))
        datasets[split] = dict(ann_file=ann_file, modality_dirs=dirs, **rules)
        evaluator_files[split] = ann_file
    splits = r.splits(list(datasets), f' ({", ".join(coco.values())})')
    used = sorted(set(splits.values()))
    categories = {s: coco_categories(root, coco[s]) for s in used}
    names = categories[splits['train']]
    for split in used:
        if categories[split] != names:
            raise ScaffoldError(f'{coco[split]} has the categories {categories[split]}, '
                                f'{coco[splits["train"]]} has {names}: give both jsons the '
                                'same categories, in the same order.')
    if opts.classes:
        order = [n for n in names if n in opts.classes]
        if order != list(opts.classes):
            raise ScaffoldError(
                f'--classes {" ".join(opts.classes)}: the classes must be categories of '
                f'{coco[splits["train"]]}, in its order {names}.')
    classes = list(opts.classes or names)
    r.found.append(f'labels: COCO json {", ".join(coco[s] for s in used)}; categories '
                   f'{names}')
    return _Labels('MultiModalCocoDataset', classes, splits, datasets, ids_of, evaluator_files)


def _xml_list(root: str, folder: str) -> List[str]:
    path = osp.join(root, folder)
    return sorted(n for n in (os.listdir(path) if osp.isdir(path) else []) if n.endswith('.xml'))


def _coco_ids(path: str) -> List[str]:
    with open(path) as f:
        images = json.load(f).get('images', [])
    return [img.get('sample') or osp.splitext(osp.basename(img['file_name']))[0] for img in images]
