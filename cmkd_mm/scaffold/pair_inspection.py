"""Everything a pair's data config needs, read from the data folder: the modalities' folders,
file-name rules and formats, the labels and their classes, and the samples of each split."""
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from ..datasets.modality_files import ModalityFiles, missing_partner_error
from ..datasets.sample_lists import read_name_list
from .errors import ScaffoldError
from .folder_layout import (SPLIT_NAMES, assign_splits, check_pairs, file_rule, find_split_lists,
                            image_files, modality_folders, split_subfolders, subfolders)
from .image_format import FileFormat, modality_spec, read_file_format, spread
from .label_classes import (coco_categories, find_coco_jsons, find_seg_dir, find_voc_dir, label_ids,
                            seg_classes, voc_objects)

TASKS = ('det', 'seg', 'cls')
#: mmdet's default detection input, (w, h), kept in ratio.
DET_INPUT_SIZE = (1333, 800)


@dataclass
class PairOptions:
    """What the user said (the flags of ``tools/misc/new_pair.py``).

    Args:
        data_root (str): The data folder.
        task (str): ``'det'``, ``'seg'`` or ``'cls'``.
        teacher (list[str]): The teacher's modalities, in channel order.
        student (list[str]): The student's modalities.
        dirs (dict): ``modality -> folder`` where the folder is not named as the modality.
        suffix (dict): ``modality -> file extension`` where its folder holds several.
        pattern (dict): ``modality -> file-name pattern`` (``'{}_depth.png'``).
        channels (dict): ``modality -> channels to read`` (1 grey, 3 colour, 4).
        bit_depth (dict): ``modality -> bits of its 16-bit values`` (10, 12...).
        classes (list[str], optional): Class names, in label order.
        labels (str, optional): The labels, relative to ``data_root``: the XML folder or COCO
            json (det), the label map folder (seg).
        val_split (str, optional): The split validation uses when the data has no val split.
        reduce_zero_label (bool): seg: label 0 is "ignore" (mmseg's ``reduce_zero_label``).
        input_size (tuple, optional): det: ``(w, h)`` the images are resized to (in ratio).
        chip_size (dict): cls: ``modality -> side`` its chips are resized to.
    """
    data_root: str
    task: str
    teacher: List[str]
    student: List[str]
    dirs: Dict[str, str] = field(default_factory=dict)
    suffix: Dict[str, str] = field(default_factory=dict)
    pattern: Dict[str, str] = field(default_factory=dict)
    channels: Dict[str, int] = field(default_factory=dict)
    bit_depth: Dict[str, int] = field(default_factory=dict)
    classes: Optional[List[str]] = None
    labels: Optional[str] = None
    val_split: Optional[str] = None
    reduce_zero_label: bool = False
    input_size: Optional[Tuple[int, int]] = None
    chip_size: Dict[str, int] = field(default_factory=dict)

    @property
    def modalities(self) -> List[str]:
        """The teacher's modalities, then the student's others (``pair:modalities`` order)."""
        return list(dict.fromkeys(list(self.teacher) + list(self.student)))


@dataclass
class PairData:
    """What the data config declares.

    Args:
        task (str): ``'det'``, ``'seg'`` or ``'cls'``.
        dataset_type (str): The generic dataset.
        modalities (dict): ``modality -> LoadModalities spec``.
        classes (list[str]): Class names, in label order.
        splits (dict): ``'train'`` / ``'val'`` / ``'test'`` -> the data's split serving it.
        datasets (dict): The data's split -> its dataset arguments (no type, root, pipeline).
        evaluator_files (dict): The data's split -> its COCO json (COCO metric), if any.
        same_size (bool): The modalities of every sample read have one size (registered).
        input_size (tuple, optional): det: ``(w, h)`` of the resize.
        chip_size (dict): cls: ``modality -> (w, h)`` of the resize.
        samples (dict): The data's split -> number of samples.
        found (list[str]): What was read, one line per item.
        notes (list[str]): What was decided without a flag, one line each.
    """
    task: str
    dataset_type: str
    modalities: Dict[str, dict]
    classes: List[str]
    splits: Dict[str, str]
    datasets: Dict[str, dict]
    evaluator_files: Dict[str, str] = field(default_factory=dict)
    same_size: bool = True
    input_size: Optional[Tuple[int, int]] = None
    chip_size: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    samples: Dict[str, int] = field(default_factory=dict)
    found: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


def _join(*parts: str) -> str:
    return '/'.join(p.strip('/') for p in parts if p)


