"""Reading a segmentation pair's data folder (``MultiModalSegDataset``): the modality folders,
the label map folder and the splits (split folders or split lists)."""
import os.path as osp
from typing import Dict, List

from ..datasets.sample_lists import read_name_list
from .errors import ScaffoldError
from .folder_layout import find_split_lists, image_files, split_subfolders
from .label_classes import find_seg_dir, label_ids, seg_classes
from .pair_reader import PairData, PairOptions, PairReader, join_folder


def inspect_seg(opts: PairOptions) -> PairData:
    """A segmentation pair: modality folders, a label map folder, split folders or lists."""
    r = PairReader(opts)
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
        dirs_of = r.dirs_of_splits(split_dirs)
        label_of = {s: join_folder(label_dir, sub) for s, sub in split_dirs.items()}
        lists: Dict[str, str] = {}
    else:
        lists = find_split_lists(root)
        keys = list(lists) or ['all']
        dirs_of = {s: dict(r.folders) for s in keys}
        label_of = {s: label_dir for s in keys}
    rules = r.rules({n: sorted({d[n] for d in dirs_of.values()}) for n in r.names})
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
        files = r.files(dirs_of[split])
        if split in lists:
            ids = read_name_list(
                osp.join(root, lists[split]),
                suffix=files.file_name(first, '') if first in r.suffixes else '')
        else:
            ids = r.folder_ids(dirs_of[split])
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
    specs, same = r.sample_specs(dirs_of[splits['train']], ids_of[splits['train']])
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