def _check_names(opts: PairOptions) -> None:
    if opts.task not in TASKS:
        raise ScaffoldError(f'--task {opts.task}: give one of {list(TASKS)}.')
    if not opts.teacher or not opts.student:
        raise ScaffoldError('give the modalities of both models: --teacher NAME [NAME ...] '
                            '--student NAME [NAME ...]')
    for flag, names in (('--teacher', opts.teacher), ('--student', opts.student)):
        repeated = sorted({n for n in names if list(names).count(n) > 1})
        if repeated:
            raise ScaffoldError(f'{flag} names {repeated} twice.')
    for flag in ('dirs', 'suffix', 'pattern', 'channels', 'bit_depth', 'chip_size'):
        unknown = [n for n in getattr(opts, flag) if n not in opts.modalities]
        if unknown and flag != 'dirs':  # modality_folders says it for --dirs
            raise ScaffoldError(f'--{flag.replace("_", "-")} names {unknown}, which --teacher/'
                                f'--student do not use (they use {opts.modalities}).')


class _Reader:
    """The shared steps: folders, file-name rules, pairing and formats."""

    def __init__(self, opts: PairOptions) -> None:
        _check_names(opts)
        self.opts = opts
        self.root = opts.data_root
        self.names = opts.modalities
        self.folders = modality_folders(self.root, self.names, opts.dirs)
        self.found: List[str] = []
        self.notes: List[str] = []

    def rules(self, sub_of: Dict[str, Sequence[str]]) -> Tuple[dict, dict]:
        """``(suffix, pattern)`` per modality from the files of its folders ``sub_of[name]``."""
        suffixes, patterns = {}, {}
        for name in self.names:
            files: List[str] = []
            for folder in sub_of[name]:
                files += image_files(osp.join(self.root, folder))
            where = ', '.join(osp.join(self.root, f) for f in sub_of[name])
            suffix, pattern = file_rule(name, files, where, self.opts.suffix.get(name),
                                        self.opts.pattern.get(name))
            if pattern is not None:
                patterns[name] = pattern
            else:
                suffixes[name] = suffix
        return suffixes, patterns

    @staticmethod
    def rule_args(suffixes: dict, patterns: dict) -> dict:
        """Dataset arguments of the file-name rules: one suffix for all when they agree."""
        args = {}
        if suffixes:
            values = set(suffixes.values())
            args['suffix'] = values.pop() if len(values) == 1 and not patterns else dict(suffixes)
        if patterns:
            args['pattern'] = dict(patterns)
        return args

    def check_files(self,
                    files: ModalityFiles,
                    ids: Sequence[str],
                    source: str,
                    sub: str = '') -> None:
        """Every modality file of every id exists; else the error naming the missing file and
        its partner."""
        problems = files.missing(files.paths(i, sub) for i in ids)
        if problems:
            raise ScaffoldError(
                str(
                    missing_partner_error(
                        problems, source, 'Give the missing files or remove the samples; if the '
                        'names differ between the modalities, give each modality\'s name rule '
                        '(--suffix NAME=.EXT or --pattern NAME=PREFIX{}SUFFIX).')))

    def formats(self, paths_of: Sequence[Dict[str, str]]) -> Dict[str, List[FileFormat]]:
        """The formats of the files of a few samples (spread over ``paths_of``), per modality."""
        picked = spread(list(paths_of))
        return {name: [read_file_format(paths[name]) for paths in picked] for name in self.names}

    def specs(self,
              formats: Dict[str, List[FileFormat]],
              registered: bool = True) -> Tuple[Dict[str, dict], bool]:
        """The LoadModalities specs and whether every sample's modalities have one size (said
        in a note when not, for ``registered`` tasks)."""
        specs, lines = {}, []
        for name in self.names:
            spec, line = modality_spec(name, formats[name], self.opts.channels.get(name),
                                       self.opts.bit_depth.get(name))
            specs[name] = spec
            lines.append(f'{name}: {self.folders[name]}/, {line}')
        self.found[:0] = lines  # the modalities first, then the labels
        count = len(formats[self.names[0]])
        sizes = [{formats[n][i].size for n in self.names} for i in range(count)]
        same = all(len(s) == 1 for s in sizes)
        if not same and registered and len(self.names) > 1:
            i = next(k for k, s in enumerate(sizes) if len(s) > 1)
            self.notes.append('the modalities of a sample differ in size (e.g. ' + ', '.join(
                f'{osp.basename(formats[n][i].path)} of {n}: {formats[n][i].size}'
                for n in self.names) + '): not declared registered (no same_size); '
                              'the resize brings each to the input size')
        return specs, same

    def splits(self, found: Sequence[str], what: str) -> Dict[str, str]:
        splits, notes = assign_splits(found, self.opts.val_split, what)
        self.notes += notes
        return splits

    def classes_in_order(self, found: Sequence[str], what: str) -> List[str]:
        """The ``--classes`` (each found class must be one of them), else the found ones."""
        given = self.opts.classes
        if not given:
            return list(found)
        unknown = [c for c in found if c not in given]
        if unknown:
            raise ScaffoldError(f'{what} name classes {unknown} that --classes {" ".join(given)} '
                                'does not: add them to --classes.')
        return list(given)


def _ids_of_folder(files: ModalityFiles, name: str, sub: str = '') -> List[str]:
    return list(files.scan(name, sub))


def inspect_det(opts: PairOptions) -> PairData:
    """A detection pair: modality folders, Pascal VOC XML or COCO json labels."""
    r = _Reader(opts)
    root, first = r.root, r.names[0]
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
    dirs_of = {
        s: {
            n: _join(r.folders[n], sub)
            for n in r.names
        }
        for s, sub in split_dirs.items()
    } or {
        'all': dict(r.folders)
    }
    suffixes, patterns = r.rules({n: [d[n] for d in dirs_of.values()] for n in r.names})
    rules = r.rule_args(suffixes, patterns)
    datasets: Dict[str, dict] = {}
    ids_of: Dict[str, List[str]] = {}
    evaluator_files: Dict[str, str] = {}
    if voc:
        ann_dir, ann_splits = voc
        if ann_splits:
            source = f' in {osp.join(root, ann_dir)}'
            for split, sub in ann_splits.items():
                dirs = dirs_of.get(split, dirs_of.get('all'))
                if dirs is None:
                    raise ScaffoldError(
                        f'{osp.join(root, ann_dir, sub)}: the {split} XML files have no image '
                        f'folder ({split_dirs} are the split folders).')
                folder = _join(ann_dir, sub)
                ids_of[split] = sorted(n[:-4] for n in _xml_list(root, folder))
                datasets[split] = dict(modality_dirs=dirs, ann_dir=folder, **rules)
            what = f'{len(ann_splits)} split folder(s) of {ann_dir}/'
        elif split_dirs:
            source = ' in the modality folders'
            for split, dirs in dirs_of.items():
                files = ModalityFiles(dirs, root, suffix=suffixes or '.png', pattern=patterns)
                ids_of[split] = _ids_of_folder(files, first)
                datasets[split] = dict(
                    modality_dirs=dirs, ann_dir=ann_dir, samples_from=first, **rules)
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
        used = sorted(set(splits.values()))
        xml_paths = []
        for split in used:
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
        dataset_type = 'MultiModalVOCDataset'
    else:
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
        dataset_type = 'MultiModalCocoDataset'
    for split in sorted(set(splits.values())):
        files = ModalityFiles(
            datasets[split]['modality_dirs'], root, suffix=suffixes or '.png', pattern=patterns)
        r.check_files(files, ids_of[split], f'the {split} split')
    train_files = ModalityFiles(
        datasets[splits['train']]['modality_dirs'],
        root,
        suffix=suffixes or '.png',
        pattern=patterns)
    specs, same = r.specs(r.formats([train_files.paths(i) for i in ids_of[splits['train']]]))
    if opts.input_size is None:
        r.notes.append(f'input size {DET_INPUT_SIZE[0]}x{DET_INPUT_SIZE[1]} (mmdet\'s, in ratio; '
                       '--input-size W H sets another)')
    return PairData(
        'det',
        dataset_type,
        specs,
        classes,
        splits,
        datasets,
        evaluator_files,
        same_size=same,
        input_size=tuple(opts.input_size or DET_INPUT_SIZE),
        samples={s: len(ids_of[s])
                 for s in set(splits.values())},
        found=r.found,
        notes=r.notes)


def _xml_list(root: str, folder: str) -> List[str]:
    path = osp.join(root, folder)
    return sorted(n for n in (os.listdir(path) if osp.isdir(path) else []) if n.endswith('.xml'))


def _coco_ids(path: str) -> List[str]:
    with open(path) as f:
        images = json.load(f).get('images', [])
    return [img.get('sample') or osp.splitext(osp.basename(img['file_name']))[0] for img in images]


def inspect_seg(opts: PairOptions) -> PairData:
    """A segmentation pair: modality folders, a label map folder, split folders or lists."""
    r = _Reader(opts)
    root, first = r.root, r.names[0]
    split_dirs = split_subfolders(root, r.folders)
    label_dir = find_seg_dir(root, list(r.folders.values()), opts.labels)
    if label_dir is None:
        raise ScaffoldError(
            f'no labels found in {root}: no label map folder (looked for ' +
            (opts.labels or ', '.join(('labels', 'label', 'annotations', 'ann_dir', 'masks', 'gt',
                                       'SegmentationClass'))) + '). '
            'Point --labels at the folder of the label maps (one PNG of class ids per sample, '
            'named as the sample).')
    if split_dirs:
        missing = [s for s in split_dirs.values() if not osp.isdir(osp.join(root, label_dir, s))]
        if missing:
            raise ScaffoldError(f'{osp.join(root, label_dir)}: no split folder(s) {missing}, which '
                                'the modality folders have: give the labels the same split '
                                'folders.')
        dirs_of = {
            s: {
                n: _join(r.folders[n], sub)
                for n in r.names
            }
            for s, sub in split_dirs.items()
        }
        label_of = {s: _join(label_dir, sub) for s, sub in split_dirs.items()}
        lists: Dict[str, str] = {}
    else:
        lists = find_split_lists(root)
        keys = list(lists) or ['all']
        dirs_of = {s: dict(r.folders) for s in keys}
        label_of = {s: label_dir for s in keys}
    suffixes, patterns = r.rules({n: sorted({d[n] for d in dirs_of.values()}) for n in r.names})
    rules = r.rule_args(suffixes, patterns)
    label_files: List[str] = []
    for folder in sorted(set(label_of.values())):
        label_files += image_files(osp.join(root, folder))
    seg_suffixes = sorted({osp.splitext(f)[1] for f in label_files})
    if len(seg_suffixes) != 1:
        raise ScaffoldError(f'{osp.join(root, label_dir)}: ' +
                            (f'label maps of several extensions {seg_suffixes}; keep one.'
                             if seg_suffixes else 'no label map in it.'))
    seg_suffix = seg_suffixes[0]
    splits = r.splits([s for s in dirs_of if s != 'all'],
                      ' in the modality folders' if split_dirs else
                      (f' in {", ".join(lists.values())}' if lists else ''))
    datasets, ids_of = {}, {}
    for split in sorted(set(splits.values())):
        files = ModalityFiles(dirs_of[split], root, suffix=suffixes or '.png', pattern=patterns)
        if split in lists:
            ids = read_name_list(
                osp.join(root, lists[split]),
                suffix=files.file_name(first, '') if first in suffixes else '')
        else:
            ids = _ids_of_folder(files, first)
        r.check_files(files, ids, f'the {split} split')
        labels = [osp.join(root, label_of[split], i + seg_suffix) for i in ids]
        absent = [p for p in labels if not osp.isfile(p)]
        if absent:
            raise ScaffoldError(f'the {split} split: {len(absent)} sample(s) have no label map; '
                                f'first: {absent[0]} is missing (its image '
                                f'{files.paths(ids[labels.index(absent[0])])[first]} exists).')
        ids_of[split] = ids
        datasets[split] = dict(
            modality_dirs=dirs_of[split],
            **rules,
            seg_map_dir=label_of[split],
            seg_map_suffix=seg_suffix,
            **(dict(ann_file=lists[split]) if split in lists else {}),
            **(dict(reduce_zero_label=True) if opts.reduce_zero_label else {}))
    paths = [osp.join(root, label_of[s], i + seg_suffix) for s in datasets for i in ids_of[s]]
    ids = label_ids(sorted(set(paths)))
    classes = seg_classes(ids, opts.classes, opts.reduce_zero_label,
                          f'{osp.join(root, label_dir)} ({len(set(paths))} maps)')
    r.found.append(f'labels: {label_dir}/*{seg_suffix}, class ids {sorted(ids)} '
                   f'({len(set(paths))} maps)')
    train_files = ModalityFiles(
        dirs_of[splits['train']], root, suffix=suffixes or '.png', pattern=patterns)
    specs, same = r.specs(r.formats([train_files.paths(i) for i in ids_of[splits['train']]]))
    if not same:
        raise ScaffoldError('segmentation needs registered modalities (one size per sample, the '
                            'size of its label map), but ' + r.notes[-1].split(': not')[0] +
                            '. Register the images first.')
    return PairData(
        'seg',
        'MultiModalSegDataset',
        specs,
        classes,
        splits,
        datasets,
        same_size=True,
        samples={
            s: len(v)
            for s, v in ids_of.items()
        },
        found=r.found,
        notes=r.notes)


def inspect_cls(opts: PairOptions) -> PairData:
    """A classification pair: class folders per modality (optionally per split)."""
    r = _Reader(opts)
    root, first = r.root, r.names[0]
    layouts = {}
    for name, folder in r.folders.items():
        subs = subfolders(osp.join(root, folder))
        if not subs:
            raise ScaffoldError(
                f'no labels found: {osp.join(root, folder)} (modality "{name}") has no class '
                'folders. Classification reads <DATA_ROOT>/<modality>/<class>/<file> (or '
                '<modality>/<split>/<class>/<file>).')
        split_names = [s for s in subs if s.lower() in SPLIT_NAMES]
        layouts[name] = ({
            SPLIT_NAMES[s.lower()]: s
            for s in split_names
        } if len(split_names) == len(subs) else {})
    if len({tuple(sorted(v)) for v in layouts.values()}) > 1:
        raise ScaffoldError('the modality folders are split differently: ' +
                            ', '.join(f'{r.folders[n]}/: {sorted(v) or "class folders"}'
                                      for n, v in layouts.items()))
    split_dirs = layouts[first]
    dirs_of = {
        s: {
            n: _join(r.folders[n], sub)
            for n in r.names
        }
        for s, sub in split_dirs.items()
    } or {
        'all': dict(r.folders)
    }
    classes_of = {}
    for split, dirs in dirs_of.items():
        found = {n: subfolders(osp.join(root, d)) for n, d in dirs.items()}
        ref = found[first]
        for name, folders in found.items():
            if folders != ref:
                only = sorted(set(folders) ^ set(ref))
                raise ScaffoldError(
                    f'class folders differ between the modalities: {osp.join(root, dirs[first])} '
                    f'has {ref}, {osp.join(root, dirs[name])} has {folders} ({only} in one '
                    'only). Give every modality the same class folders.')
        classes_of[split] = ref
    suffixes, patterns = r.rules(
        {n: [_join(d[n], c) for s, d in dirs_of.items() for c in classes_of[s]]
         for n in r.names})
    splits = r.splits([s for s in dirs_of if s != 'all'], ' in the modality folders')
    classes = r.classes_in_order(classes_of[splits['train']],
                                 f'the class folders of {dirs_of[splits["train"]][first]}/')
    datasets, samples, paths_of = {}, {}, {}
    for split in sorted(set(splits.values())):
        extra = [c for c in classes_of[split] if c not in classes]
        if extra:
            raise ScaffoldError(f'{osp.join(root, dirs_of[split][first])}: class folders {extra} '
                                f'are not training classes ({classes}).')
        files = ModalityFiles(dirs_of[split], root, suffix=suffixes or '.png', pattern=patterns)
        count = 0
        for cls in classes_of[split]:
            ids = check_pairs(files, cls, f'the {split} split, class {cls}')
            count += len(ids)
            if split == splits['train']:
                paths_of.update({(cls, i): files.paths(i, cls) for i in ids})
        samples[split] = count
        datasets[split] = dict(modality_dirs=dirs_of[split], **r.rule_args(suffixes, patterns))
    r.found.append(f'labels: class folders {classes}')
    formats = r.formats([paths_of[k] for k in sorted(paths_of)])
    specs, _ = r.specs(formats, registered=False)
    chip_size = {}
    for name in r.names:
        sizes = sorted({f.size for f in formats[name]})
        if name in opts.chip_size:
            side = opts.chip_size[name]
            chip_size[name] = (side, side)
        elif len(sizes) == 1:
            chip_size[name] = sizes[0]
            r.notes.append(f'{name} chips resized to {sizes[0][0]}x{sizes[0][1]}, the size of its '
                           f'files (--chip-size {name}=SIDE sets another)')
        else:
            listed = ', '.join(f'{w}x{h}' for w, h in sizes)
            raise ScaffoldError(
                f'modality "{name}": its chips differ in size ({listed}); a batch needs one '
                f'size. Give it: --chip-size {name}=SIDE (e.g. {max(min(s) for s in sizes)}).')
    return PairData(
        'cls',
        'PairedImageFolder',
        specs,
        classes,
        splits,
        datasets,
        same_size=False,
        chip_size=chip_size,
        samples=samples,
        found=r.found,
        notes=r.notes)


INSPECTORS = dict(det=inspect_det, seg=inspect_seg, cls=inspect_cls)


def inspect_pair(opts: PairOptions) -> PairData:
    """Read the data folder of ``opts`` for its task.

    Raises:
        ScaffoldError: What the folder leaves open (the message names the flag) or what is
            wrong with it.
    """
    _check_names(opts)
    return INSPECTORS[opts.task](opts)
